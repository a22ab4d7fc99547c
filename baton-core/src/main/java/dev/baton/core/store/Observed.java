package dev.baton.core.store;

import java.util.Objects;

/**
 * A session and its renewal counter as a reader saw it. Naming it in a compare-and-set says "this
 * session has not been renewed since I saw it", which is how the observed-time rule reaches the
 * store.
 */
public record Observed(SessionId session, long renewals) {
  public Observed {
    Objects.requireNonNull(session, "session");
  }
}
