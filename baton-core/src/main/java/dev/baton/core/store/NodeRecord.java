package dev.baton.core.store;

import dev.baton.core.ServiceName;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * A node as the store holds it: its latest session, how many times that session was renewed (the
 * counter a claimant names in its compare-and-set), the providers it published, and the timing
 * that session runs on.
 *
 * @param heartbeat the renewal interval of the session, as recorded when it was opened
 *     ({@link StoreOptions#heartbeat()} of the store that opened it); null when unknown
 * @param lease the lease of the session, as recorded when it was opened ({@link StoreOptions#lease()}
 *     of the store that opened it): its owner fences itself by this lease. Null when unknown: the
 *     session was opened by a version of Baton that did not record it. A reader that judges the
 *     session by the observed-time rule waits at least the longer of its own lease and this one
 *     ({@link #leaseAtLeast})
 * @param renewed when the renewal that set {@code renewals} was sent, on its sender's host clock,
 *     or a moment after it on the reader's (the ZooKeeper store: when the reader received the
 *     ensemble's notice of that write), never before the sending; null when the store does not
 *     know it, the clock cannot be compared, or the session was not renewed yet. A claimant on the
 *     same boot may count the lease from it
 */
public record NodeRecord(
    NodeInfo info,
    SessionId session,
    long renewals,
    SessionState state,
    Map<ServiceName, ProviderStatus> providers,
    Duration heartbeat,
    Duration lease,
    RenewalStamp renewed) {
  public NodeRecord {
    Objects.requireNonNull(info, "info");
    Objects.requireNonNull(session, "session");
    Objects.requireNonNull(state, "state");
    providers = Map.copyOf(providers);
    requirePositiveOrNull(heartbeat, "heartbeat");
    requirePositiveOrNull(lease, "lease");
  }

  /** A record without a renewal stamp. */
  public NodeRecord(NodeInfo info, SessionId session, long renewals, SessionState state,
      Map<ServiceName, ProviderStatus> providers, Duration heartbeat, Duration lease) {
    this(info, session, renewals, state, providers, heartbeat, lease, null);
  }

  /** A record whose session's timing is unknown (it was opened by an older version of Baton). */
  public NodeRecord(NodeInfo info, SessionId session, long renewals, SessionState state,
      Map<ServiceName, ProviderStatus> providers) {
    this(info, session, renewals, state, providers, null, null, null);
  }

  /**
   * How long a reader whose own lease is {@code ownLease} must see this session unrenewed before it
   * may judge it dead: the longer of its own lease and the session's recorded one (its own when
   * that is unknown). A node configured with a longer lease than its peers fences itself that much
   * later, so nobody may take its services over earlier.
   */
  public Duration leaseAtLeast(Duration ownLease) {
    Objects.requireNonNull(ownLease, "ownLease");
    return lease != null && lease.compareTo(ownLease) > 0 ? lease : ownLease;
  }

  private static void requirePositiveOrNull(Duration d, String what) {
    if (d != null && (d.isNegative() || d.isZero())) {
      throw new IllegalArgumentException(what + " " + d + " must be positive (or null when unknown)");
    }
  }
}
