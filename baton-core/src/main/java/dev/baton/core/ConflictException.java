package dev.baton.core;

/** The request was well formed but the current state of the group does not allow it. */
public class ConflictException extends BatonException {
  public ConflictException(String message) {
    super(message);
  }
}
