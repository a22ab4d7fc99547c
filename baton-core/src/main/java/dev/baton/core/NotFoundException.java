package dev.baton.core;

/** The request names a service, node or other resource that does not exist. */
public class NotFoundException extends BatonException {
  public NotFoundException(String message) {
    super(message);
  }
}
