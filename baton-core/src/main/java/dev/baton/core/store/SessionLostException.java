package dev.baton.core.store;

import dev.baton.core.BatonException;

/**
 * The session is no longer the node's live session: it expired, was ended by a claim over it,
 * was closed, or was replaced. Every right it carried is gone; open a new session.
 */
public class SessionLostException extends BatonException {
  public SessionLostException(String message) {
    super(message);
  }
}
