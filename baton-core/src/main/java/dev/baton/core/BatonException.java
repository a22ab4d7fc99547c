package dev.baton.core;

/**
 * Root of every exception Baton throws on purpose. Unchecked: callers at the edges (CLI, HTTP)
 * map the subclasses to exit codes and status codes in one place each.
 */
public class BatonException extends RuntimeException {
  public BatonException(String message) {
    super(message);
  }

  public BatonException(String message, Throwable cause) {
    super(message, cause);
  }
}
