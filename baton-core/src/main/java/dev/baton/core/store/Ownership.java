package dev.baton.core.store;

import dev.baton.core.NodeName;
import dev.baton.core.ServiceName;
import java.util.Objects;

/**
 * A service's ownership record.
 *
 * @param epoch the fencing token: raised by one at every grant, never reused, never lowered
 * @param node the current owner, or after a release or a death the last one; null if never owned
 * @param session the owner's session; null once released. The ownership is valid only while this
 *     session is alive.
 */
public record Ownership(ServiceName service, long epoch, NodeName node, SessionId session) {
  public Ownership {
    Objects.requireNonNull(service, "service");
  }

  /** A service that was never claimed. */
  public static Ownership unclaimed(ServiceName service) {
    return new Ownership(service, 0, null, null);
  }

  public boolean released() {
    return session == null;
  }
}
