package dev.baton.core;

/** Input from outside (config, CLI, HTTP, a store row) was rejected; nothing was changed. */
public class InvalidInputException extends BatonException {
  public InvalidInputException(String message) {
    super(message);
  }
}
