package dev.baton.store.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.baton.core.ConflictException;
import dev.baton.core.GroupName;
import dev.baton.core.Location;
import dev.baton.core.NodeName;
import dev.baton.core.ServiceName;
import dev.baton.core.store.ClaimRequest;
import dev.baton.core.store.ClaimResult;
import dev.baton.core.store.Decision;
import dev.baton.core.store.Event;
import dev.baton.core.store.EventDraft;
import dev.baton.core.store.NodeInfo;
import dev.baton.core.store.NodeRecord;
import dev.baton.core.store.NodeSettings;
import dev.baton.core.store.Observed;
import dev.baton.core.store.Ownership;
import dev.baton.core.store.ProviderState;
import dev.baton.core.store.ProviderStatus;
import dev.baton.core.store.ServiceSettings;
import dev.baton.core.store.SessionId;
import dev.baton.core.store.SessionLostException;
import dev.baton.core.store.SessionState;
import dev.baton.core.store.Snapshot;
import dev.baton.core.store.Store;
import dev.baton.core.store.StoreException;
import dev.baton.core.store.StoreOptions;
import dev.baton.core.store.Stores;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The conformance suite every store passes. A store's test class extends it, says where its store
 * is ({@link #storeUrl()}) and, if it must, which lease the suite uses ({@link #lease()}).
 *
 * <p>Every test works in a fresh group of its own ({@link #freshGroup()}), and opens one
 * {@link Store} instance per simulated node ({@link #open(GroupName)}), as separate agents would.
 * Stores opened through {@link #open(GroupName)} are closed after each test. Tests never sleep to
 * assert: they wait for conditions with deadlines. Death of a session is judged the way agents
 * judge it, by the observed-time rule on this JVM's monotonic clock
 * ({@link #awaitObservedDead(Store, NodeName)}), so the suite holds for stores with and without a
 * clock of their own.
 */
public abstract class StoreTck {
  private static final Duration WAIT = Duration.ofSeconds(15);

  private final List<Store> opened = new CopyOnWriteArrayList<>();
  private ScheduledExecutorService renewer;

  /** URL of the store under test; the same for every test of one test class. */
  protected abstract String storeUrl();

  /** The lease the suite uses (default 1s); a store may override it. Heartbeat is lease/4. */
  protected Duration lease() {
    return Duration.ofSeconds(1);
  }

  /**
   * The store password file every store of the suite opens with (default none): a store that
   * authenticates, such as ZooKeeper with digest ACLs, runs the suite once more with one.
   */
  protected Path passwordFile() {
    return null;
  }

  /** A new Store instance (like one more agent) on {@code group}, opened through Stores.open. */
  protected final Store open(GroupName group) {
    return open(group, lease().dividedBy(4), lease(), lease().dividedBy(2));
  }

  /**
   * A new Store instance on {@code group} whose calls may take up to {@code callTimeout}: for tests
   * of a compare-and-set under contention, where a loaded machine's lock waits must not fail calls.
   */
  protected final Store open(GroupName group, Duration callTimeout) {
    return open(group, lease().dividedBy(4), lease(), callTimeout);
  }

  /** A new Store instance like {@link #open(GroupName)}, for an agent configured with another timing. */
  protected final Store open(GroupName group, Duration heartbeat, Duration lease) {
    return open(group, heartbeat, lease, lease.dividedBy(2));
  }

  private Store open(GroupName group, Duration heartbeat, Duration lease, Duration callTimeout) {
    Store store = Stores.open(new StoreOptions(storeUrl(), group, heartbeat, lease, callTimeout, passwordFile()));
    opened.add(store);
    return store;
  }

  /** Closes a store opened by {@link #open(GroupName)} before the test ends (an agent stopping). */
  protected final void close(Store store) {
    opened.remove(store);
    store.close();
  }

  @AfterEach
  final void closeOpenedStores() throws InterruptedException {
    synchronized (this) {
      if (renewer != null) {
        renewer.shutdownNow();
        if (!renewer.awaitTermination(WAIT.toSeconds(), TimeUnit.SECONDS)) {
          throw new IllegalStateException("the TCK's session renewer did not stop within " + WAIT);
        }
        renewer = null;
      }
    }
    RuntimeException first = null;
    for (Store store : opened) {
      try {
        store.close();
      } catch (RuntimeException e) {
        if (first == null) {
          first = e;
        } else {
          first.addSuppressed(e);
        }
      }
    }
    opened.clear();
    if (first != null) {
      throw first;
    }
  }

  // ---------------------------------------------------------------- helpers for subclasses

  /** A group name no other test has used, so tests sharing one store URL never meet. */
  protected final GroupName freshGroup() {
    return GroupName.of(String.format("tck-%012x", ThreadLocalRandom.current().nextLong() >>> 16));
  }

  protected static NodeInfoBuilder node(String name) {
    return new NodeInfoBuilder(NodeName.of(name));
  }

  /** Opens a session for {@code node} that provides {@code services}, all waiting. */
  protected static SessionId openSession(Store store, String node, String... services) {
    Map<ServiceName, ProviderStatus> providers = new LinkedHashMap<>();
    for (String service : services) {
      providers.put(ServiceName.of(service), ProviderStatus.WAITING);
    }
    return store.openSession(node(node).info(), providers, null);
  }

  /**
   * Opens a session like {@link #openSession} and renews it every heartbeat (lease/4) in the
   * background until the test ends or the session is lost, as its agent would: stores that judge
   * leases by their own clock must not expire it while a test runs longer than a lease.
   */
  protected final SessionId openRenewedSession(Store store, String node, String... services) {
    SessionId session = openSession(store, node, services);
    keepRenewing(store, session);
    return session;
  }

  /** Renews {@code session} every heartbeat in the background until it is lost or the test ends. */
  protected final void keepRenewing(Store store, SessionId session) {
    long heartbeat = Math.max(1, lease().dividedBy(4).toMillis());
    renewer().scheduleWithFixedDelay(() -> {
      try {
        store.renew(session);
      } catch (StoreException e) {
        // A slow call: the next heartbeat tries again, as an agent would until its fence deadline.
      }
      // SessionLostException ends the task: a lost session is never renewed again.
    }, heartbeat, heartbeat, TimeUnit.MILLISECONDS);
  }

  private synchronized ScheduledExecutorService renewer() {
    if (renewer == null) {
      renewer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "baton-tck-renewer");
        t.setDaemon(true);
        return t;
      });
    }
    return renewer;
  }

  /**
   * Waits until {@code reader} may judge {@code node}'s session dead by the observed-time rule: its
   * renewal counter has not moved for a full {@link #lease()} on {@link System#nanoTime()}, counted
   * from the moment the reader first received that value up to the moment it sent a later read
   * that still showed it. A session the store itself reports closed or expired, or a node that is
   * gone, counts as dead at once. Returns what the reader saw, to be named in a claim.
   */
  protected final Observed awaitObservedDead(Store reader, NodeName node) {
    long leaseNanos = lease().toNanos();
    DeathWatch watch = new DeathWatch();
    await("session of node " + node + " unrenewed for a full lease")
        .atMost(lease().multipliedBy(10).plus(WAIT))
        .pollDelay(Duration.ZERO)
        .pollInterval(Duration.ofMillis(Math.max(10, lease().toMillis() / 20)))
        .until(() -> {
          long sent = System.nanoTime();
          Optional<NodeRecord> record = reader.snapshot().node(node);
          long received = System.nanoTime();
          if (record.isEmpty()) {
            return watch.seen != null;
          }
          NodeRecord r = record.get();
          Observed now = new Observed(r.session(), r.renewals());
          if (!now.equals(watch.seen)) {
            watch.seen = now;
            watch.firstReceived = received;
            return r.state() != SessionState.LIVE;
          }
          return r.state() != SessionState.LIVE || sent - watch.firstReceived >= leaseNanos;
        });
    return watch.seen;
  }

  /**
   * Claims over an owner observed dead. A store without a clock must grant at once; a store that
   * judges leases by its own clock may still see a little of the lease left (its clock is not
   * ours), so its claim is retried, unchanged, until granted.
   */
  protected final ClaimResult claimOverDeadOwner(Store store, ClaimRequest request) {
    if (!store.judgesLeases()) {
      return store.claim(request);
    }
    ClaimResult[] last = new ClaimResult[1];
    await("claim over a dead owner granted").atMost(lease().multipliedBy(5).plus(WAIT))
        .pollInterval(Duration.ofMillis(Math.max(10, lease().toMillis() / 10)))
        .until(() -> {
          last[0] = store.claim(request);
          return last[0].granted() || last[0].ownership().epoch() != request.expectedEpoch();
        });
    return last[0];
  }

  /** Waits until {@code reader} no longer reports {@code session} as its node's live session. */
  protected final void awaitNotLive(Store reader, NodeName node, SessionId session) {
    await("session " + session + " of node " + node + " not live").atMost(WAIT)
        .until(() -> reader.snapshot().node(node)
            .map(r -> !r.session().equals(session) || r.state() != SessionState.LIVE)
            .orElse(true));
  }

  private static final class DeathWatch {
    Observed seen;
    long firstReceived;
  }

  /** Builds the {@link NodeInfo} of a test node. */
  protected static final class NodeInfoBuilder {
    private final NodeName name;
    private Location location = Location.parse("eu/paris/rack-1");
    private String api = "127.0.0.1:7070";
    private String version;

    NodeInfoBuilder(NodeName name) {
      this.name = name;
    }

    public NodeInfoBuilder location(String path) {
      this.location = Location.parse(path);
      return this;
    }

    public NodeInfoBuilder api(String api) {
      this.api = api;
      return this;
    }

    public NodeInfoBuilder version(String version) {
      this.version = version;
      return this;
    }

    public NodeInfo info() {
      return new NodeInfo(name, location, api, version);
    }
  }

  private static ServiceName svc(String name) {
    return ServiceName.of(name);
  }

  private static NodeName nodeName(String name) {
    return NodeName.of(name);
  }

  private static ClaimRequest claimOf(String service, long expectedEpoch, SessionId claimant) {
    return new ClaimRequest(svc(service), expectedEpoch, claimant, null);
  }

  private static EventDraft event(int i) {
    return new EventDraft(Instant.ofEpochMilli(1_700_000_000_000L + i * 1000L), "test-event",
        nodeName("node-" + (i % 3)), i % 2 == 0 ? svc("svc-" + (i % 5)) : null,
        i % 2 == 0 ? (long) i : null, "detail " + i);
  }

  // ---------------------------------------------------------------- sessions

  @Test
  void openingASessionMakesTheNodeVisibleWithItsInfoAndProviders() {
    GroupName group = freshGroup();
    Store a = open(group);
    Store reader = open(group);
    Map<ServiceName, ProviderStatus> providers = Map.of(
        svc("mailer"), ProviderStatus.WAITING,
        svc("folder-monitor"), new ProviderStatus(ProviderState.UNAVAILABLE, "check failed: disk full"));
    SessionId session = a.openSession(
        node("node-a").location("eu/paris/rack-2").api("10.0.0.1:7070").version("1.2.3").info(), providers, null);

    NodeRecord record = reader.snapshot().node(nodeName("node-a")).orElseThrow();
    assertThat(record.info()).isEqualTo(
        node("node-a").location("eu/paris/rack-2").api("10.0.0.1:7070").version("1.2.3").info());
    assertThat(record.session()).isEqualTo(session);
    assertThat(record.state()).isEqualTo(SessionState.LIVE);
    assertThat(record.providers()).isEqualTo(providers);
    assertThat(reader.snapshot().nodes()).hasSize(1);
  }

  @Test
  void aSessionCarriesTheVersionOfTheAgentThatOpenedItNotThatOfThePreviousOne() {
    GroupName group = freshGroup();
    Store a = open(group);
    SessionId first = a.openSession(node("node-a").version("1.2.3").info(), Map.of(), null);
    assertThat(open(group).snapshot().node(nodeName("node-a")).orElseThrow().info().version()).isEqualTo("1.2.3");

    a.closeSession(first);
    a.openSession(node("node-a").info(), Map.of(), null); // an agent that does not know its version
    assertThat(open(group).snapshot().node(nodeName("node-a")).orElseThrow().info().version()).isNull();
  }

  @Test
  void everySessionRecordsTheHeartbeatAndLeaseOfTheStoreThatOpenedItForEveryReader() {
    GroupName group = freshGroup();
    // Another agent's timing: a shorter lease (one a ZooKeeper ensemble grants when it grants ours).
    Duration otherLease = lease().multipliedBy(3).dividedBy(4);
    Duration otherHeartbeat = otherLease.dividedBy(5);
    Store a = open(group, otherHeartbeat, otherLease);
    Store reader = open(group);
    SessionId first = openSession(a, "node-a");
    openSession(reader, "node-b");

    Snapshot snap = reader.snapshot();
    NodeRecord recordA = snap.node(nodeName("node-a")).orElseThrow();
    assertThat(recordA.lease()).isEqualTo(otherLease);
    assertThat(recordA.heartbeat()).isEqualTo(otherHeartbeat);
    NodeRecord recordB = snap.node(nodeName("node-b")).orElseThrow();
    assertThat(recordB.lease()).isEqualTo(lease());
    assertThat(recordB.heartbeat()).isEqualTo(lease().dividedBy(4));
    assertThat(a.snapshot().node(nodeName("node-a")).orElseThrow().lease()).isEqualTo(otherLease);

    // The node restarted with the group's timing: its new session shows the new one, not the old.
    a.closeSession(first);
    Store restarted = open(group);
    SessionId second = openSession(restarted, "node-a");
    NodeRecord again = reader.snapshot().node(nodeName("node-a")).orElseThrow();
    assertThat(again.session()).isEqualTo(second);
    assertThat(again.lease()).isEqualTo(lease());
    assertThat(again.heartbeat()).isEqualTo(lease().dividedBy(4));
  }

  @Test
  void publishingProvidersReplacesThePreviousOnes() {
    GroupName group = freshGroup();
    Store a = open(group);
    Store reader = open(group);
    SessionId session = openSession(a, "node-a", "mailer", "folder-monitor");

    Map<ServiceName, ProviderStatus> now = Map.of(
        svc("mailer"), ProviderStatus.of(ProviderState.PROVIDING),
        svc("reporter"), new ProviderStatus(ProviderState.UNAVAILABLE, "no java on PATH"));
    a.publishProviders(session, now);

    assertThat(reader.snapshot().node(nodeName("node-a")).orElseThrow().providers()).isEqualTo(now);
  }

  @Test
  void providersDefaultRanksArePublishedWithTheirStatesAndReplacedWithThem() {
    GroupName group = freshGroup();
    Store a = open(group);
    Store reader = open(group);
    Map<ServiceName, ProviderStatus> opened = Map.of(
        svc("mailer"), ProviderStatus.WAITING.withRank(1),
        svc("reporter"), ProviderStatus.WAITING);
    SessionId session = a.openSession(node("node-a").info(), opened, null);
    Map<ServiceName, ProviderStatus> seen = reader.snapshot().node(nodeName("node-a")).orElseThrow().providers();
    assertThat(seen).isEqualTo(opened);
    assertThat(seen.get(svc("mailer")).rank()).isEqualTo(1);
    assertThat(seen.get(svc("reporter")).rank()).isNull();

    // A publication replaces the ranks with the states: a rank given, changed or taken away.
    Map<ServiceName, ProviderStatus> now = Map.of(
        svc("mailer"), ProviderStatus.of(ProviderState.PROVIDING),
        svc("reporter"), new ProviderStatus(ProviderState.UNAVAILABLE, "banned", 3));
    a.publishProviders(session, now);
    seen = reader.snapshot().node(nodeName("node-a")).orElseThrow().providers();
    assertThat(seen).isEqualTo(now);
    assertThat(seen.get(svc("mailer")).rank()).isNull();
    assertThat(seen.get(svc("reporter")).rank()).isEqualTo(3);
  }

  @Test
  void providersEndpointsArePublishedWithTheirStatesAndReplacedWithThem() {
    GroupName group = freshGroup();
    Store a = open(group);
    Store reader = open(group);
    Map<ServiceName, ProviderStatus> opened = Map.of(
        svc("mailer"), ProviderStatus.WAITING.withEndpoint("10.0.0.7:2525"),
        svc("reporter"), ProviderStatus.WAITING.withRank(2));
    SessionId session = a.openSession(node("node-a").info(), opened, null);
    Map<ServiceName, ProviderStatus> seen = reader.snapshot().node(nodeName("node-a")).orElseThrow().providers();
    assertThat(seen).isEqualTo(opened);
    assertThat(seen.get(svc("mailer")).endpoint()).isEqualTo("10.0.0.7:2525");
    assertThat(seen.get(svc("reporter")).endpoint()).isNull();

    // A publication replaces the endpoints with the states: one given, changed or taken away.
    Map<ServiceName, ProviderStatus> now = Map.of(
        svc("mailer"), ProviderStatus.of(ProviderState.PROVIDING),
        svc("reporter"), new ProviderStatus(ProviderState.PROVIDING, null, 2, "[::1]:8443"));
    a.publishProviders(session, now);
    seen = reader.snapshot().node(nodeName("node-a")).orElseThrow().providers();
    assertThat(seen).isEqualTo(now);
    assertThat(seen.get(svc("mailer")).endpoint()).isNull();
    assertThat(seen.get(svc("reporter")).endpoint()).isEqualTo("[::1]:8443");
  }

  @Test
  void renewalsGrowTheCounterThatAnotherStoreInstanceSees() {
    GroupName group = freshGroup();
    Store a = open(group);
    Store reader = open(group);
    SessionId session = openSession(a, "node-a");
    long before = reader.snapshot().node(nodeName("node-a")).orElseThrow().renewals();

    long previous = before;
    for (int i = 0; i < 5; i++) {
      long counter = a.renew(session);
      assertThat(counter).isGreaterThan(previous);
      previous = counter;
      assertThat(reader.snapshot().node(nodeName("node-a")).orElseThrow().renewals()).isEqualTo(counter);
    }
  }

  @Test
  void renewingOrPublishingOnAClosedSessionThrowsSessionLost() {
    GroupName group = freshGroup();
    Store a = open(group);
    SessionId session = openSession(a, "node-a", "mailer");
    a.renew(session);

    a.closeSession(session);

    assertThatThrownBy(() -> a.renew(session)).isInstanceOf(SessionLostException.class);
    assertThatThrownBy(() -> a.publishProviders(session, Map.of()))
        .isInstanceOf(SessionLostException.class);
    awaitNotLive(open(group), nodeName("node-a"), session);
  }

  @Test
  void closingASessionTwiceIsHarmless() {
    GroupName group = freshGroup();
    Store a = open(group);
    Store b = open(group);
    SessionId session = openSession(a, "node-a", "mailer");
    SessionId other = openSession(b, "node-b", "mailer");

    a.closeSession(session);
    a.closeSession(session);
    b.closeSession(session);

    assertThatThrownBy(() -> a.renew(session)).isInstanceOf(SessionLostException.class);
    assertThatCode(() -> b.renew(other)).doesNotThrowAnyException();
    assertThat(b.snapshot().node(nodeName("node-b")).orElseThrow().state()).isEqualTo(SessionState.LIVE);
  }

  @Test
  void openingASecondLiveSessionOfTheSameNodeNameIsRefused() {
    GroupName group = freshGroup();
    Store first = open(group);
    Store second = open(group);
    SessionId session = openSession(first, "node-a", "mailer");

    assertThatThrownBy(() -> openSession(second, "node-a", "mailer"))
        .isInstanceOf(ConflictException.class);

    assertThatCode(() -> first.renew(session)).doesNotThrowAnyException();
    NodeRecord record = second.snapshot().node(nodeName("node-a")).orElseThrow();
    assertThat(record.session()).isEqualTo(session);
    assertThat(record.state()).isEqualTo(SessionState.LIVE);
  }

  @Test
  void aSessionNamedInReplacingWithItsCurrentCounterIsReplacedAndItsServicesBecomeClaimable() {
    GroupName group = freshGroup();
    Store old = open(group);
    Store restarted = open(group);
    SessionId oldSession = openSession(old, "node-a", "mailer");
    old.renew(oldSession);
    old.renew(oldSession);
    assertThat(old.claim(claimOf("mailer", 0, oldSession)).granted()).isTrue();

    NodeRecord seen = restarted.snapshot().node(nodeName("node-a")).orElseThrow();
    SessionId newSession = restarted.openSession(node("node-a").info(),
        Map.of(svc("mailer"), ProviderStatus.WAITING), new Observed(seen.session(), seen.renewals()));

    assertThat(newSession).isNotEqualTo(oldSession);
    assertThatThrownBy(() -> old.renew(oldSession)).isInstanceOf(SessionLostException.class);
    NodeRecord now = restarted.snapshot().node(nodeName("node-a")).orElseThrow();
    assertThat(now.session()).isEqualTo(newSession);
    assertThat(now.state()).isEqualTo(SessionState.LIVE);

    ClaimResult result = restarted.claim(claimOf("mailer", 1, newSession));
    assertThat(result.granted()).as("claim over a replaced session: %s", result.reason()).isTrue();
    assertThat(result.ownership().epoch()).isEqualTo(2);
    assertThat(result.ownership().session()).isEqualTo(newSession);
  }

  @Test
  void replacingASessionNamedWithAStaleCounterIsRefused() {
    GroupName group = freshGroup();
    Store old = open(group);
    Store restarted = open(group);
    SessionId oldSession = openSession(old, "node-a");
    NodeRecord seen = restarted.snapshot().node(nodeName("node-a")).orElseThrow();
    old.renew(oldSession);

    assertThatThrownBy(() -> restarted.openSession(node("node-a").info(), Map.of(),
        new Observed(seen.session(), seen.renewals())))
        .isInstanceOf(ConflictException.class);
    assertThatCode(() -> old.renew(oldSession)).doesNotThrowAnyException();
  }

  // ---------------------------------------------------------------- claims

  @Test
  void concurrentClaimsGrantExactlyOneOwnerPerEpoch() throws Exception {
    GroupName group = freshGroup();
    int nodes = 8;
    int rounds = 20;
    List<Store> stores = new ArrayList<>();
    List<SessionId> sessions = new ArrayList<>();
    for (int i = 0; i < nodes; i++) {
      Store store = open(group);
      stores.add(store);
      sessions.add(openRenewedSession(store, "node-" + i, "contended"));
    }
    ExecutorService pool = Executors.newFixedThreadPool(nodes);
    try {
      for (int round = 0; round < rounds; round++) {
        long expected = round;
        CountDownLatch start = new CountDownLatch(1);
        List<Future<ClaimResult>> futures = new ArrayList<>();
        for (int i = 0; i < nodes; i++) {
          Store store = stores.get(i);
          SessionId session = sessions.get(i);
          futures.add(pool.submit(() -> {
            start.await();
            return store.claim(claimOf("contended", expected, session));
          }));
        }
        start.countDown();
        List<Integer> winners = new ArrayList<>();
        List<ClaimResult> results = new ArrayList<>();
        for (int i = 0; i < nodes; i++) {
          ClaimResult result = futures.get(i).get(WAIT.toSeconds(), TimeUnit.SECONDS);
          results.add(result);
          if (result.granted()) {
            winners.add(i);
          }
        }
        assertThat(winners).as("winners of epoch %d", expected + 1).hasSize(1);
        int winner = winners.get(0);
        Ownership granted = results.get(winner).ownership();
        assertThat(granted.epoch()).isEqualTo(expected + 1);
        assertThat(granted.node()).isEqualTo(nodeName("node-" + winner));
        assertThat(granted.session()).isEqualTo(sessions.get(winner));
        for (ClaimResult result : results) {
          if (!result.granted()) {
            assertThat(result.ownership().epoch()).isEqualTo(expected + 1);
            assertThat(result.ownership().node()).isEqualTo(nodeName("node-" + winner));
          }
        }
        assertThat(stores.get(winner).release(svc("contended"), sessions.get(winner), expected + 1))
            .isTrue();
      }
    } finally {
      pool.shutdownNow();
      assertThat(pool.awaitTermination(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    }
    assertThat(stores.get(0).snapshot().ownership(svc("contended")).epoch()).isEqualTo(rounds);
  }

  @Test
  void epochsOnlyGrowAcrossClaimsReleasesClosedSessionsAndReopenedStores() {
    GroupName group = freshGroup();
    Store a = open(group);
    SessionId sa = openRenewedSession(a, "node-a", "mailer");
    long seen = 0;

    for (int cycle = 0; cycle < 3; cycle++) {
      ClaimResult r = a.claim(claimOf("mailer", seen, sa));
      assertThat(r.granted()).isTrue();
      assertThat(r.ownership().epoch()).isEqualTo(seen + 1);
      seen = r.ownership().epoch();
      assertThat(a.release(svc("mailer"), sa, seen)).isTrue();
      assertThat(a.snapshot().ownership(svc("mailer")).epoch()).isEqualTo(seen);
    }

    ClaimResult beforeClose = a.claim(claimOf("mailer", seen, sa));
    seen = beforeClose.ownership().epoch();
    a.closeSession(sa);
    assertThat(a.snapshot().ownership(svc("mailer")).epoch()).isEqualTo(seen);
    close(a);

    Store reopened = open(group);
    assertThat(reopened.snapshot().ownership(svc("mailer")).epoch()).isEqualTo(seen);
    SessionId sb = openRenewedSession(reopened, "node-b", "mailer");
    ClaimResult afterReopen = reopened.claim(claimOf("mailer", seen, sb));
    assertThat(afterReopen.granted()).as(afterReopen.reason()).isTrue();
    assertThat(afterReopen.ownership().epoch()).isEqualTo(seen + 1);

    ClaimResult stale = reopened.claim(claimOf("mailer", seen - 1, sb));
    assertThat(stale.granted()).isFalse();
    assertThat(stale.ownership().epoch()).isEqualTo(seen + 1);
  }

  @Test
  void aLiveOwnersServiceCannotBeClaimed() {
    GroupName group = freshGroup();
    Store owner = open(group);
    Store other = open(group);
    SessionId so = openRenewedSession(owner, "owner", "mailer");
    SessionId sc = openRenewedSession(other, "claimant", "mailer");
    assertThat(owner.claim(claimOf("mailer", 0, so)).granted()).isTrue();
    owner.renew(so);

    ClaimResult noDeadOwner = other.claim(claimOf("mailer", 1, sc));
    assertThat(noDeadOwner.granted()).isFalse();
    assertThat(noDeadOwner.reason()).isNotBlank();
    assertThat(noDeadOwner.ownership().epoch()).isEqualTo(1);
    assertThat(noDeadOwner.ownership().node()).isEqualTo(nodeName("owner"));

    NodeRecord seen = other.snapshot().node(nodeName("owner")).orElseThrow();
    owner.renew(so);
    ClaimResult staleCounter = other.claim(
        new ClaimRequest(svc("mailer"), 1, sc, new Observed(seen.session(), seen.renewals())));
    assertThat(staleCounter.granted()).isFalse();
    assertThat(staleCounter.ownership().session()).isEqualTo(so);

    ClaimResult wrongSession = other.claim(
        new ClaimRequest(svc("mailer"), 1, sc, new Observed(sc, 0)));
    assertThat(wrongSession.granted()).isFalse();

    ClaimResult ownClaimAgain = owner.claim(claimOf("mailer", 1, so));
    assertThat(ownClaimAgain.granted()).isFalse();

    assertThatCode(() -> owner.renew(so)).doesNotThrowAnyException();
    Ownership now = other.snapshot().ownership(svc("mailer"));
    assertThat(now.epoch()).isEqualTo(1);
    assertThat(now.session()).isEqualTo(so);
  }

  @Test
  void aClaimWithAnOutdatedExpectedEpochIsRejected() {
    GroupName group = freshGroup();
    Store a = open(group);
    Store b = open(group);
    SessionId sa = openRenewedSession(a, "node-a", "mailer");
    SessionId sb = openRenewedSession(b, "node-b", "mailer");
    assertThat(a.claim(claimOf("mailer", 0, sa)).granted()).isTrue();
    assertThat(a.release(svc("mailer"), sa, 1)).isTrue();

    for (long expected : new long[] {0, 2, 7}) {
      ClaimResult r = b.claim(claimOf("mailer", expected, sb));
      assertThat(r.granted()).as("expected epoch %d", expected).isFalse();
      assertThat(r.ownership().epoch()).isEqualTo(1);
    }
    assertThat(b.claim(claimOf("mailer", 1, sb)).ownership().epoch()).isEqualTo(2);
  }

  @Test
  void aDeadOwnersServiceIsClaimedByNamingItsUnchangedRenewalsAndTheGrantEndsItsSession() {
    GroupName group = freshGroup();
    Store owner = open(group);
    Store taker = open(group);
    SessionId so = openSession(owner, "owner", "mailer", "reporter");
    SessionId st = openRenewedSession(taker, "taker", "mailer", "reporter");
    assertThat(owner.claim(claimOf("mailer", 0, so)).granted()).isTrue();
    assertThat(owner.claim(claimOf("reporter", 0, so)).granted()).isTrue();
    owner.renew(so);

    Observed dead = awaitObservedDead(taker, nodeName("owner"));
    assertThat(dead.session()).isEqualTo(so);
    ClaimResult result = claimOverDeadOwner(taker, new ClaimRequest(svc("mailer"), 1, st, dead));

    assertThat(result.granted()).as("claim over a dead owner: %s", result.reason()).isTrue();
    assertThat(result.ownership().epoch()).isEqualTo(2);
    assertThat(result.ownership().node()).isEqualTo(nodeName("taker"));
    assertThat(result.ownership().session()).isEqualTo(st);
    assertThatThrownBy(() -> owner.renew(so)).isInstanceOf(SessionLostException.class);
    awaitNotLive(taker, nodeName("owner"), so);

    ClaimResult second = taker.claim(claimOf("reporter", 1, st));
    assertThat(second.granted()).as("the ended session's other service: %s", second.reason()).isTrue();
    assertThat(second.ownership().epoch()).isEqualTo(2);
  }

  @Test
  void aClosedSessionsServicesAreClaimableAtOnce() {
    GroupName group = freshGroup();
    Store a = open(group);
    Store b = open(group);
    SessionId sa = openRenewedSession(a, "node-a", "mailer");
    SessionId sb = openRenewedSession(b, "node-b", "mailer");
    assertThat(a.claim(claimOf("mailer", 0, sa)).granted()).isTrue();

    a.closeSession(sa);

    Ownership released = b.snapshot().ownership(svc("mailer"));
    assertThat(released.epoch()).isEqualTo(1);
    assertThat(released.released()).isTrue();
    ClaimResult r = b.claim(claimOf("mailer", 1, sb));
    assertThat(r.granted()).as(r.reason()).isTrue();
    assertThat(r.ownership().epoch()).isEqualTo(2);
    assertThat(r.ownership().node()).isEqualTo(nodeName("node-b"));
  }

  @Test
  void aClaimWithAClosedOrUnknownClaimantSessionIsRejected() {
    GroupName group = freshGroup();
    Store a = open(group);
    SessionId sa = openSession(a, "node-a", "mailer");
    a.closeSession(sa);

    ClaimResult closed = a.claim(claimOf("mailer", 0, sa));
    ClaimResult unknown = a.claim(claimOf("mailer", 0, new SessionId("no-such-session")));

    assertThat(closed.granted()).isFalse();
    assertThat(closed.reason()).isNotBlank();
    assertThat(unknown.granted()).isFalse();
    assertThat(unknown.reason()).isNotBlank();
    assertThat(a.snapshot().ownership(svc("mailer"))).isEqualTo(Ownership.unclaimed(svc("mailer")));
  }

  @Test
  void releaseWorksOnlyForTheOwnerAtItsEpochAndKeepsEpochAndLastOwner() {
    GroupName group = freshGroup();
    Store a = open(group);
    Store b = open(group);
    SessionId sa = openRenewedSession(a, "node-a", "mailer");
    SessionId sb = openRenewedSession(b, "node-b", "mailer");
    assertThat(a.release(svc("mailer"), sa, 0)).as("release of a never-claimed service").isFalse();
    assertThat(a.claim(claimOf("mailer", 0, sa)).granted()).isTrue();

    assertThat(b.release(svc("mailer"), sb, 1)).as("release by another session").isFalse();
    assertThat(a.release(svc("mailer"), sa, 2)).as("release at a wrong epoch").isFalse();
    assertThat(b.snapshot().ownership(svc("mailer")).session()).isEqualTo(sa);

    assertThat(a.release(svc("mailer"), sa, 1)).isTrue();
    assertThat(a.release(svc("mailer"), sa, 1)).as("second release").isFalse();

    Ownership released = b.snapshot().ownership(svc("mailer"));
    assertThat(released.epoch()).isEqualTo(1);
    assertThat(released.node()).isEqualTo(nodeName("node-a"));
    assertThat(released.released()).isTrue();
  }

  /**
   * Random sequences of claims, releases and session restarts, checked step by step against a
   * model of the contract. The seeds are fixed so that a failure replays.
   */
  @Test
  void randomClaimsReleasesAndRestartsFollowTheModel() {
    for (long seed : new long[] {1, 42, 20240607}) {
      runModelCheck(seed, 70);
    }
  }

  private void runModelCheck(long seed, int steps) {
    Random random = new Random(seed);
    GroupName group = freshGroup();
    int nodeCount = 3;
    List<String> services = List.of("s0", "s1", "s2");
    List<Store> stores = new ArrayList<>();
    List<SessionId> sessions = new ArrayList<>();
    for (int i = 0; i < nodeCount; i++) {
      Store store = open(group);
      stores.add(store);
      sessions.add(openRenewedSession(store, "n" + i, services.toArray(String[]::new)));
    }
    Map<String, Ownership> model = new HashMap<>();
    for (String s : services) {
      model.put(s, Ownership.unclaimed(svc(s)));
    }
    for (int step = 0; step < steps; step++) {
      int n = random.nextInt(nodeCount);
      String s = services.get(random.nextInt(services.size()));
      Ownership m = model.get(s);
      String where = "seed " + seed + " step " + step;
      int op = random.nextInt(10);
      if (op < 5) {
        long expected = m.epoch() + random.nextInt(3) - 1;
        if (expected < 0) {
          expected = m.epoch() + 1;
        }
        boolean ownerOpen = m.session() != null && sessions.contains(m.session());
        boolean shouldGrant = expected == m.epoch() && !ownerOpen;
        ClaimResult r = stores.get(n).claim(claimOf(s, expected, sessions.get(n)));
        assertThat(r.granted()).as("%s: claim %s by n%d expecting %d (model %s)", where, s, n, expected, m)
            .isEqualTo(shouldGrant);
        if (shouldGrant) {
          model.put(s, new Ownership(svc(s), m.epoch() + 1, nodeName("n" + n), sessions.get(n)));
        }
      } else if (op < 9) {
        long epoch = Math.max(0, m.epoch() - random.nextInt(2));
        boolean shouldRelease = sessions.get(n).equals(m.session()) && epoch == m.epoch();
        boolean released = stores.get(n).release(svc(s), sessions.get(n), epoch);
        assertThat(released).as("%s: release %s by n%d at %d (model %s)", where, s, n, epoch, m)
            .isEqualTo(shouldRelease);
        if (shouldRelease) {
          model.put(s, new Ownership(svc(s), m.epoch(), m.node(), null));
        }
      } else {
        SessionId old = sessions.get(n);
        stores.get(n).closeSession(old);
        model.replaceAll((name, o) -> old.equals(o.session())
            ? new Ownership(o.service(), o.epoch(), o.node(), null) : o);
        sessions.set(n, openRenewedSession(stores.get(n), "n" + n, services.toArray(String[]::new)));
      }
      Snapshot snapshot = stores.get(random.nextInt(nodeCount)).snapshot();
      for (String name : services) {
        assertThat(snapshot.ownership(svc(name))).as("%s: ownership of %s", where, name)
            .isEqualTo(model.get(name));
      }
    }
  }

  // ---------------------------------------------------------------- identity

  @Test
  void aGroupHasNoIdentityUntilOneIsMadeAndThenKeepsItAcrossReopening() {
    GroupName group = freshGroup();
    Store a = open(group);
    assertThat(a.identity()).isEmpty();
    String made = a.createIdentity();
    assertThat(made).isNotBlank();
    assertThat(a.createIdentity()).isEqualTo(made);
    close(a);

    Store reopened = open(group);
    assertThat(reopened.identity()).contains(made);
    assertThat(reopened.createIdentity()).isEqualTo(made);
    Store other = open(freshGroup());
    assertThat(other.createIdentity()).isNotEqualTo(made);
  }

  @Test
  void nodesMakingTheIdentityAtOnceAllGetTheSameOne() throws Exception {
    GroupName group = freshGroup();
    List<Store> nodes = List.of(open(group), open(group), open(group), open(group));
    ExecutorService pool = Executors.newFixedThreadPool(nodes.size());
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<String>> made = new ArrayList<>();
      for (Store n : nodes) {
        made.add(pool.submit(() -> {
          go.await();
          return n.createIdentity();
        }));
      }
      go.countDown();
      Set<String> identities = new HashSet<>();
      for (Future<String> f : made) {
        identities.add(f.get(WAIT.toSeconds(), TimeUnit.SECONDS));
      }
      assertThat(identities).hasSize(1);
      assertThat(nodes.get(0).identity()).contains(identities.iterator().next());
    } finally {
      pool.shutdownNow();
    }
  }

  // ---------------------------------------------------------------- settings and events

  @Test
  void settingsReplaceThePreviousOnesAndSurviveReopeningTheStore() {
    GroupName group = freshGroup();
    Store a = open(group);
    ServiceSettings first = new ServiceSettings(List.of(nodeName("node-a"), nodeName("node-b")), false);
    ServiceSettings second = new ServiceSettings(List.of(nodeName("node-c"), nodeName("node-a")), true);
    a.putServiceSettings(svc("mailer"), first);
    a.putServiceSettings(svc("mailer"), second);
    a.putServiceSettings(svc("reporter"), first);
    a.putNodeSettings(nodeName("node-b"), new NodeSettings(true));
    a.putNodeSettings(nodeName("node-c"), new NodeSettings(true));
    a.putNodeSettings(nodeName("node-c"), new NodeSettings(false));
    close(a);

    Store reopened = open(group);
    Snapshot snapshot = reopened.snapshot();
    assertThat(snapshot.settings().service(svc("mailer"))).isEqualTo(second);
    assertThat(snapshot.settings().service(svc("reporter"))).isEqualTo(first);
    assertThat(snapshot.settings().service(svc("other"))).isEqualTo(ServiceSettings.DEFAULT);
    assertThat(snapshot.settings().node(nodeName("node-b")).drained()).isTrue();
    assertThat(snapshot.settings().node(nodeName("node-c")).drained()).isFalse();
    assertThat(snapshot.settings().node(nodeName("node-z"))).isEqualTo(NodeSettings.DEFAULT);
  }

  @Test
  void aPlannedMoveIsKeptWithTheSettingsAndClearedByTheNextWrite() {
    GroupName group = freshGroup();
    Store a = open(group);
    ServiceSettings.Move move = new ServiceSettings.Move(nodeName("node-b"), 7);
    ServiceSettings moving = new ServiceSettings(List.of(nodeName("node-a")), false, move);
    a.putServiceSettings(svc("mailer"), moving);
    a.putServiceSettings(svc("reporter"), moving);
    a.putServiceSettings(svc("reporter"), moving.withMove(null));
    close(a);

    Store reopened = open(group);
    Snapshot snapshot = reopened.snapshot();
    assertThat(snapshot.settings().service(svc("mailer"))).isEqualTo(moving);
    assertThat(snapshot.settings().service(svc("mailer")).moveTarget(7)).isEqualTo(nodeName("node-b"));
    assertThat(snapshot.settings().service(svc("mailer")).moveTarget(8)).isNull();
    assertThat(snapshot.settings().service(svc("reporter")).move()).isNull();
    assertThat(snapshot.settings().service(svc("reporter")).ranking()).containsExactly(nodeName("node-a"));
  }

  @Test
  void pauseAndFailbackAreKeptWithTheSettingsAndSeenByEveryHandle() {
    GroupName group = freshGroup();
    Store a = open(group);
    Store b = open(group);
    Instant since = Instant.parse("2026-12-05T10:15:30.123Z");
    ServiceSettings paused = new ServiceSettings(List.of(nodeName("node-a")), false, null)
        .withPausedSince(since).withFailback(ServiceSettings.Failback.RANK, Duration.ofSeconds(45));
    ServiceSettings rankDefaultDelay = ServiceSettings.DEFAULT.withFailback(ServiceSettings.Failback.RANK, null);
    b.snapshot(); // b has read the group before the writes: it must see them as changes
    a.putServiceSettings(svc("mailer"), paused);
    a.putServiceSettings(svc("reporter"), rankDefaultDelay);

    Snapshot seen = b.snapshot();
    assertThat(seen.settings().service(svc("mailer"))).isEqualTo(paused);
    assertThat(seen.settings().service(svc("mailer")).paused()).isTrue();
    assertThat(seen.settings().service(svc("reporter"))).isEqualTo(rankDefaultDelay);
    assertThat(seen.settings().service(svc("reporter")).effectiveFailbackDelay())
        .isEqualTo(ServiceSettings.DEFAULT_FAILBACK_DELAY);

    a.putServiceSettings(svc("mailer"), paused.withPausedSince(null));
    assertThat(b.snapshot().settings().service(svc("mailer")).paused()).isFalse();
    close(a);
    close(b);

    Store reopened = open(group);
    assertThat(reopened.snapshot().settings().service(svc("mailer"))).isEqualTo(paused.withPausedSince(null));
    assertThat(reopened.snapshot().settings().service(svc("reporter")).failback()).isEqualTo(ServiceSettings.Failback.RANK);
  }

  // ---------------------------------------------------------------- decisions

  @Test
  void decisionsAreReadBackOverwrittenAndClearedPerNodeAndService() {
    GroupName group = freshGroup();
    Store a = open(group);
    Store b = open(group);
    Instant until = Instant.parse("2030-01-02T03:04:05.678Z");
    Decision banned = Decision.ban(until, "banned for 10m after 3 restart(s) within 10m: exited with code 1");
    Decision restarting = new Decision(null, null, 2, Instant.parse("2029-12-31T23:59:59.5Z"), null);
    Decision failed = banned.withFailed("no eligible candidate left");

    a.putDecision(nodeName("node-a"), svc("mailer"), restarting);
    a.putDecision(nodeName("node-a"), svc("reporter"), banned);
    a.putDecision(nodeName("node-b"), svc("mailer"), failed);
    Snapshot first = b.snapshot();
    assertThat(first.decision(nodeName("node-a"), svc("mailer"))).isEqualTo(restarting);
    assertThat(first.decision(nodeName("node-a"), svc("reporter"))).isEqualTo(banned);
    assertThat(first.decision(nodeName("node-b"), svc("mailer"))).isEqualTo(failed);
    assertThat(first.decision(nodeName("node-b"), svc("reporter"))).isNull();
    assertThat(first.decisions()).containsOnlyKeys(nodeName("node-a"), nodeName("node-b"));

    b.putDecision(nodeName("node-a"), svc("mailer"), banned);
    b.clearDecision(nodeName("node-a"), svc("reporter"));
    b.clearDecision(nodeName("node-c"), svc("mailer"));
    Snapshot second = a.snapshot();
    assertThat(second.decision(nodeName("node-a"), svc("mailer"))).isEqualTo(banned);
    assertThat(second.decision(nodeName("node-a"), svc("reporter"))).as("cleared").isNull();
    assertThat(second.decision(nodeName("node-b"), svc("mailer"))).isEqualTo(failed);

    a.putDecision(nodeName("node-b"), svc("mailer"), Decision.NONE);
    assertThat(b.snapshot().decisions()).as("a decision of nothing is no decision")
        .containsOnlyKeys(nodeName("node-a"));
  }

  @Test
  void decisionsSurviveReopeningTheStoreAndDoNotDependOnASession() {
    GroupName group = freshGroup();
    Store a = open(group);
    SessionId session = openRenewedSession(a, "node-a", "mailer");
    Decision banned = Decision.ban(Instant.parse("2030-01-02T03:04:05Z"), "failed over: disk full")
        .withRestarts(1, Instant.parse("2030-01-01T00:00:00Z"));
    a.putDecision(nodeName("node-a"), svc("mailer"), banned);
    a.closeSession(session);
    close(a);

    Store reopened = open(group);
    assertThat(reopened.snapshot().decision(nodeName("node-a"), svc("mailer"))).isEqualTo(banned);
    reopened.clearDecision(nodeName("node-a"), svc("mailer"));
    close(reopened);
    assertThat(open(group).snapshot().decisions()).isEmpty();
  }

  @Test
  void eventsAreNumberedInAppendOrderAndSurviveReopeningTheStore() {
    GroupName group = freshGroup();
    Store a = open(group);
    List<EventDraft> drafts = new ArrayList<>();
    List<Long> seqs = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      EventDraft draft = event(i);
      drafts.add(draft);
      seqs.add(a.appendEvent(draft));
    }
    assertThat(seqs).isSorted().doesNotHaveDuplicates();
    close(a);

    Store reopened = open(group);
    List<Event> events = reopened.events(0, 100);
    assertThat(events).hasSize(12);
    for (int i = 0; i < 12; i++) {
      assertThat(events.get(i)).isEqualTo(Event.numbered(seqs.get(i), drafts.get(i)));
    }
    long next = reopened.appendEvent(event(99));
    assertThat(next).isGreaterThan(seqs.get(11));
  }

  /**
   * A store may keep what it read and read only what changed since: each kind of write made
   * through another store must still show in its next snapshot, exactly as a fresh store reads it.
   */
  @Test
  void aWarmSnapshotSeesEveryKindOfWriteMadeThroughAnotherStore() {
    GroupName group = freshGroup();
    Store reader = open(group);
    Store w1 = open(group);
    Store w2 = open(group);
    SessionId n1 = openRenewedSession(w1, "node-1", "mailer", "reporter");
    assertSameAsFresh(group, reader);
    SessionId n2 = openRenewedSession(w2, "node-2", "mailer");
    assertSameAsFresh(group, reader);

    Ownership mailer = w1.claim(claimOf("mailer", 0, n1)).ownership();
    w1.claim(claimOf("reporter", 0, n1));
    assertThat(assertSameAsFresh(group, reader).ownership(svc("mailer")).session()).isEqualTo(n1);

    w1.publishProviders(n1, Map.of(svc("mailer"), ProviderStatus.of(ProviderState.PROVIDING)));
    assertThat(assertSameAsFresh(group, reader).node(nodeName("node-1")).map(NodeRecord::providers).orElseThrow())
        .containsOnlyKeys(svc("mailer"));

    assertThat(w1.release(svc("mailer"), n1, mailer.epoch())).isTrue();
    assertThat(assertSameAsFresh(group, reader).ownership(svc("mailer")).session()).isNull();

    w2.claim(claimOf("mailer", mailer.epoch(), n2));
    w1.closeSession(n1);
    Snapshot closed = assertSameAsFresh(group, reader);
    assertThat(closed.ownership(svc("mailer")).session()).isEqualTo(n2);
    assertThat(closed.ownership(svc("reporter")).session()).isNull();
  }

  /**
   * Instances ({@code service@instance}) are services of their own to the store: each has its own
   * ownership and epoch, provider, settings, decisions and events, under a name with an {@code @}.
   */
  @Test
  void instancesAreKeptAsServicesOfTheirOwnUnderTheirNames() {
    GroupName group = freshGroup();
    Store a = open(group);
    Store b = open(group);
    SessionId sa = openRenewedSession(a, "node-a", "web@1", "web@2", "web@node-a");
    SessionId sb = openRenewedSession(b, "node-b", "web@1", "web@2", "web@node-b");
    assertThat(a.claim(claimOf("web@1", 0, sa)).granted()).isTrue();
    assertThat(b.claim(claimOf("web@2", 0, sb)).granted()).isTrue();
    assertThat(a.claim(claimOf("web@node-a", 0, sa)).granted()).isTrue();
    assertThat(b.claim(claimOf("web@1", 0, sb)).granted()).as("web@1 is owned").isFalse();
    ServiceSettings paused = ServiceSettings.DEFAULT.withPausedSince(Instant.parse("2026-12-05T10:15:30Z"));
    a.putServiceSettings(svc("web@2"), paused);
    Decision banned = Decision.ban(Instant.parse("2030-01-02T03:04:05Z"), "banned");
    a.putDecision(nodeName("node-b"), svc("web@1"), banned);
    long seq = a.appendEvent(new EventDraft(Instant.ofEpochMilli(1_700_000_000_000L), "test-event", nodeName("node-a"),
        svc("web@node-a"), 1L, "an instance's event"));

    Store reader = open(group);
    Snapshot seen = reader.snapshot();
    assertThat(seen.ownership(svc("web@1")).node()).isEqualTo(nodeName("node-a"));
    assertThat(seen.ownership(svc("web@2")).node()).isEqualTo(nodeName("node-b"));
    assertThat(seen.ownership(svc("web@node-a")).epoch()).isEqualTo(1);
    assertThat(seen.node(nodeName("node-b")).orElseThrow().providers())
        .containsOnlyKeys(svc("web@1"), svc("web@2"), svc("web@node-b"));
    assertThat(seen.settings().service(svc("web@2"))).isEqualTo(paused);
    assertThat(seen.settings().service(svc("web@1")).paused()).isFalse();
    assertThat(seen.decision(nodeName("node-b"), svc("web@1"))).isEqualTo(banned);
    assertThat(reader.events(seq - 1, 1)).extracting(Event::service).containsExactly(svc("web@node-a"));
  }

  /** The reader's snapshot, after it equals (but for renewal counters) the one a store opened now reads. */
  private Snapshot assertSameAsFresh(GroupName group, Store reader) {
    Snapshot warm = reader.snapshot();
    Store fresh = open(group);
    Snapshot cold = fresh.snapshot();
    close(fresh);
    assertThat(warm.ownerships()).isEqualTo(cold.ownerships());
    assertThat(warm.settings()).isEqualTo(cold.settings());
    assertThat(warm.nodes()).extracting(n -> n.info().name(), NodeRecord::session, NodeRecord::providers)
        .containsExactlyElementsOf(cold.nodes().stream()
            .map(n -> org.assertj.core.groups.Tuple.tuple(n.info().name(), n.session(), n.providers())).toList());
    return warm;
  }

  @Test
  void claimAllDecidesEachClaimOnItsOwnInRequestOrder() {
    GroupName group = freshGroup();
    Store a = open(group);
    Store b = open(group);
    SessionId sa = openRenewedSession(a, "node-a", "mailer", "reporter", "archiver");

    List<ClaimResult> results = a.claimAll(List.of(claimOf("mailer", 0, sa), claimOf("reporter", 5, sa),
        claimOf("mailer", 0, sa), claimOf("archiver", 0, sa)));

    assertThat(results).extracting(ClaimResult::granted).containsExactly(true, false, false, true);
    assertThat(results.get(0).ownership().epoch()).isEqualTo(1);
    assertThat(results.get(3).ownership().session()).isEqualTo(sa);
    Snapshot seen = b.snapshot();
    assertThat(seen.ownership(svc("mailer"))).isEqualTo(results.get(0).ownership());
    assertThat(seen.ownership(svc("reporter")).epoch()).isZero();
    assertThat(seen.ownership(svc("archiver"))).isEqualTo(results.get(3).ownership());
    assertThat(a.claimAll(List.of())).isEmpty();
  }

  @Test
  void aBatchOfEventsIsNumberedInListOrderAfterEveryEventBeforeIt() {
    GroupName group = freshGroup();
    Store a = open(group);
    Store b = open(group);
    long before = b.appendEvent(event(0));
    List<EventDraft> batch = List.of(event(1), event(2), event(3));

    List<Long> seqs = a.appendEvents(batch);

    assertThat(seqs).hasSize(3).isSorted().doesNotHaveDuplicates();
    assertThat(seqs.get(0)).isGreaterThan(before);
    assertThat(a.appendEvents(List.of())).isEmpty();
    List<Event> events = b.events(before, 10);
    assertThat(events).containsExactly(Event.numbered(seqs.get(0), batch.get(0)),
        Event.numbered(seqs.get(1), batch.get(1)), Event.numbered(seqs.get(2), batch.get(2)));
    assertThat(b.appendEvent(event(4))).isGreaterThan(seqs.get(2));
  }

  @Test
  void eventsPageByTheLastSequenceNumberSeen() {
    GroupName group = freshGroup();
    Store a = open(group);
    Store b = open(group);
    List<Long> seqs = new ArrayList<>();
    for (int i = 0; i < 25; i++) {
      seqs.add((i % 2 == 0 ? a : b).appendEvent(event(i)));
    }

    List<Event> all = new ArrayList<>();
    long after = 0;
    List<Integer> pageSizes = new ArrayList<>();
    while (true) {
      List<Event> page = b.events(after, 10);
      if (page.isEmpty()) {
        break;
      }
      pageSizes.add(page.size());
      all.addAll(page);
      after = page.get(page.size() - 1).seq();
    }
    assertThat(pageSizes).containsExactly(10, 10, 5);
    assertThat(all).extracting(Event::seq).containsExactlyElementsOf(seqs);
    assertThat(all).extracting(Event::detail)
        .containsExactlyElementsOf(seqs.stream().map(s -> "detail " + seqs.indexOf(s)).toList());
    assertThat(a.events(seqs.get(24), 10)).isEmpty();
    assertThat(a.events(seqs.get(19), 3)).extracting(Event::seq)
        .containsExactly(seqs.get(20), seqs.get(21), seqs.get(22));
  }

  // ---------------------------------------------------------------- watch

  @Test
  void watchFiresAfterSessionsClaimsReleasesSettingsDecisionsAndProviders() throws Exception {
    GroupName group = freshGroup();
    Store watcher = open(group);
    Store actor = open(group);
    AtomicInteger calls = new AtomicInteger();
    AutoCloseable handle = watcher.watch(calls::incrementAndGet);
    try {
      SessionId[] session = new SessionId[1];
      awaitCallAfter(calls, "open session", () -> session[0] = openRenewedSession(actor, "node-a", "mailer"));
      awaitCallAfter(calls, "claim", () -> actor.claim(claimOf("mailer", 0, session[0])));
      awaitCallAfter(calls, "release", () -> actor.release(svc("mailer"), session[0], 1));
      awaitCallAfter(calls, "service settings",
          () -> actor.putServiceSettings(svc("mailer"), new ServiceSettings(List.of(), true)));
      awaitCallAfter(calls, "node settings",
          () -> actor.putNodeSettings(nodeName("node-a"), new NodeSettings(true)));
      awaitCallAfter(calls, "decision", () -> actor.putDecision(nodeName("node-a"), svc("mailer"),
          Decision.ban(Instant.parse("2030-01-01T00:00:00Z"), "test")));
      awaitCallAfter(calls, "decision cleared", () -> actor.clearDecision(nodeName("node-a"), svc("mailer")));
      awaitCallAfter(calls, "publish providers", () -> actor.publishProviders(session[0],
          Map.of(svc("mailer"), ProviderStatus.of(ProviderState.UNAVAILABLE))));
      awaitCallAfter(calls, "close session", () -> actor.closeSession(session[0]));
    } finally {
      handle.close();
    }
  }

  @Test
  void watchStopsCallingAfterItsHandleIsClosed() throws Exception {
    GroupName group = freshGroup();
    Store watcher = open(group);
    Store actor = open(group);
    AtomicInteger closedCalls = new AtomicInteger();
    AtomicInteger controlCalls = new AtomicInteger();
    AutoCloseable handle = watcher.watch(closedCalls::incrementAndGet);
    AutoCloseable control = watcher.watch(controlCalls::incrementAndGet);
    try {
      awaitCallAfter(closedCalls, "open session", () -> openRenewedSession(actor, "node-a", "mailer"));
      handle.close();
      int afterClose = closedCalls.get();

      for (int i = 0; i < 3; i++) {
        int round = i;
        awaitCallAfter(controlCalls, "settings change " + i, () -> actor.putServiceSettings(
            svc("mailer"), new ServiceSettings(List.of(), round % 2 == 0)));
      }
      assertThat(closedCalls.get()).isEqualTo(afterClose);
    } finally {
      control.close();
    }
  }

  private static void awaitCallAfter(AtomicInteger calls, String what, Runnable action) {
    int before = calls.get();
    action.run();
    await("watch call after " + what).atMost(WAIT).until(() -> calls.get() > before);
  }

  // ---------------------------------------------------------------- groups

  @Test
  void groupsSharingOneStoreDoNotSeeEachOthersNodesOwnershipsSettingsOrEvents() {
    GroupName one = freshGroup();
    GroupName two = freshGroup();
    Store inOne = open(one);
    Store inTwo = open(two);
    SessionId s1 = openRenewedSession(inOne, "node-a", "mailer");
    assertThat(inOne.claim(claimOf("mailer", 0, s1)).granted()).isTrue();
    inOne.putServiceSettings(svc("mailer"), new ServiceSettings(List.of(nodeName("node-a")), true));
    inOne.putNodeSettings(nodeName("node-a"), new NodeSettings(true));
    inOne.appendEvent(event(1));
    inOne.putDecision(nodeName("node-a"), svc("mailer"), Decision.ban(Instant.parse("2030-01-01T00:00:00Z"), "x"));

    Snapshot seenByTwo = inTwo.snapshot();
    assertThat(seenByTwo.nodes()).isEmpty();
    assertThat(seenByTwo.ownerships()).isEmpty();
    assertThat(seenByTwo.settings().services()).isEmpty();
    assertThat(seenByTwo.settings().nodes()).isEmpty();
    assertThat(seenByTwo.decisions()).isEmpty();
    assertThat(inTwo.events(0, 10)).isEmpty();

    SessionId s2 = openRenewedSession(inTwo, "node-a", "mailer");
    ClaimResult inGroupTwo = inTwo.claim(claimOf("mailer", 0, s2));
    assertThat(inGroupTwo.granted()).as(inGroupTwo.reason()).isTrue();
    assertThat(inGroupTwo.ownership().epoch()).isEqualTo(1);
    assertThat(inTwo.claim(claimOf("mailer", 1, s1)).granted())
        .as("a session of another group claiming here").isFalse();

    Snapshot seenByOne = inOne.snapshot();
    assertThat(seenByOne.nodes()).extracting(NodeRecord::session).containsExactly(s1);
    assertThat(seenByOne.ownership(svc("mailer")).session()).isEqualTo(s1);
    assertThat(inOne.events(0, 10)).hasSize(1);
  }
}
