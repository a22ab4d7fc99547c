package dev.baton.core.store;

import dev.baton.core.BatonException;

/**
 * The store could not be reached or did not answer within its call timeout. The outcome of a
 * write that failed this way is unknown: it may have been applied.
 */
public class StoreException extends BatonException {
  public StoreException(String message, Throwable cause) {
    super(message, cause);
  }

  public StoreException(String message) {
    super(message);
  }
}
