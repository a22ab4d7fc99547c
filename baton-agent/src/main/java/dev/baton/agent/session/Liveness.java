package dev.baton.agent.session;

import dev.baton.core.MonotonicClock;
import dev.baton.core.store.NodeRecord;
import dev.baton.core.store.Observed;
import dev.baton.core.store.RenewalStamp;
import dev.baton.core.store.SessionId;
import dev.baton.core.store.SessionState;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The observed-time rule: this node's judgement of its peers' sessions. A session is dead for
 * this node only when the store does not vouch for it (closed, expired by the store's clock, or a
 * store without a clock) <em>and</em> its renewal counter has not moved for a full lease on this
 * node's monotonic clock, counted from the moment this node first saw the current value. A store
 * whose clock jumps forward therefore cannot make this node take a service that still runs.
 *
 * <p>"A full lease" is the longer of this node's lease and the one recorded with the session
 * ({@link NodeRecord#leaseAtLeast}): the owner fences itself by its own lease, so a peer configured
 * with a shorter one must not take its services earlier. A session whose lease is unknown (opened
 * by an older version) is judged by this node's lease.
 *
 * <p>Where the store records when the renewal was sent ({@link NodeRecord#renewed()}) on this
 * node's own host clock (the same boot, and this node's clock is that host's), or when this node
 * heard of it (a later moment: ZooKeeper's notice of the write), the lease is counted from that
 * moment instead of from when this node first saw the renewal in a snapshot, up to a
 * heartbeat later: the owner counts its fence deadline from a moment no later than the stamp, so
 * the lease it fences itself by ends no later than the stamp plus the lease. A stamp dated after
 * this node first saw its renewal cannot be true of the same clock, and is ignored; so is one
 * seen more than a heartbeat after it was sent, or shown by a counter that went down, which may
 * not be the owner's latest renewal.
 *
 * <p>Not thread-safe: owned by the reconciler thread.
 */
public final class Liveness {
  public enum Verdict { ALIVE, LOST, LEFT }

  /**
   * A session's counter as first seen at {@code sinceNanos}; {@code moved}: seen changing before;
   * {@code wentBack}: it changed by going down (a store restored from a backup); {@code sentNanos}:
   * when the renewal that set it was sent (or heard of) on this node's clock, from a stamp that
   * passed the checks of {@link #stamp}, or -1. Kept once seen: a store may stop reporting the stamp
   * of a session it expired (ZooKeeper, whose ephemeral is gone), which proves nothing was renewed.
   */
  private record Seen(long renewals, long sinceNanos, boolean moved, boolean wentBack, long sentNanos) {
    Seen withSent(long nanos) {
      return new Seen(renewals, sinceNanos, moved, wentBack, nanos);
    }
  }

  private final MonotonicClock clock;
  private final long leaseNanos;
  private final boolean storeJudgesLeases;
  private final String boot;
  private final Map<SessionId, Seen> seen = new HashMap<>();

  /**
   * @param boot the boot id of the host whose monotonic clock {@code clock} reads, or null when
   *     it reads no host's (a test's clock): renewal stamps from that boot are then trusted
   */
  public Liveness(MonotonicClock clock, Duration lease, boolean storeJudgesLeases, String boot) {
    this.clock = clock;
    this.leaseNanos = lease.toNanos();
    this.storeJudgesLeases = storeJudgesLeases;
    this.boot = boot;
  }

  /** Judges by first sight alone, trusting no renewal stamp. */
  public Liveness(MonotonicClock clock, Duration lease, boolean storeJudgesLeases) {
    this(clock, lease, storeJudgesLeases, null);
  }

  /** Records the counters of a fresh snapshot; forgets sessions no longer in it. */
  public void observe(List<NodeRecord> nodes) {
    long now = clock.nanos();
    Set<SessionId> present = new HashSet<>();
    for (NodeRecord n : nodes) {
      present.add(n.session());
      Seen s = seen.get(n.session());
      if (s == null || renewedSince(n, s)) {
        s = new Seen(n.renewals(), now, s != null, s != null && n.renewals() < s.renewals(), -1);
        seen.put(n.session(), s);
      }
      long sent = s.sentNanos() < 0 ? stamp(n, s) : -1;
      if (sent >= 0) {
        seen.put(n.session(), s.withSent(sent));
      }
    }
    seen.keySet().retainAll(present);
  }

  public Verdict judge(NodeRecord n) {
    if (n.state() == SessionState.CLOSED) {
      return Verdict.LEFT;
    }
    boolean storeLetsGo = n.state() == SessionState.EXPIRED || !storeJudgesLeases;
    return storeLetsGo && unchangedForLease(n) ? Verdict.LOST : Verdict.ALIVE;
  }

  /** What a claim over this node's session must name, or null when its session is closed. */
  public Observed observed(NodeRecord n) {
    return n.state() == SessionState.CLOSED ? null : new Observed(n.session(), n.renewals());
  }

  /**
   * Nanoseconds from now until {@code n} could be judged lost if its counter does not move, or -1
   * if that is not pending.
   */
  public long nanosUntilLost(NodeRecord n) {
    Seen s = seen.get(n.session());
    if (s == null || n.state() == SessionState.CLOSED) {
      return -1;
    }
    long left = leaseEnd(n, s) - clock.nanos();
    return left > 0 ? left : -1;
  }

  /**
   * The monotonic time at which this node first saw {@code n}'s current renewal count, when it had
   * seen the count change before (so a renewal came just before); -1 otherwise (first seen: when
   * it was last renewed is not known). For the whiteboard's last heartbeat: it decides nothing.
   */
  public long renewalSeenNanos(NodeRecord n) {
    Seen s = seen.get(n.session());
    return s == null || !s.moved() ? -1 : s.sinceNanos();
  }

  /**
   * The monotonic time at which {@code n}'s lease passed in this node's view (its counter first seen
   * standing still, plus the lease), or -1 when this node has not seen it. For the failover
   * duration metric: it decides nothing.
   */
  public long leasePassedNanos(NodeRecord n) {
    Seen s = seen.get(n.session());
    return s == null ? -1 : leaseEnd(n, s);
  }

  /**
   * Nanoseconds from now until {@code n} could be judged lost, when its session has stopped being
   * renewed but is not lost yet: the store expired it, or its counter, seen moving before, has
   * stood still for {@code silence}. -1 otherwise (renewing as usual, or already lost or left). A
   * store whose counters never move between renewals (ZooKeeper) is judged by its expiry alone.
   * For the whiteboard: it decides nothing.
   */
  public long nanosUntilLostWhenSilent(NodeRecord n, Duration silence) {
    Seen s = seen.get(n.session());
    if (s == null || n.state() == SessionState.CLOSED || judge(n) != Verdict.ALIVE) {
      return -1;
    }
    boolean silent = n.state() == SessionState.EXPIRED
        || (s.moved() && clock.nanos() - s.sinceNanos() >= silence.toNanos());
    return silent ? Math.max(0, leaseEnd(n, s) - clock.nanos()) : -1;
  }

  /**
   * Whether this node has seen {@code n}'s counter stand still for a lease while the store, which
   * judges leases by its own clock, still calls it live (the two clocks differ a little), within
   * half a lease after that.
   */
  public boolean awaitingStoreVerdict(NodeRecord n) {
    Seen s = seen.get(n.session());
    if (!storeJudgesLeases || n.state() != SessionState.LIVE || s == null || renewedSince(n, s)) {
      return false;
    }
    // Only just after the lease: a store whose counters never move between renewals (ZooKeeper's
    // sessions renew themselves) must not be polled forever.
    long now = clock.nanos();
    long end = leaseEnd(n, s);
    return now >= end && now < end + leaseNanosOf(n) / 2;
  }

  private boolean unchangedForLease(NodeRecord n) {
    Seen s = seen.get(n.session());
    return s != null && !renewedSince(n, s) && clock.nanos() >= leaseEnd(n, s);
  }

  /**
   * When {@code n}'s lease ends in this node's view, if its counter stays as {@code s} saw it: the
   * renewal's stamp plus the lease where the stamp is on this node's clock and of the owner's latest
   * renewal, else first sight plus the lease. A stamp is taken as the latest renewal's only when
   * this node saw it within one of the session's heartbeats of its sending, and not by a counter
   * that went down: a store restored from a backup shows an older renewal, whose stamp would end
   * a lease that its owner, renewing since, still holds.
   */
  private long leaseEnd(NodeRecord n, Seen s) {
    return (s.sentNanos() >= 0 ? s.sentNanos() : s.sinceNanos()) + leaseNanosOf(n);
  }

  /** {@code n}'s stamp on this node's clock if it is that of the renewal {@code s} saw (see {@link #leaseEnd}), else -1. */
  private long stamp(NodeRecord n, Seen s) {
    RenewalStamp sent = n.renewed();
    boolean latest = boot != null && sent != null && n.heartbeat() != null && !s.wentBack()
        && boot.equals(sent.boot()) && n.renewals() == s.renewals() && sent.nanos() <= s.sinceNanos()
        && s.sinceNanos() - sent.nanos() <= n.heartbeat().toNanos();
    return latest ? sent.nanos() : -1;
  }

  /**
   * Whether {@code n}'s counter shows a renewal since {@code s}. For a live session any change
   * does, a decrease too: a store restored from a backup, or failed over to a replica that missed
   * the last commits, may show a lower counter of a session that is still being renewed, and
   * counting only growth would judge it dead while it runs. For a session the store no longer
   * calls live only growth does: a store may stop reporting the counter of a session it expired
   * (ZooKeeper reports 0 once the ephemeral is gone), which proves nothing was renewed.
   */
  private static boolean renewedSince(NodeRecord n, Seen s) {
    return n.state() == SessionState.LIVE ? n.renewals() != s.renewals() : n.renewals() > s.renewals();
  }

  /** How long {@code n}'s counter must stand still: the longer of this node's lease and {@code n}'s own. */
  private long leaseNanosOf(NodeRecord n) {
    return n.lease() == null ? leaseNanos : Math.max(leaseNanos, n.lease().toNanos());
  }
}
