package dev.baton.client;

/**
 * The client could not do what was asked: no agent answered, the group has no such service, no
 * provider was active within the failover timeout, or the last call failed. The message says
 * which, and what was tried; the cause, when there is one, is the last failure.
 */
public class BatonClientException extends RuntimeException {
  public BatonClientException(String message) {
    super(message);
  }

  public BatonClientException(String message, Throwable cause) {
    super(message, cause);
  }
}
