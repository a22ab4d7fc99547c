package dev.baton.agent.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.core.Location;
import dev.baton.core.NodeName;
import dev.baton.core.store.NodeInfo;
import dev.baton.core.store.NodeRecord;
import dev.baton.core.store.Observed;
import dev.baton.core.store.RenewalStamp;
import dev.baton.core.store.SessionId;
import dev.baton.core.store.SessionState;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LivenessTest {
  static final Duration LEASE = Duration.ofSeconds(3);
  long now = 1_000_000_000L;

  /** Node b's session, opened by a version that did not record its lease (unknown). */
  static NodeRecord node(long renewals, SessionState state) {
    return node(renewals, state, null);
  }

  /** Node b's session, whose own lease is {@code lease} (null: unknown). */
  static NodeRecord node(long renewals, SessionState state, Duration lease) {
    return new NodeRecord(new NodeInfo(NodeName.of("b"), Location.ROOT, "127.0.0.1:1"), new SessionId("s1"),
        renewals, state, Map.of(), lease == null ? null : lease.dividedBy(6), lease);
  }

  void advance(Duration d) {
    now += d.toNanos();
  }

  @Test
  void onAClocklessStoreASessionIsLostOnlyAfterItsCounterStoodStillForAFullLeaseOnTheObserversClock() {
    Liveness l = new Liveness(() -> now, LEASE, false);
    l.observe(List.of(node(5, SessionState.LIVE)));
    advance(LEASE.minusMillis(1));
    assertThat(l.judge(node(5, SessionState.LIVE))).isEqualTo(Liveness.Verdict.ALIVE);
    advance(Duration.ofMillis(1));
    assertThat(l.judge(node(5, SessionState.LIVE))).isEqualTo(Liveness.Verdict.LOST);
    assertThat(l.observed(node(5, SessionState.LIVE))).isEqualTo(new Observed(new SessionId("s1"), 5));
  }

  /** Node b's session at {@code renewals}, that renewal sent at {@code sentNanos} on boot {@code boot}. */
  static NodeRecord stamped(long renewals, String boot, long sentNanos) {
    return new NodeRecord(new NodeInfo(NodeName.of("b"), Location.ROOT, "127.0.0.1:1"), new SessionId("s1"),
        renewals, SessionState.LIVE, Map.of(), HEARTBEAT, LEASE, new RenewalStamp(boot, sentNanos));
  }

  static final Duration HEARTBEAT = Duration.ofMillis(500);

  @Test
  void aStampSeenMoreThanAHeartbeatAfterItWasSentMayNotBeTheLatestRenewalAndIsIgnored() {
    Liveness l = new Liveness(() -> now, LEASE, false, "boot-1");
    long sent = now;
    advance(HEARTBEAT.plusMillis(1)); // e.g. a node that joins now reads a stamp from the past
    NodeRecord b = stamped(5, "boot-1", sent);
    l.observe(List.of(b));
    assertThat(l.nanosUntilLost(b)).isEqualTo(LEASE.toNanos());
  }

  @Test
  void aStampShownByACounterThatWentDownIsAnOlderRenewalsAndIsIgnored() {
    Liveness l = new Liveness(() -> now, LEASE, false, "boot-1");
    l.observe(List.of(stamped(9, "boot-1", now)));
    long backup = now - Duration.ofMillis(100).toNanos(); // a backup taken at renewal 7, restored now
    advance(Duration.ofMillis(200));
    NodeRecord restored = stamped(7, "boot-1", backup + Duration.ofMillis(150).toNanos());
    l.observe(List.of(restored));
    assertThat(l.nanosUntilLost(restored)).isEqualTo(LEASE.toNanos());
    advance(Duration.ofMillis(100));
    NodeRecord renewedAgain = stamped(8, "boot-1", now - Duration.ofMillis(10).toNanos()); // the owner renews on
    l.observe(List.of(renewedAgain));
    assertThat(l.nanosUntilLost(renewedAgain)).isEqualTo(LEASE.minusMillis(10).toNanos());
  }

  @Test
  void onTheSameBootTheLeaseIsCountedFromTheRenewalsStampNotFromWhenItWasFirstSeen() {
    Liveness l = new Liveness(() -> now, LEASE, false, "boot-1");
    long sent = now;
    advance(Duration.ofMillis(400)); // the renewal is seen 400 ms after it was sent
    NodeRecord b = stamped(5, "boot-1", sent);
    l.observe(List.of(b));
    assertThat(l.nanosUntilLost(b)).isEqualTo(LEASE.minusMillis(400).toNanos());
    advance(LEASE.minusMillis(401));
    assertThat(l.judge(b)).isEqualTo(Liveness.Verdict.ALIVE);
    advance(Duration.ofMillis(1)); // the stamp plus the lease: 400 ms before first sight plus the lease
    assertThat(l.judge(b)).isEqualTo(Liveness.Verdict.LOST);
  }

  /**
   * ZooKeeper: the stamp is when this node heard of the renewal; once the ensemble expires the
   * session the record shows counter 0 and no stamp, and the lease still ends at the stamp's.
   */
  @Test
  void aStampSeenWhileTheSessionWasLiveStillCountsOnceTheStoreExpiredItAndShowsNone() {
    Liveness l = new Liveness(() -> now, LEASE, true, "boot-1");
    long heard = now;
    advance(Duration.ofMillis(400)); // the next snapshot, 400 ms after the notice
    l.observe(List.of(stamped(5, "boot-1", heard)));
    advance(LEASE.minusMillis(401));
    NodeRecord expired = new NodeRecord(new NodeInfo(NodeName.of("b"), Location.ROOT, "127.0.0.1:1"),
        new SessionId("s1"), 0, SessionState.EXPIRED, Map.of(), HEARTBEAT, LEASE, null);
    l.observe(List.of(expired));
    assertThat(l.judge(expired)).isEqualTo(Liveness.Verdict.ALIVE);
    advance(Duration.ofMillis(1)); // the notice plus the lease, 400 ms before first sight plus the lease
    assertThat(l.judge(expired)).isEqualTo(Liveness.Verdict.LOST);
  }

  @Test
  void aStampFromAnotherBootOrWithoutAHostClockIsIgnored() {
    long sent = now;
    advance(Duration.ofMillis(400));
    for (Liveness l : List.of(new Liveness(() -> now, LEASE, false, "boot-2"), new Liveness(() -> now, LEASE, false))) {
      l.observe(List.of(stamped(5, "boot-1", sent)));
      assertThat(l.nanosUntilLost(stamped(5, "boot-1", sent))).isEqualTo(LEASE.toNanos());
    }
  }

  @Test
  void aStampDatedAfterTheRenewalWasFirstSeenIsNotOfThisClockAndIsIgnored() {
    Liveness l = new Liveness(() -> now, LEASE, false, "boot-1");
    NodeRecord b = stamped(5, "boot-1", now + 1); // a clock that runs ahead of this node's
    l.observe(List.of(b));
    assertThat(l.nanosUntilLost(b)).isEqualTo(LEASE.toNanos());
    advance(LEASE.minusMillis(1));
    assertThat(l.judge(b)).isEqualTo(Liveness.Verdict.ALIVE);
  }

  @Test
  void aRenewalRestartsTheObservation() {
    Liveness l = new Liveness(() -> now, LEASE, false);
    l.observe(List.of(node(5, SessionState.LIVE)));
    advance(Duration.ofSeconds(2));
    l.observe(List.of(node(6, SessionState.LIVE)));
    advance(Duration.ofSeconds(2));
    assertThat(l.judge(node(6, SessionState.LIVE))).isEqualTo(Liveness.Verdict.ALIVE);
    assertThat(l.nanosUntilLost(node(6, SessionState.LIVE))).isEqualTo(Duration.ofSeconds(1).toNanos());
  }

  @Test
  void theLastRenewalIsWhenTheObserverFirstSawTheCurrentCountOnceItHasSeenItChange() {
    Liveness l = new Liveness(() -> now, LEASE, false);
    l.observe(List.of(node(5, SessionState.LIVE)));
    assertThat(l.renewalSeenNanos(node(5, SessionState.LIVE))).as("first seen: when it renewed is not known").isEqualTo(-1);
    advance(Duration.ofSeconds(1));
    l.observe(List.of(node(6, SessionState.LIVE)));
    long seen = now;
    advance(Duration.ofSeconds(1));
    l.observe(List.of(node(6, SessionState.LIVE)));
    assertThat(l.renewalSeenNanos(node(6, SessionState.LIVE))).as("the read that first showed 6").isEqualTo(seen);
  }

  @Test
  void aCounterThatGoesDownIsARenewalToo() {
    // The store was restored from a backup taken at 3 renewals; the owner renews on from there.
    Liveness l = new Liveness(() -> now, LEASE, false);
    l.observe(List.of(node(5, SessionState.LIVE)));
    advance(Duration.ofSeconds(2));
    l.observe(List.of(node(3, SessionState.LIVE)));
    advance(Duration.ofSeconds(2));
    assertThat(l.judge(node(3, SessionState.LIVE))).isEqualTo(Liveness.Verdict.ALIVE);
    assertThat(l.nanosUntilLost(node(3, SessionState.LIVE))).isEqualTo(Duration.ofSeconds(1).toNanos());
    advance(Duration.ofSeconds(1));
    assertThat(l.judge(node(3, SessionState.LIVE))).as("a full lease at the lower value").isEqualTo(Liveness.Verdict.LOST);
    assertThat(l.observed(node(3, SessionState.LIVE))).isEqualTo(new Observed(new SessionId("s1"), 3));
  }

  @Test
  void aStoreThatJudgesLeasesVouchesForALiveSessionHoweverLongItsCounterStandsStill() {
    Liveness l = new Liveness(() -> now, LEASE, true);
    l.observe(List.of(node(5, SessionState.LIVE)));
    advance(LEASE.multipliedBy(10));
    assertThat(l.judge(node(5, SessionState.LIVE))).isEqualTo(Liveness.Verdict.ALIVE);
  }

  @Test
  void aSessionSeenStillForALeaseThatTheStoreStillCallsLiveAwaitsTheStoresVerdict() {
    Liveness l = new Liveness(() -> now, LEASE, true);
    l.observe(List.of(node(5, SessionState.LIVE)));
    advance(LEASE);
    assertThat(l.awaitingStoreVerdict(node(5, SessionState.LIVE))).isTrue();
    assertThat(l.awaitingStoreVerdict(node(5, SessionState.EXPIRED))).isFalse();
    assertThat(new Liveness(() -> now, LEASE, false).awaitingStoreVerdict(node(5, SessionState.LIVE))).isFalse();
    advance(LEASE.dividedBy(2));
    assertThat(l.awaitingStoreVerdict(node(5, SessionState.LIVE))).as("not forever").isFalse();
  }

  @Test
  void aStoreClockThatJumpsForwardCannotMakeARecentlyRenewedSessionLost() {
    Liveness l = new Liveness(() -> now, LEASE, true);
    l.observe(List.of(node(7, SessionState.EXPIRED)));
    advance(Duration.ofSeconds(1));
    assertThat(l.judge(node(7, SessionState.EXPIRED))).isEqualTo(Liveness.Verdict.ALIVE);
    advance(LEASE);
    assertThat(l.judge(node(7, SessionState.EXPIRED))).isEqualTo(Liveness.Verdict.LOST);
  }

  @Test
  void aCounterThatAStoreStopsReportingOnExpiryIsNotARenewal() {
    Liveness l = new Liveness(() -> now, LEASE, true);
    l.observe(List.of(node(9, SessionState.LIVE)));
    advance(LEASE);
    l.observe(List.of(node(0, SessionState.EXPIRED)));
    assertThat(l.judge(node(0, SessionState.EXPIRED))).isEqualTo(Liveness.Verdict.LOST);
  }

  @Test
  void aSessionWithALongerLeaseThanTheObserversIsLostOnlyAfterItsOwnLease() {
    Duration ownersLease = Duration.ofSeconds(10);
    Liveness l = new Liveness(() -> now, LEASE, false);
    l.observe(List.of(node(5, SessionState.LIVE, ownersLease)));
    advance(LEASE);
    assertThat(l.judge(node(5, SessionState.LIVE, ownersLease))).as("the observer's own lease is not enough")
        .isEqualTo(Liveness.Verdict.ALIVE);
    assertThat(l.nanosUntilLost(node(5, SessionState.LIVE, ownersLease)))
        .isEqualTo(ownersLease.minus(LEASE).toNanos());
    advance(ownersLease.minus(LEASE).minusMillis(1));
    assertThat(l.judge(node(5, SessionState.LIVE, ownersLease))).isEqualTo(Liveness.Verdict.ALIVE);
    advance(Duration.ofMillis(1));
    assertThat(l.judge(node(5, SessionState.LIVE, ownersLease))).isEqualTo(Liveness.Verdict.LOST);
  }

  @Test
  void aSessionWithAShorterLeaseIsStillObservedForTheObserversOwnLease() {
    Duration ownersLease = Duration.ofSeconds(1);
    Liveness l = new Liveness(() -> now, LEASE, false);
    l.observe(List.of(node(5, SessionState.LIVE, ownersLease)));
    advance(LEASE.minusMillis(1));
    assertThat(l.judge(node(5, SessionState.LIVE, ownersLease))).isEqualTo(Liveness.Verdict.ALIVE);
    advance(Duration.ofMillis(1));
    assertThat(l.judge(node(5, SessionState.LIVE, ownersLease))).isEqualTo(Liveness.Verdict.LOST);
  }

  @Test
  void theStoresVerdictIsAwaitedOnlyOnceTheLongerOfTheTwoLeasesPassed() {
    Duration ownersLease = Duration.ofSeconds(10);
    Liveness l = new Liveness(() -> now, LEASE, true);
    l.observe(List.of(node(5, SessionState.LIVE, ownersLease)));
    advance(LEASE);
    assertThat(l.awaitingStoreVerdict(node(5, SessionState.LIVE, ownersLease))).isFalse();
    advance(ownersLease.minus(LEASE));
    assertThat(l.awaitingStoreVerdict(node(5, SessionState.LIVE, ownersLease))).isTrue();
    assertThat(l.judge(node(5, SessionState.EXPIRED, ownersLease))).isEqualTo(Liveness.Verdict.LOST);
  }

  @Test
  void aClosedSessionHasLeftAtOnceAndNeedsNoObservation() {
    Liveness l = new Liveness(() -> now, LEASE, false);
    l.observe(List.of(node(5, SessionState.CLOSED)));
    assertThat(l.judge(node(5, SessionState.CLOSED))).isEqualTo(Liveness.Verdict.LEFT);
    assertThat(l.observed(node(5, SessionState.CLOSED))).isNull();
  }

  @Test
  void aSessionNeverObservedBeforeIsAlive() {
    Liveness l = new Liveness(() -> now, LEASE, false);
    assertThat(l.judge(node(5, SessionState.LIVE))).isEqualTo(Liveness.Verdict.ALIVE);
  }

  @Test
  void aSessionThatStoppedRenewingShowsTheTimeLeftUntilItsLeasePassesAndNothingOnceLost() {
    Liveness l = new Liveness(() -> now, LEASE, false);
    Duration silence = Duration.ofMillis(1000);
    l.observe(List.of(node(5, SessionState.LIVE)));
    advance(Duration.ofSeconds(2));
    assertThat(l.nanosUntilLostWhenSilent(node(5, SessionState.LIVE), silence))
        .as("never seen renewing: a counter that may not move between renewals proves no silence").isEqualTo(-1);
    l.observe(List.of(node(6, SessionState.LIVE)));
    advance(Duration.ofMillis(500));
    assertThat(l.nanosUntilLostWhenSilent(node(6, SessionState.LIVE), silence)).as("renewing as usual").isEqualTo(-1);
    advance(Duration.ofMillis(700));
    assertThat(l.nanosUntilLostWhenSilent(node(6, SessionState.LIVE), silence))
        .isEqualTo(LEASE.minusMillis(1200).toNanos());
    advance(LEASE);
    assertThat(l.judge(node(6, SessionState.LIVE))).isEqualTo(Liveness.Verdict.LOST);
    assertThat(l.nanosUntilLostWhenSilent(node(6, SessionState.LIVE), silence)).isEqualTo(-1);
  }

  @Test
  void aSessionTheStoreExpiredIsSilentAtOnceWhileTheObserversLeaseRuns() {
    Liveness l = new Liveness(() -> now, LEASE, true);
    l.observe(List.of(node(0, SessionState.EXPIRED)));
    advance(Duration.ofSeconds(1));
    assertThat(l.nanosUntilLostWhenSilent(node(0, SessionState.EXPIRED), Duration.ofMillis(1000)))
        .isEqualTo(Duration.ofSeconds(2).toNanos());
  }
}
