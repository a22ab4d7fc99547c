package dev.baton.store.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.baton.core.ConflictException;
import dev.baton.core.GroupName;
import dev.baton.core.Location;
import dev.baton.core.MonotonicClock;
import dev.baton.core.NodeName;
import dev.baton.core.ServiceName;
import dev.baton.core.store.ClaimRequest;
import dev.baton.core.store.ClaimResult;
import dev.baton.core.store.EventDraft;
import dev.baton.core.store.NodeInfo;
import dev.baton.core.store.NodeRecord;
import dev.baton.core.store.Observed;
import dev.baton.core.store.ProviderStatus;
import dev.baton.core.store.SessionId;
import dev.baton.core.store.SessionLostException;
import dev.baton.core.store.SessionState;
import dev.baton.core.store.Snapshot;
import dev.baton.core.store.Store;
import dev.baton.core.store.StoreException;
import dev.baton.core.store.StoreOptions;
import dev.baton.core.store.Stores;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.KillSession;
import org.apache.curator.test.TestingCluster;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooDefs.Ids;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.client.FourLetterWordMain;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What only a ZooKeeper ensemble does: lose servers, regain its quorum, expire sessions on its
 * own. Each test leaves all three servers running.
 */
class ZookeeperEnsembleTest {
  private static final Duration LEASE = Duration.ofSeconds(3);
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final ServiceName MAILER = ServiceName.of("mailer");

  private static TestingCluster ensemble;

  private final List<Store> stores = new CopyOnWriteArrayList<>();
  private final List<InstanceSpec> down = new CopyOnWriteArrayList<>();
  private final ScheduledExecutorService renewers = Executors.newScheduledThreadPool(2);

  @BeforeAll
  static void startEnsemble() throws Exception {
    ensemble = Ensemble.start();
  }

  @AfterAll
  static void stopEnsemble() throws Exception {
    ensemble.close();
  }

  @AfterEach
  void closeStores() throws Exception {
    renewers.shutdownNow();
    assertThat(renewers.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    stores.forEach(Store::close);
    for (InstanceSpec spec : down) {
      restart(spec);
    }
    await("all three servers serve again").atMost(WAIT)
        .until(() -> ensemble.getInstances().stream().allMatch(ZookeeperEnsembleTest::serves));
  }

  @Test
  void losingOneServerOfThreeEvenTheLeaderMovesNothing() throws Exception {
    GroupName group = freshGroup();
    Store owner = open(group);
    Store candidate = open(group);
    SessionId so = openSession(owner, "owner");
    SessionId sc = openSession(candidate, "candidate");
    assertThat(owner.claim(new ClaimRequest(MAILER, 0, so, null)).granted()).isTrue();
    Renewals renewals = keepRenewing(owner, so);
    keepRenewing(candidate, sc);

    InstanceSpec leader = leader();
    long killedAt = System.nanoTime();
    kill(leader);

    await("three renewals sent after the leader was killed").atMost(WAIT)
        .until(() -> renewals.succeededSince(killedAt) >= 3);
    assertThat(renewals.lost).as("session lost").isEmpty();
    assertThat(renewals.longestGapNanos()).as("longest time between two successful renewals")
        .isLessThan(LEASE.toNanos());
    NodeRecord seen = candidate.snapshot().node(NodeName.of("owner")).orElseThrow();
    assertThat(seen.state()).isEqualTo(SessionState.LIVE);
    ClaimResult claim = candidate.claim(
        new ClaimRequest(MAILER, 1, sc, new Observed(seen.session(), seen.renewals())));
    assertThat(claim.granted()).as("claim over the live owner").isFalse();
    assertThat(candidate.snapshot().ownership(MAILER).session()).isEqualTo(so);
    assertThat(candidate.snapshot().ownership(MAILER).epoch()).isEqualTo(1);
  }

  @Test
  void losingTwoServersFailsRenewalsAndAfterTheQuorumReturnsALapsedSessionIsLostWhileANewOneClaimsWithAHigherEpoch()
      throws Exception {
    GroupName group = freshGroup();
    Store owner = open(group);
    Store candidate = open(group);
    SessionId so = openSession(owner, "owner");
    SessionId sc = openSession(candidate, "candidate");
    assertThat(owner.claim(new ClaimRequest(MAILER, 0, so, null)).granted()).isTrue();
    owner.renew(so);

    List<InstanceSpec> killed = ensemble.getInstances().stream().limit(2).toList();
    long killedAt = System.nanoTime();
    for (InstanceSpec spec : killed) {
      kill(spec);
    }

    long[] failedAt = new long[1];
    await("a renewal fails without a quorum").atMost(WAIT).until(() -> {
      try {
        owner.renew(so);
        return false;
      } catch (StoreException e) {
        failedAt[0] = System.nanoTime();
        return true;
      }
    });
    assertThat(Duration.ofNanos(failedAt[0] - killedAt)).as("time to the first failed renewal")
        .isLessThanOrEqualTo(LEASE);
    assertThatThrownBy(() -> candidate.claim(new ClaimRequest(MAILER, 1, sc, null)))
        .as("a claim without a quorum").isInstanceOf(StoreException.class);

    await("the owner's session is lost once a whole session timeout passed without the ensemble")
        .atMost(WAIT).untilAsserted(() ->
            assertThatThrownBy(() -> owner.renew(so)).isInstanceOf(SessionLostException.class));
    for (InstanceSpec spec : killed) {
      restart(spec);
    }

    assertThatThrownBy(() -> owner.renew(so)).isInstanceOf(SessionLostException.class);
    SessionId sc2 = await("a new session once the quorum is back and the old one expired").atMost(WAIT)
        .ignoreExceptionsMatching(e -> e instanceof StoreException || e instanceof ConflictException)
        .until(() -> openSession(candidate, "candidate"), s -> true);
    keepRenewing(candidate, sc2);
    ClaimResult taken = await("the owner's lapsed session expires on the ensemble").atMost(WAIT)
        .ignoreExceptionsInstanceOf(StoreException.class)
        .until(() -> candidate.claim(new ClaimRequest(MAILER, 1, sc2, null)), ClaimResult::granted);
    assertThat(taken.ownership().epoch()).isEqualTo(2);
    SessionId so2 = openSession(owner, "owner");
    assertThat(owner.renew(so2)).isEqualTo(1);
  }

  /** The owner's ZooKeeper handle dies abruptly; the ensemble ends its session and its ephemeral. */
  @Test
  void aSessionExpiredByTheEnsembleLosesItsEphemeralAndItsServiceGoesToAHigherEpoch() throws Exception {
    GroupName group = freshGroup();
    Store owner = open(group);
    Store candidate = open(group);
    SessionId so = openSession(owner, "owner");
    SessionId sc = openSession(candidate, "candidate");
    keepRenewing(candidate, sc);
    assertThat(owner.claim(new ClaimRequest(MAILER, 0, so, null)).granted()).isTrue();
    keepRenewing(owner, so);
    WatchCalls calls = new WatchCalls();
    AutoCloseable watch = candidate.watch(calls::record);
    try {
      long killedAt = System.nanoTime();
      KillSession.kill(((ZookeeperStore) owner).client().getZookeeperClient().getZooKeeper());

      long lastSeenLive = awaitExpired(candidate, NodeName.of("owner"), killedAt);
      long called = await("watch call after the expiry").atMost(WAIT)
          .until(() -> calls.firstAfter(lastSeenLive), t -> t > 0);
      assertThat(Duration.ofNanos(called - lastSeenLive)).isLessThan(Duration.ofSeconds(1));
      ClaimResult taken = candidate.claim(new ClaimRequest(MAILER, 1, sc, null));
      assertThat(taken.granted()).as(taken.reason()).isTrue();
      assertThat(taken.ownership().epoch()).isEqualTo(2);
      await("the owner learns its session is gone").atMost(WAIT).ignoreExceptionsInstanceOf(StoreException.class)
          .untilAsserted(() -> assertThatThrownBy(() -> owner.renew(so)).isInstanceOf(SessionLostException.class));
    } finally {
      watch.close();
    }
  }

  @Test
  void aNodeThatStopsRenewingEndsItsOwnSessionAfterALeaseThoughItsZookeeperSessionLivesOn() throws Exception {
    GroupName group = freshGroup();
    ZookeeperStore owner = (ZookeeperStore) open(group);
    Store reader = open(group);
    long zkSession = owner.client().getZookeeperClient().getZooKeeper().getSessionId();
    long openedAt = System.nanoTime();
    SessionId so = openSession(owner, "owner");
    assertThat(owner.claim(new ClaimRequest(MAILER, 0, so, null)).granted()).isTrue();

    await("the unrenewed session expires").atMost(WAIT).until(
        () -> reader.snapshot().node(NodeName.of("owner")).orElseThrow().state() == SessionState.EXPIRED);

    assertThat(Duration.ofNanos(System.nanoTime() - openedAt)).isGreaterThanOrEqualTo(LEASE);
    assertThat(owner.client().getZookeeperClient().getZooKeeper().getSessionId()).isEqualTo(zkSession);
    assertThatThrownBy(() -> owner.renew(so)).isInstanceOf(SessionLostException.class);
    SessionId again = openSession(owner, "owner");
    ClaimResult claim = owner.claim(new ClaimRequest(MAILER, 1, again, null));
    assertThat(claim.granted()).as(claim.reason()).isTrue();
    assertThat(claim.ownership().epoch()).isEqualTo(2);
  }

  @Test
  void watchFiresWithinASecondOfARelease() throws Exception {
    GroupName group = freshGroup();
    Store owner = open(group);
    Store watcher = open(group);
    SessionId so = openSession(owner, "owner");
    assertThat(owner.claim(new ClaimRequest(MAILER, 0, so, null)).granted()).isTrue();
    WatchCalls calls = new WatchCalls();
    AutoCloseable watch = watcher.watch(calls::record);
    try {
      long releasedAt = System.nanoTime();
      assertThat(owner.release(MAILER, so, 1)).isTrue();

      long called = await("watch call after the release").atMost(WAIT)
          .until(() -> calls.firstAfter(releasedAt), t -> t > 0);
      assertThat(Duration.ofNanos(called - releasedAt)).isLessThan(Duration.ofSeconds(1));
      assertThat(watcher.snapshot().ownership(MAILER).released()).isTrue();
    } finally {
      watch.close();
    }
  }

  @Test
  void aLeaseLongerThanTheLongestSessionTheEnsembleGrantsIsRefused() {
    Duration lease = Duration.ofSeconds(90); // the ensemble's maxSessionTimeout is 60s
    Store store = Stores.open(new StoreOptions(url(), freshGroup(), lease.dividedBy(4), lease,
        Duration.ofSeconds(2), null));
    stores.add(store);

    assertThatThrownBy(() -> openSession(store, "owner"))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("session timeout of 1m")
        .hasMessageContaining("shorter than the lease 90s")
        .hasMessageContaining("maxSessionTimeout");
  }

  /**
   * A Curator client left holding a closed ZooKeeper handle never connects again by itself (seen
   * after a frozen node's thaw, when Curator's own simulated expiry met the ensemble's). Closing the
   * handle under Curator plays that state; the store starts a new handle after three leases without
   * a connection, and a new session opens and claims.
   */
  @Test
  void aClientLeftWithAClosedHandleGetsANewOneAndTheNodeJoinsAgain() throws Exception {
    GroupName group = freshGroup();
    ZookeeperStore store = (ZookeeperStore) open(group);
    SessionId first = openSession(store, "owner");
    assertThat(store.claim(new ClaimRequest(MAILER, 0, first, null)).granted()).isTrue();

    store.client().getZookeeperClient().getZooKeeper().close();

    await("a new ZooKeeper handle connected").atMost(LEASE.multipliedBy(3).plusSeconds(30))
        .until(() -> store.client().getZookeeperClient().isConnected());
    SessionId second = openSession(store, "owner");
    assertThat(second).isNotEqualTo(first);
    await("the first session's ownership lapsed; the new session claims epoch 2").atMost(LEASE.plusSeconds(30))
        .ignoreExceptionsInstanceOf(StoreException.class)
        .until(() -> store.claim(new ClaimRequest(MAILER, 1, second, null)).granted());
    assertThat(store.snapshot().ownership(MAILER).epoch()).isEqualTo(2);
  }

  @Test
  void serviceZnodesCannotBeDeletedSoEpochsNeverGoBack() throws Exception {
    GroupName group = freshGroup();
    ZookeeperStore store = (ZookeeperStore) open(group);
    SessionId session = openSession(store, "owner");
    assertThat(store.claim(new ClaimRequest(MAILER, 0, session, null)).granted()).isTrue();
    String path = "/baton-faults/groups/" + group + "/services/mailer";

    ZooKeeper zk = store.client().getZookeeperClient().getZooKeeper();
    assertThatThrownBy(() -> zk.delete(path, -1)).isInstanceOf(KeeperException.NoAuthException.class);
    assertThat(store.snapshot().ownership(MAILER).epoch()).isEqualTo(1);
  }

  @Test
  void znodesThisVersionCannotReadAreLeftOutOfSnapshotsAndRefusedByClaims() throws Exception {
    GroupName group = freshGroup();
    ZookeeperStore store = (ZookeeperStore) open(group);
    SessionId session = openSession(store, "owner");
    String base = "/baton-faults/groups/" + group;
    ZooKeeper zk = store.client().getZookeeperClient().getZooKeeper();
    zk.create(base + "/services/mailer", "format=9\nepoch=3\n".getBytes(StandardCharsets.UTF_8),
        Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
    zk.create(base + "/settings/nodes/Not-A-Name", "format=1\ndrained=true\n".getBytes(StandardCharsets.UTF_8),
        Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);

    Snapshot snapshot = store.snapshot();

    assertThat(snapshot.ownerships()).isEmpty();
    assertThat(snapshot.settings().nodes()).isEmpty();
    assertThat(snapshot.node(NodeName.of("owner"))).isPresent();
    assertThatThrownBy(() -> store.claim(new ClaimRequest(MAILER, 0, session, null)))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining(base + "/services/mailer")
        .hasMessageContaining("format \"9\"");
  }

  @Test
  void aNodeRecordWrittenWithoutTheSessionsTimingReadsWithUnknownTiming() throws Exception {
    GroupName group = freshGroup();
    ZookeeperStore store = (ZookeeperStore) open(group);
    openSession(store, "owner");
    String path = "/baton-faults/groups/" + group + "/nodes/owner";
    ZooKeeper zk = store.client().getZookeeperClient().getZooKeeper();
    String written = new String(zk.getData(path, false, null), StandardCharsets.UTF_8);
    assertThat(written).contains("lease=3s\n", "heartbeat=750ms\n");
    assertThat(store.snapshot().node(NodeName.of("owner")).orElseThrow().lease()).isEqualTo(LEASE);

    // The record as the previous version writes it: the same fields, without the timing.
    String older = written.lines().filter(l -> !l.startsWith("lease=") && !l.startsWith("heartbeat="))
        .collect(java.util.stream.Collectors.joining("\n", "", "\n"));
    zk.setData(path, older.getBytes(StandardCharsets.UTF_8), -1);

    NodeRecord record = store.snapshot().node(NodeName.of("owner")).orElseThrow();
    assertThat(record.state()).isEqualTo(SessionState.LIVE);
    assertThat(record.lease()).isNull();
    assertThat(record.heartbeat()).isNull();
  }

  @Test
  void eventsBeyondTheNewestKeptAreDeleted() {
    GroupName group = freshGroup();
    ZookeeperStore store = new ZookeeperStore(options(group), ZookeeperUrl.parse(url()), null, MonotonicClock.SYSTEM, 30);
    stores.add(store);
    List<Long> seqs = new ArrayList<>();
    for (int i = 0; i < 101; i++) {
      seqs.add(store.appendEvent(new EventDraft(Instant.now(), "test", null, null, null, "event " + i)));
    }

    await("old events pruned").atMost(WAIT).until(() -> store.events(0, 1000).size() == 30);
    assertThat(store.events(0, 1000)).extracting(e -> e.seq()).containsExactlyElementsOf(seqs.subList(71, 101));
    assertThat(store.appendEvent(new EventDraft(Instant.now(), "test", null, null, null, "after")))
        .isGreaterThan(seqs.get(100));
  }

  // ---------------------------------------------------------------- helpers

  private static String url() {
    return "zookeeper://" + ensemble.getConnectString() + "/baton-faults";
  }

  private static StoreOptions options(GroupName group) {
    return new StoreOptions(url(), group, LEASE.dividedBy(4), LEASE, LEASE.dividedBy(2), null);
  }

  private Store open(GroupName group) {
    Store store = Stores.open(options(group));
    stores.add(store);
    return store;
  }

  private static GroupName freshGroup() {
    return GroupName.of(String.format("zk-%012x", ThreadLocalRandom.current().nextLong() >>> 16));
  }

  private static SessionId openSession(Store store, String node) {
    return store.openSession(new NodeInfo(NodeName.of(node), Location.parse("eu/paris"), "127.0.0.1:7070"),
        Map.of(MAILER, ProviderStatus.WAITING), null);
  }

  /** The server that currently leads, asked with the {@code srvr} four-letter command. */
  private static InstanceSpec leader() throws Exception {
    for (InstanceSpec spec : ensemble.getInstances()) {
      if (FourLetterWordMain.send4LetterWord(spec.getHostname(), spec.getPort(), "srvr").contains("Mode: leader")) {
        return spec;
      }
    }
    throw new AssertionError("no server leads the ensemble");
  }

  private void kill(InstanceSpec spec) throws Exception {
    down.add(spec);
    assertThat(ensemble.killServer(spec)).isTrue();
  }

  private void restart(InstanceSpec spec) throws Exception {
    if (down.remove(spec)) {
      assertThat(ensemble.restartServer(spec)).isTrue();
    }
  }

  private static boolean serves(InstanceSpec spec) {
    try {
      String answer = FourLetterWordMain.send4LetterWord(spec.getHostname(), spec.getPort(), "srvr");
      return answer.contains("Mode: ");
    } catch (Exception e) {
      return false;
    }
  }

  /**
   * Polls {@code reader} until {@code node}'s session reads EXPIRED and returns when the last read
   * that still showed it LIVE was sent ({@code since} if none did): the expiry happened after that.
   */
  private static long awaitExpired(Store reader, NodeName node, long since) {
    long[] lastLive = {since};
    await(node + " expired").atMost(WAIT).pollInterval(Duration.ofMillis(10)).until(() -> {
      long sent = System.nanoTime();
      SessionState state = reader.snapshot().node(node).orElseThrow().state();
      if (state == SessionState.LIVE) {
        lastLive[0] = sent;
      }
      return state == SessionState.EXPIRED;
    });
    return lastLive[0];
  }

  /** Renews in the background every heartbeat, recording when each successful renewal was sent. */
  private Renewals keepRenewing(Store store, SessionId session) {
    Renewals renewals = new Renewals();
    renewers.scheduleWithFixedDelay(() -> {
      long sent = System.nanoTime();
      try {
        store.renew(session);
        renewals.sent.add(sent);
      } catch (SessionLostException e) {
        renewals.lost.add(e);
        throw e;
      } catch (StoreException e) {
        // connection trouble: try again at the next heartbeat, as an agent would
      }
    }, 0, LEASE.dividedBy(4).toMillis(), TimeUnit.MILLISECONDS);
    return renewals;
  }

  private static final class Renewals {
    final List<Long> sent = new CopyOnWriteArrayList<>();
    final List<SessionLostException> lost = new CopyOnWriteArrayList<>();

    long succeededSince(long nanos) {
      return sent.stream().filter(t -> t > nanos).count();
    }

    long longestGapNanos() {
      long longest = 0;
      for (int i = 1; i < sent.size(); i++) {
        longest = Math.max(longest, sent.get(i) - sent.get(i - 1));
      }
      return longest;
    }
  }

  private static final class WatchCalls {
    private final List<Long> times = new CopyOnWriteArrayList<>();

    void record() {
      times.add(System.nanoTime());
    }

    /** The first call after {@code nanos}, or 0. */
    long firstAfter(long nanos) {
      return times.stream().filter(t -> t > nanos).findFirst().orElse(0L);
    }
  }
}
