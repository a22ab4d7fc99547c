package dev.baton.store.zookeeper;

import dev.baton.core.ConflictException;
import dev.baton.core.Durations;
import dev.baton.core.InvalidInputException;
import dev.baton.core.MonotonicClock;
import dev.baton.core.NodeName;
import dev.baton.core.ServiceName;
import dev.baton.core.store.ClaimRequest;
import dev.baton.core.store.ClaimResult;
import dev.baton.core.store.Decision;
import dev.baton.core.store.Event;
import dev.baton.core.store.EventDraft;
import dev.baton.core.store.GroupSettings;
import dev.baton.core.store.NodeInfo;
import dev.baton.core.store.NodeRecord;
import dev.baton.core.store.NodeSettings;
import dev.baton.core.store.Observed;
import dev.baton.core.store.Ownership;
import dev.baton.core.store.ProviderStatus;
import dev.baton.core.store.RenewalStamp;
import dev.baton.core.store.ServiceSettings;
import dev.baton.core.store.SessionId;
import dev.baton.core.store.SessionLostException;
import dev.baton.core.store.SessionState;
import dev.baton.core.store.Snapshot;
import dev.baton.core.store.Store;
import dev.baton.core.store.StoreException;
import dev.baton.core.store.StoreOptions;
import dev.baton.store.zookeeper.Zk.Deadline;
import dev.baton.store.zookeeper.Zk.Refused;
import dev.baton.store.zookeeper.Znodes.NodeEntry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.recipes.watch.PersistentWatcher;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.retry.BoundedExponentialBackoffRetry;
import org.apache.zookeeper.AddWatchMode;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.KeeperException.Code;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.OpResult;
import org.apache.zookeeper.OpResult.CreateResult;
import org.apache.zookeeper.OpResult.GetDataResult;
import org.apache.zookeeper.OpResult.SetDataResult;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.Watcher.Event.EventType;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.client.ZKClientConfig;
import org.apache.zookeeper.data.ACL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store on a ZooKeeper ensemble, through one Curator client: one instance holds one ZooKeeper
 * session and at most one Baton session in it (an agent opens one store per node). The znode
 * layout is in {@link GroupPaths}.
 *
 * <p><b>Sessions and leases.</b> The ZooKeeper session timeout is the lease. A Baton session is
 * an EPHEMERAL znode {@code sessions/<node>} owned by the ZooKeeper session, plus the node's
 * persistent record naming the session id. It is LIVE while the ephemeral exists and holds the
 * record's session id, CLOSED when its node closed it, EXPIRED when the ephemeral is gone: the
 * ensemble deleted it because the ZooKeeper session expired (a crashed or cut-off node), or this
 * store deleted it because no renewal succeeded for a full lease (a hung node: the ZooKeeper
 * client keeps its session alive on its own, so without this the ensemble would never let go).
 *
 * <p>A renewal is a transaction that checks the node record's version and rewrites the
 * ephemeral: it goes through the leader, which checks the ZooKeeper session, and is committed by
 * a quorum, so a renewal that returns normally proves the session was alive on the ensemble
 * after it was sent. The ephemeral's data version is the renewal counter. Watches ignore those
 * writes. Without a connection (SUSPENDED) renewals fail at once with {@link StoreException};
 * once the ZooKeeper session is gone (LOST, or RECONNECTED with a new session) they throw
 * {@link SessionLostException} and the node must open a new session.
 *
 * <p><b>Fencing.</b> The ensemble expires a ZooKeeper session no earlier than the negotiated
 * timeout after it last heard from the client, which is after the last successful renewal was
 * sent. {@link #openSession} refuses a negotiated timeout below the lease, so an agent that fences
 * itself by {@code last renewal sent + lease - margin} stops before its session could expire.
 *
 * <p><b>When a renewal was heard.</b> The ensemble sends a watching client the notice of every
 * renewal's write, with its zxid (a watch of this store's own on {@code sessions/}, see
 * {@link #hearRenewals}; the group's watch does not announce renewals). This store notes when, on this host's
 * monotonic clock, it received the notice of each session ephemeral's latest write, and a snapshot
 * that reads the ephemeral at that very zxid ({@code mzxid}) reports the time as the renewal's
 * stamp ({@link NodeRecord#renewed()}). ZooKeeper sends a client the notice of a write before any
 * read that sees it, and the write was sent before it committed, so the stamp is no earlier than
 * the renewal was sent and no later than this node saw its counter: a claimant counts the lease
 * from the moment it heard of the owner's last renewal, instead of from its next snapshot, up to
 * a heartbeat later. A notice whose zxid the read does not match (missed while disconnected, or not
 * yet received) gives no stamp, and the claimant counts from its own sight as before.
 *
 * <p><b>Claims</b> are one transaction: the claimant's record version and ephemeral are checked
 * and the service znode is written at the version read (created for a first claim). A live
 * owner's ephemeral means rejection whatever the request says; the ensemble, not a reader's
 * clock, decides that an owner is dead. Service znodes are never deleted (their directory's ACL
 * refuses deletes), so epochs never go back.
 *
 * <p>This class is thread-safe.
 */
final class ZookeeperStore implements Store {
  static final int EVENTS_KEPT = 10_000;
  private static final Logger log = LoggerFactory.getLogger(ZookeeperStore.class);
  private static final int PRUNE_EVERY = 100;
  private final StoreOptions options;
  private final String group;
  private final String who;
  private final GroupPaths paths;
  private final MonotonicClock clock;
  private final int eventsKept;
  private final ZnodeAcls acls;
  private final CuratorFramework client;
  private final Zk zk;
  private final ScheduledExecutorService timer;
  private final ExecutorService dispatcher;
  private final Set<WatchHandle> watches = ConcurrentHashMap.newKeySet();
  private final AtomicReference<LocalSession> current = new AtomicReference<>();
  private final AtomicLong sessionsOpened = new AtomicLong();
  private final AtomicLong appended = new AtomicLong();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Set<String> unreadable = ConcurrentHashMap.newKeySet();
  private volatile Children lastChildren = Children.NONE;
  /** Per session ephemeral: the zxid of the latest write whose notice this store received, and when. */
  private final Map<String, Heard> heard = new ConcurrentHashMap<>();
  private final Watcher renewalNotices = this::note;
  /** Since when the client has had no connection (watchLease's clock), or -1 while it has one. */
  private long disconnectedSince = -1;

  /** {@code credentials}: the digest identity to authenticate as and to restrict the group's znodes to, or null. */
  ZookeeperStore(StoreOptions options, ZookeeperUrl url, ZookeeperCredentials credentials, MonotonicClock clock,
      int eventsKept) {
    this.options = options;
    this.group = options.group().value();
    this.who = "[group=" + group + "]";
    this.paths = new GroupPaths(url.chroot(), options.group());
    this.clock = clock;
    this.eventsKept = eventsKept;
    this.acls = new ZnodeAcls(paths, credentials);
    int callMillis = millis(options.callTimeout());
    // Without SASL: Baton authenticates by digest if at all, and a SASL-enabled client (ZooKeeper's
    // default) looks up every server's host name in reverse DNS before each connection attempt; where
    // DNS is slow or cut off with the rest of the network, that delays every reconnection by seconds.
    ZKClientConfig clientConfig = new ZKClientConfig();
    clientConfig.setProperty(ZKClientConfig.ENABLE_CLIENT_SASL_KEY, "false");
    CuratorFrameworkFactory.Builder builder = CuratorFrameworkFactory.builder();
    if (credentials != null) {
      builder.authorization("digest", credentials.authBytes());
    }
    this.client = builder
        .aclProvider(acls)
        .connectString(url.connectString())
        .zkClientConfig(clientConfig)
        .sessionTimeoutMs(millis(options.lease()))
        .connectionTimeoutMs(callMillis)
        .maxCloseWaitMs(callMillis)
        .retryPolicy(new BoundedExponentialBackoffRetry(50, 1000, 3))
        .dontUseContainerParents()
        .ensembleTracker(false)
        .threadFactory(named("baton-zk-" + group + "-curator"))
        .build();
    this.zk = new Zk(client, clock, options.callTimeout(), who, paths.group,
        credentials == null ? "without ZooKeeper credentials" : "as " + credentials);
    this.timer = Executors.newScheduledThreadPool(2, named("baton-zk-" + group + "-timer"));
    this.dispatcher = Executors.newSingleThreadExecutor(named("baton-zk-" + group + "-watch"));
    client.getConnectionStateListenable().addListener((c, state) -> connectionChanged(state));
    client.start();
    try {
      // The first connection gets a few leases, as the agent's first session does: nothing is owned
      // yet, and an ensemble that has just been elected, on a loaded machine, took more than a
      // lease of 1 s to take its first sessions (an agent that gave up then was given up on).
      createDirectories(zk.deadline(max(options.callTimeout(), options.lease().multipliedBy(3))));
    } catch (RuntimeException e) {
      close();
      throw e;
    }
    long period = Math.max(10, options.lease().toMillis() / 10);
    timer.scheduleWithFixedDelay(this::watchLease, period, period, TimeUnit.MILLISECONDS);
    log.info("{} store open on ZooKeeper {}{} (session timeout = lease {}, call timeout {}, {})", who,
        url.connectString(), url.chroot(), Durations.format(options.lease()),
        Durations.format(options.callTimeout()),
        credentials == null ? "no credentials, open ACLs" : "ACLs for " + credentials + " only");
  }

  @Override
  public boolean judgesLeases() {
    return true;
  }

  // ------------------------------------------------------------------------------- sessions

  @Override
  public SessionId openSession(NodeInfo node, Map<ServiceName, ProviderStatus> providers, Observed replacing) {
    String at = "[group=" + group + " node=" + node.name() + "]";
    LocalSession held = current.get();
    if (held != null && held.endedBecause() == null && !held.node.equals(node.name())) {
      throw new ConflictException(at + " this store holds session " + held.id + " of node " + held.node
          + "; one store serves one node: close that session first");
    }
    Deadline d = zk.deadline();
    ZooKeeper h = zk.handle(d, true);
    long negotiated = h.getSessionTimeout();
    if (negotiated < options.lease().toMillis()) {
      throw new StoreException(at + " the ensemble granted a ZooKeeper session timeout of "
          + Durations.format(Duration.ofMillis(negotiated)) + ", shorter than the lease "
          + Durations.format(options.lease()) + ": it could expire the session before the node fences"
          + " itself. Raise maxSessionTimeout on the ensemble (20 x tickTime by default) or lower"
          + " timing.lease");
    }
    if (negotiated > options.lease().toMillis()) {
      log.warn("{} the ensemble granted a ZooKeeper session timeout of {}, longer than the lease {}:"
          + " a crashed node's services move only after {}; lower minSessionTimeout on the ensemble",
          at, Durations.format(Duration.ofMillis(negotiated)), Durations.format(options.lease()),
          Durations.format(Duration.ofMillis(negotiated)));
    }
    long zkSession = h.getSessionId();
    SessionId id = new SessionId(Long.toHexString(zkSession) + "-" + sessionsOpened.incrementAndGet());
    String recordPath = paths.node(node.name());
    String sessionPath = paths.session(node.name());
    byte[] record = Znodes.node(recordPath, new NodeEntry(node, id, false, providers, options.heartbeat(),
        options.lease()));
    while (true) {
      List<OpResult> read = zk.read(h, List.of(Op.getData(recordPath), Op.getData(sessionPath)), d,
          "open session: read the node's record");
      GetDataResult recordNow = zk.data(read.get(0), "read " + recordPath);
      GetDataResult ephemeral = zk.data(read.get(1), "read " + sessionPath);
      NodeEntry entry = recordNow == null ? null : Znodes.node(recordPath, recordNow.getData());
      List<Op> ops = new ArrayList<>();
      if (ephemeral != null) {
        checkReplaceable(at, node.name(), zkSession, entry, ephemeral, replacing);
        ops.add(Op.delete(sessionPath, ephemeral.getStat().getVersion()));
      }
      ops.add(recordNow == null
          ? Op.create(recordPath, record, acls.getAclForPath(recordPath), CreateMode.PERSISTENT)
          : Op.setData(recordPath, record, recordNow.getStat().getVersion()));
      ops.add(Op.create(sessionPath, Znodes.session(id), acls.getAclForPath(sessionPath), CreateMode.EPHEMERAL));
      long sentAt = clock.nanos();
      List<OpResult> done;
      try {
        done = zk.transact(h, ops, d, "open session");
      } catch (Refused e) {
        if (e.op < 0) {
          throw zk.failure("open session", e.code);
        }
        continue; // someone changed the record or the ephemeral meanwhile: judge again
      }
      OpResult written = done.get(ops.size() - 2);
      int version = written instanceof SetDataResult s ? s.getStat().getVersion() : 0;
      LocalSession opened = new LocalSession(id, node.name(), zkSession, group, version, sentAt);
      LocalSession previous = current.getAndSet(opened);
      if (previous != null && previous.end("replaced by session " + id + " of this store")) {
        log.info("{} session replaced by {}", previous.who, id);
      }
      log.info("{} session opened in ZooKeeper session 0x{} (timeout {}){}", opened.who,
          Long.toHexString(zkSession), Durations.format(Duration.ofMillis(negotiated)),
          entry == null ? "" : "; previous session " + entry.session() + " was " + previousState(entry, ephemeral));
      return id;
    }
  }

  /**
   * Throws {@link ConflictException} unless the node's existing ephemeral may be deleted: it
   * stands for the session named in {@code replacing}, at its current renewal counter, or it is a
   * leftover of a session of this store that already ended. (No ephemeral at all means the
   * previous session is closed or expired, and needs no check.)
   */
  private void checkReplaceable(String at, NodeName node, long zkSession, NodeEntry entry,
      GetDataResult ephemeral, Observed replacing) {
    SessionId holder = Znodes.session(ephemeral.getData());
    int renewals = ephemeral.getStat().getVersion();
    boolean ours = ephemeral.getStat().getEphemeralOwner() == zkSession;
    LocalSession mine = current.get();
    boolean ourLive = ours && mine != null && mine.id.equals(holder) && mine.endedBecause() == null;
    boolean named = replacing != null && replacing.session().equals(holder) && replacing.renewals() == renewals;
    boolean live = entry != null && !entry.closed() && entry.session().equals(holder);
    if (named || (ours && !ourLive)) {
      return;
    }
    if (!live) {
      throw new ConflictException(at + " the node's session znode holds session " + holder
          + " of another ZooKeeper session, which the node's record does not name; delete "
          + paths.session(node) + " by hand if no agent of that name runs");
    }
    throw new ConflictException(at + " node " + node + " already has a live session "
        + holder + " (renewed " + renewals + " times): another agent runs with this name."
        + (replacing == null ? "" : " The session named to replace, " + replacing.session() + " at "
            + replacing.renewals() + " renewals, is not it or was renewed since.")
        + " Stop that agent, or name its session with its current renewal counter once it has"
        + " stopped renewing for a full lease");
  }

  private static String previousState(NodeEntry entry, GetDataResult ephemeral) {
    if (entry.closed()) {
      return "closed";
    }
    boolean live = ephemeral != null && Znodes.session(ephemeral.getData()).equals(entry.session());
    return live ? "replaced" : "expired";
  }

  @Override
  public long renew(SessionId session) {
    LocalSession s = mine(session);
    Deadline d = zk.deadline();
    ZooKeeper h = zk.handle(d, false);
    sameZookeeperSession(s, h);
    for (int attempt = 1; ; attempt++) {
      long sentAt = clock.nanos();
      try {
        List<OpResult> done = zk.transact(h, List.of(
            Op.check(paths.node(s.node), s.recordVersion()),
            Op.setData(paths.session(s.node), Znodes.session(s.id), -1)), d, "renew " + s.id);
        s.renewed(sentAt);
        return ((SetDataResult) done.get(1)).getStat().getVersion();
      } catch (Refused e) {
        if (e.at(0, Code.BADVERSION) && attempt == 1 && refreshRecordVersion(s, h, d)) {
          continue;
        }
        throw lose(s, refusal(e, "renewal"));
      }
    }
  }

  @Override
  public void closeSession(SessionId session) {
    LocalSession s = current.get();
    if (s == null || !s.id.equals(session) || s.endedBecause() != null) {
      return;
    }
    Deadline d = zk.deadline();
    ZooKeeper h = zk.handle(d, true);
    if (h.getSessionId() != s.zkSession) {
      s.end("its ZooKeeper session ended before it was closed");
      return;
    }
    String recordPath = paths.node(s.node);
    while (true) {
      Map<ServiceName, Versioned> services = readServices(h, d);
      GetDataResult record = zk.data(zk.read(h, List.of(Op.getData(recordPath)), d, "close: read record")
          .get(0), "read " + recordPath);
      NodeEntry entry = record == null ? null : Znodes.node(recordPath, record.getData());
      if (entry == null || !entry.session().equals(s.id) || entry.closed()) {
        s.end("replaced by another session before it was closed");
        return;
      }
      List<Op> ops = new ArrayList<>();
      ops.add(Op.setData(recordPath, Znodes.node(recordPath, entry.closedNow()), record.getStat().getVersion()));
      ops.add(Op.delete(paths.session(s.node), -1));
      List<ServiceName> released = new ArrayList<>();
      services.forEach((service, v) -> {
        if (s.id.equals(v.ownership.session())) {
          String path = paths.service(service);
          ops.add(Op.setData(path, Znodes.service(path, releasedOf(v.ownership)), v.version));
          released.add(service);
        }
      });
      try {
        zk.transact(h, ops, d, "close session " + s.id);
      } catch (Refused e) {
        if (e.at(1, Code.NONODE) || e.op < 0) {
          s.end("it expired before it was closed (" + e.code + ")");
          return;
        }
        continue; // a record or service changed meanwhile: read again
      }
      s.end("closed by its node");
      s.ephemeralGone();
      log.info("{} session closed; released {}", s.who, released);
      return;
    }
  }

  @Override
  public void publishProviders(SessionId session, Map<ServiceName, ProviderStatus> providers) {
    LocalSession s = mine(session);
    Deadline d = zk.deadline();
    ZooKeeper h = zk.handle(d, true);
    sameZookeeperSession(s, h);
    String recordPath = paths.node(s.node);
    while (true) {
      GetDataResult record = zk.data(zk.read(h, List.of(Op.getData(recordPath)), d, "publish: read record")
          .get(0), "read " + recordPath);
      NodeEntry entry = record == null ? null : Znodes.node(recordPath, record.getData());
      if (entry == null || !entry.session().equals(s.id) || entry.closed()) {
        throw lose(s, "the node's record names another session or is closed");
      }
      try {
        List<OpResult> done = zk.transact(h, List.of(
            Op.setData(recordPath, Znodes.node(recordPath, entry.withProviders(providers)),
                record.getStat().getVersion()),
            Op.check(paths.session(s.node), -1)), d, "publish providers");
        s.recordVersion(((SetDataResult) done.get(0)).getStat().getVersion());
        return;
      } catch (Refused e) {
        if (e.at(0, Code.BADVERSION)) {
          continue;
        }
        throw lose(s, refusal(e, "publishing providers"));
      }
    }
  }

  // ------------------------------------------------------------------------------- reads

  /** The children of the directories a snapshot reads, as last seen; a hint for the next read. */
  private record Children(List<String> nodes, List<String> sessions, List<String> services,
      List<String> serviceSettings, List<String> nodeSettings, List<String> decisions) {
    static final Children NONE = new Children(List.of(), List.of(), List.of(), List.of(), List.of(), List.of());

    List<List<String>> all() {
      return List.of(nodes, sessions, services, serviceSettings, nodeSettings, decisions);
    }
  }

  /**
   * One atomic multi-read (after a barrier, see {@link Zk#read}) of the directories and of every child they had at the
   * previous read. If the children changed in between, the read is repeated with the new lists,
   * so the snapshot returned comes from one read and is consistent.
   */
  @Override
  public Snapshot snapshot() {
    Deadline d = zk.deadline();
    ZooKeeper h = zk.handle(d, true);
    List<String> dirs = List.of(paths.nodes, paths.sessions, paths.services, paths.serviceSettings,
        paths.nodeSettings, paths.decisions);
    Children known = lastChildren;
    while (true) {
      List<Op> ops = new ArrayList<>();
      dirs.forEach(dir -> ops.add(Op.getChildren(dir)));
      for (int i = 0; i < dirs.size(); i++) {
        for (String child : known.all().get(i)) {
          ops.add(Op.getData(dirs.get(i) + "/" + child));
        }
      }
      List<OpResult> read = zk.read(h, ops, d, "snapshot");
      List<List<String>> seen = new ArrayList<>();
      for (int i = 0; i < dirs.size(); i++) {
        seen.add(zk.children(read.get(i), "list " + dirs.get(i)).stream().sorted().toList());
      }
      Children now = new Children(seen.get(0), seen.get(1), seen.get(2), seen.get(3), seen.get(4), seen.get(5));
      if (now.equals(known)) {
        lastChildren = now;
        return snapshotOf(now, read.subList(dirs.size(), read.size()), dirs);
      }
      known = now;
    }
  }

  private Snapshot snapshotOf(Children children, List<OpResult> data, List<String> dirs) {
    Map<String, GetDataResult> byPath = new HashMap<>();
    int k = 0;
    for (int i = 0; i < dirs.size(); i++) {
      for (String child : children.all().get(i)) {
        String path = dirs.get(i) + "/" + child;
        byPath.put(path, zk.data(data.get(k++), "read " + path));
      }
    }
    List<NodeRecord> nodes = new ArrayList<>();
    for (String child : children.nodes()) {
      String path = paths.nodes + "/" + child;
      NodeEntry entry = readable(byPath.get(path), () -> Znodes.node(path, byPath.get(path).getData()));
      if (entry == null) {
        continue;
      }
      GetDataResult ephemeral = byPath.get(paths.sessions + "/" + child);
      boolean live = ephemeral != null && Znodes.session(ephemeral.getData()).equals(entry.session());
      SessionState state = entry.closed() ? SessionState.CLOSED : live ? SessionState.LIVE : SessionState.EXPIRED;
      long renewals = live ? ephemeral.getStat().getVersion() : 0;
      Heard notice = live ? heard.get(paths.sessions + "/" + child) : null;
      RenewalStamp renewed = notice != null && notice.zxid() == ephemeral.getStat().getMzxid() ? notice.stamp() : null;
      nodes.add(new NodeRecord(entry.info(), entry.session(), renewals, state, entry.providers(), entry.heartbeat(),
          entry.lease(), renewed));
    }
    Map<ServiceName, Ownership> ownerships = new TreeMap<>();
    for (String child : children.services()) {
      String path = paths.services + "/" + child;
      Ownership ownership = readable(byPath.get(path),
          () -> Znodes.service(path, serviceName(path, child), byPath.get(path).getData()));
      if (ownership != null) {
        ownerships.put(ownership.service(), ownership);
      }
    }
    Map<ServiceName, ServiceSettings> serviceSettings = new TreeMap<>();
    for (String child : children.serviceSettings()) {
      String path = paths.serviceSettings + "/" + child;
      Map.Entry<ServiceName, ServiceSettings> settings = readable(byPath.get(path),
          () -> Map.entry(serviceName(path, child), Znodes.serviceSettings(path, byPath.get(path).getData())));
      if (settings != null) {
        serviceSettings.put(settings.getKey(), settings.getValue());
      }
    }
    Map<NodeName, NodeSettings> nodeSettings = new TreeMap<>();
    for (String child : children.nodeSettings()) {
      String path = paths.nodeSettings + "/" + child;
      Map.Entry<NodeName, NodeSettings> settings = readable(byPath.get(path),
          () -> Map.entry(nodeName(path, child), Znodes.nodeSettings(path, byPath.get(path).getData())));
      if (settings != null) {
        nodeSettings.put(settings.getKey(), settings.getValue());
      }
    }
    Map<NodeName, Map<ServiceName, Decision>> decisions = new TreeMap<>();
    for (String child : children.decisions()) {
      String path = paths.decisions + "/" + child;
      int at = child.indexOf('@');
      Map.Entry<NodeName, Map.Entry<ServiceName, Decision>> decision = readable(byPath.get(path), () -> {
        if (at < 0) {
          throw new StoreException("znode " + path + " is not a decision of Baton: expected <node>@<service>");
        }
        return Map.entry(nodeName(path, child.substring(0, at)),
            Map.entry(serviceName(path, child.substring(at + 1)), Znodes.decision(path, byPath.get(path).getData())));
      });
      if (decision != null) {
        decisions.computeIfAbsent(decision.getKey(), n -> new TreeMap<>())
            .put(decision.getValue().getKey(), decision.getValue().getValue());
      }
    }
    return new Snapshot(nodes, ownerships, new GroupSettings(serviceSettings, nodeSettings), decisions);
  }

  /**
   * Decodes one znode of a snapshot, or returns null if this version cannot read it (another
   * version or a hand wrote it): a snapshot leaves it out, with one warning per znode version,
   * rather than failing. Claims and releases still refuse to act on such a znode.
   */
  private <T> T readable(GetDataResult data, Supplier<T> decode) {
    try {
      return decode.get();
    } catch (StoreException e) {
      if (unreadable.add(e.getMessage() + "@" + data.getStat().getMzxid())) {
        log.warn("{} left out of snapshots: {}", who, e.getMessage());
      }
      return null;
    }
  }

  // ------------------------------------------------------------------------------- claims

  /** A service's ownership and the version of its znode (-1: no znode, never claimed). */
  private record Versioned(Ownership ownership, int version) {}

  @Override
  public ClaimResult claim(ClaimRequest request) {
    ServiceName service = request.service();
    String path = paths.service(service);
    Deadline d = zk.deadline();
    ZooKeeper h = zk.handle(d, true);
    while (true) {
      Versioned now = readService(h, service, d);
      Ownership seen = now.ownership;
      LocalSession s = current.get();
      String problem = claimantProblem(s, request.claimant(), h);
      if (problem != null) {
        return ClaimResult.rejected(seen, problem);
      }
      if (seen.epoch() != request.expectedEpoch()) {
        return ClaimResult.rejected(seen, "epoch is " + seen.epoch() + ", not the expected "
            + request.expectedEpoch());
      }
      if (!seen.released()) {
        String live = liveOwner(h, seen, d);
        if (live != null) {
          return ClaimResult.rejected(seen, live);
        }
      }
      Ownership granted = new Ownership(service, seen.epoch() + 1, s.node, s.id);
      byte[] data = Znodes.service(path, granted);
      try {
        zk.transact(h, List.of(
            Op.check(paths.node(s.node), s.recordVersion()),
            Op.check(paths.session(s.node), -1),
            now.version < 0
                ? Op.create(path, data, acls.getAclForPath(path), CreateMode.PERSISTENT)
                : Op.setData(path, data, now.version)), d, "claim " + service);
      } catch (Refused e) {
        if (e.op == 2) {
          continue; // the service moved meanwhile: read it again, and judge again
        }
        if (e.at(0, Code.BADVERSION) && refreshRecordVersion(s, h, d)) {
          continue;
        }
        lose(s, refusal(e, "claim"));
        return ClaimResult.rejected(seen, "claimant session " + s.id + " is over: " + s.endedBecause());
      }
      log.info("{} claimed {} at epoch {} (previous owner {} session {})", s.who, service,
          granted.epoch(), seen.node(), seen.session());
      return ClaimResult.granted(granted);
    }
  }

  /** Why {@code claimant} may not claim through this store, or null if it may. */
  private String claimantProblem(LocalSession s, SessionId claimant, ZooKeeper h) {
    if (s == null || !s.id.equals(claimant)) {
      return "claimant session " + claimant + " is not the open session of this store";
    }
    if (h.getSessionId() != s.zkSession) {
      s.end("its ZooKeeper session ended");
    }
    String ended = s.endedBecause();
    return ended == null ? null : "claimant session " + claimant + " is over: " + ended;
  }

  /**
   * Why {@code owner}'s session still holds the service (its ephemeral exists and stands for it),
   * or null if it is closed, replaced or expired. Those states are final, so a null answer stays
   * true until the claim's transaction runs.
   */
  private String liveOwner(ZooKeeper h, Ownership owner, Deadline d) {
    String recordPath = paths.node(owner.node());
    String sessionPath = paths.session(owner.node());
    List<OpResult> read = zk.read(h, List.of(Op.getData(recordPath), Op.getData(sessionPath)), d,
        "claim: read the owner's session");
    GetDataResult record = zk.data(read.get(0), "read " + recordPath);
    GetDataResult ephemeral = zk.data(read.get(1), "read " + sessionPath);
    if (record == null || ephemeral == null) {
      return null;
    }
    NodeEntry entry = Znodes.node(recordPath, record.getData());
    boolean live = !entry.closed() && entry.session().equals(owner.session())
        && Znodes.session(ephemeral.getData()).equals(owner.session());
    return live ? "owner session " + owner.session() + " of node " + owner.node()
        + " is live on the ensemble (renewed " + ephemeral.getStat().getVersion() + " times)" : null;
  }

  @Override
  public boolean release(ServiceName service, SessionId session, long epoch) {
    String path = paths.service(service);
    Deadline d = zk.deadline();
    ZooKeeper h = zk.handle(d, true);
    while (true) {
      Versioned now = readService(h, service, d);
      if (now.version < 0 || !session.equals(now.ownership.session()) || now.ownership.epoch() != epoch) {
        return false;
      }
      try {
        zk.transact(h, List.of(Op.setData(path, Znodes.service(path, releasedOf(now.ownership)), now.version)),
            d, "release " + service);
        log.info("[group={} node={} session={}] released {} at epoch {}", group, now.ownership.node(),
            session, service, epoch);
        return true;
      } catch (Refused e) {
        if (e.op < 0) {
          throw zk.failure("release " + service, e.code);
        }
      }
    }
  }

  private static Ownership releasedOf(Ownership o) {
    return new Ownership(o.service(), o.epoch(), o.node(), null);
  }

  private Versioned readService(ZooKeeper h, ServiceName service, Deadline d) {
    String path = paths.service(service);
    GetDataResult data = zk.data(zk.read(h, List.of(Op.getData(path)), d, "read " + path).get(0), "read " + path);
    return data == null
        ? new Versioned(Ownership.unclaimed(service), -1)
        : new Versioned(Znodes.service(path, service, data.getData()), data.getStat().getVersion());
  }

  private Map<ServiceName, Versioned> readServices(ZooKeeper h, Deadline d) {
    List<String> names = zk.children(zk.read(h, List.of(Op.getChildren(paths.services)), d, "list services")
        .get(0), "list " + paths.services);
    Map<ServiceName, Versioned> services = new HashMap<>();
    if (names.isEmpty()) {
      return services;
    }
    List<Op> ops = names.stream().map(n -> Op.getData(paths.services + "/" + n)).toList();
    List<OpResult> read = zk.read(h, ops, d, "read services");
    for (int i = 0; i < names.size(); i++) {
      String path = paths.services + "/" + names.get(i);
      GetDataResult data = zk.data(read.get(i), "read " + path);
      if (data != null) {
        ServiceName service = serviceName(path, names.get(i));
        services.put(service, new Versioned(Znodes.service(path, service, data.getData()),
            data.getStat().getVersion()));
      }
    }
    return services;
  }

  // ------------------------------------------------------------------------------- settings, events

  @Override
  public void putServiceSettings(ServiceName service, ServiceSettings settings) {
    String path = paths.serviceSettings(service);
    upsert(path, Znodes.serviceSettings(path, settings), "service settings of " + service);
  }

  @Override
  public void putNodeSettings(NodeName node, NodeSettings settings) {
    String path = paths.nodeSettings(node);
    upsert(path, Znodes.nodeSettings(path, settings), "node settings of " + node);
  }

  @Override
  public void putDecision(NodeName node, ServiceName service, Decision decision) {
    if (decision.isNone()) {
      clearDecision(node, service);
      return;
    }
    String path = paths.decision(node, service);
    upsert(path, Znodes.decision(path, decision), "decision of " + node + " on " + service);
  }

  @Override
  public void clearDecision(NodeName node, ServiceName service) {
    String path = paths.decision(node, service);
    Deadline d = zk.deadline();
    ZooKeeper h = zk.handle(d, true);
    try {
      zk.transact(h, List.of(Op.delete(path, -1)), d, "delete decision of " + node + " on " + service);
    } catch (Refused e) {
      if (!e.at(0, Code.NONODE)) {
        throw zk.failure("delete decision of " + node + " on " + service, e.code);
      }
    }
  }

  private void upsert(String path, byte[] data, String what) {
    Deadline d = zk.deadline();
    ZooKeeper h = zk.handle(d, true);
    while (true) {
      try {
        zk.transact(h, List.of(Op.setData(path, data, -1)), d, "write " + what);
        return;
      } catch (Refused e) {
        if (!e.at(0, Code.NONODE)) {
          throw zk.failure("write " + what, e.code);
        }
      }
      try {
        zk.transact(h, List.of(Op.create(path, data, acls.getAclForPath(path), CreateMode.PERSISTENT)), d,
            "create " + what);
        return;
      } catch (Refused e) {
        if (!e.at(0, Code.NODEEXISTS)) {
          throw zk.failure("create " + what, e.code);
        }
      }
    }
  }

  @Override
  public Optional<String> identity() {
    Deadline d = zk.deadline();
    ZooKeeper h = zk.handle(d, true);
    GetDataResult data = zk.data(zk.read(h, List.of(Op.getData(paths.identity)), d, "read the group's identity").get(0),
        "read the group's identity");
    return data == null ? Optional.empty() : Optional.of(new String(data.getData(), StandardCharsets.UTF_8));
  }

  @Override
  public String createIdentity() {
    Deadline d = zk.deadline();
    ZooKeeper h = zk.handle(d, true);
    byte[] id = UUID.randomUUID().toString().getBytes(StandardCharsets.UTF_8);
    try {
      zk.transact(h, List.of(Op.create(paths.identity, id, acls.getAclForPath(paths.identity), CreateMode.PERSISTENT)), d,
          "create the group's identity");
    } catch (Refused e) {
      if (!e.at(0, Code.NODEEXISTS)) {
        throw zk.failure("create the group's identity", e.code);
      }
    }
    return identity().orElseThrow(() -> new StoreException(who + " the group's identity is gone right after it was made"));
  }

  /**
   * Appends one persistent sequential znode. ZooKeeper numbers it from its parent's change
   * counter, which grows with every child created or deleted, so numbers only grow (with gaps
   * once old events are pruned). Every {@value #PRUNE_EVERY} appends of this store, events beyond
   * the newest {@link #EVENTS_KEPT} are deleted in the background.
   */
  @Override
  public long appendEvent(EventDraft event) {
    Deadline d = zk.deadline();
    ZooKeeper h = zk.handle(d, true);
    String prefix = paths.eventPrefix();
    List<OpResult> done;
    try {
      done = zk.transact(h, List.of(Op.create(prefix, Znodes.event(prefix, event), acls.getAclForPath(prefix),
          CreateMode.PERSISTENT_SEQUENTIAL)), d, "append event");
    } catch (Refused e) {
      throw zk.failure("append event", e.code);
    }
    String created = ((CreateResult) done.get(0)).getPath();
    long seq = Znodes.eventSeq(created.substring(created.lastIndexOf('/') + 1));
    if (appended.getAndIncrement() % PRUNE_EVERY == 0) {
      timer.execute(this::pruneEvents);
    }
    return seq;
  }

  @Override
  public List<Event> events(long afterSeq, int limit) {
    if (limit < 0) {
      throw new InvalidInputException("invalid event limit " + limit + "; expected 0 or more");
    }
    Deadline d = zk.deadline();
    ZooKeeper h = zk.handle(d, true);
    List<String> children = zk.children(zk.read(h, List.of(Op.getChildren(paths.events)), d, "list events")
        .get(0), "list " + paths.events);
    List<String> wanted = children.stream()
        .filter(c -> Znodes.eventSeq(c) > afterSeq)
        .sorted(Comparator.comparingLong(Znodes::eventSeq))
        .limit(limit)
        .toList();
    if (wanted.isEmpty()) {
      return List.of();
    }
    List<OpResult> read = zk.read(h, wanted.stream().map(c -> Op.getData(paths.events + "/" + c)).toList(), d,
        "read events");
    List<Event> events = new ArrayList<>();
    for (int i = 0; i < wanted.size(); i++) {
      String path = paths.events + "/" + wanted.get(i);
      GetDataResult data = zk.data(read.get(i), "read " + path);
      if (data != null) { // else pruned meanwhile
        events.add(Znodes.event(path, Znodes.eventSeq(wanted.get(i)), data.getData()));
      }
    }
    return events;
  }

  private void pruneEvents() {
    try {
      Deadline d = zk.deadline();
      ZooKeeper h = zk.handle(d, false);
      List<String> children = zk.children(zk.read(h, List.of(Op.getChildren(paths.events)), d, "list events")
          .get(0), "list " + paths.events);
      if (children.size() <= eventsKept) {
        return;
      }
      List<String> oldest = children.stream()
          .filter(c -> Znodes.eventSeq(c) > 0)
          .sorted(Comparator.comparingLong(Znodes::eventSeq))
          .limit(children.size() - eventsKept)
          .map(c -> paths.events + "/" + c)
          .toList();
      zk.deleteAll(h, oldest, zk.deadline(options.lease()), "prune events");
      log.debug("{} pruned {} events beyond the newest {}", who, oldest.size(), eventsKept);
    } catch (RuntimeException e) {
      log.warn("{} could not prune old events (next try after {} appends): {}", who, PRUNE_EVERY, e.getMessage());
    }
  }

  // ------------------------------------------------------------------------------- watch

  /**
   * A persistent recursive watch on the group's znode: ZooKeeper reports every create, delete and
   * data change below it, including ephemerals that vanish when the ensemble expires a session.
   * Data changes of session ephemerals are renewals and are not announced. The listener is also
   * called when the watch is set again after a reconnect (changes may have been missed).
   */
  @Override
  public AutoCloseable watch(Runnable listener) {
    PersistentWatcher watcher = new PersistentWatcher(client, paths.group, true);
    WatchHandle[] handle = new WatchHandle[1];
    handle[0] = new WatchHandle(listener, dispatcher, watcher, () -> watches.remove(handle[0]), who);
    watcher.getListenable().addListener(event -> {
      if (announces(event)) {
        handle[0].poke();
      }
    });
    watcher.getResetListenable().addListener(() -> {
      dispatcher.execute(this::hearRenewals);
      handle[0].registered();
    });
    watches.add(handle[0]);
    watcher.start();
    try {
      if (!handle[0].awaitRegistered(options.callTimeout().toMillis())) {
        log.warn("{} watch not yet registered on the ensemble; it will be once connected", who);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return handle[0];
  }

  /**
   * Sets (again: after a reconnect it may be a new ZooKeeper session) the watch whose notices time
   * the renewals. It is the ZooKeeper client's own: Curator's watcher hands on events without their
   * zxid. The ensemble sends one notice per write to this connection whatever the number of watches
   * on the path, so this costs no traffic beside the group's watch.
   */
  private void hearRenewals() {
    try {
      zk.handle(zk.deadline(), false).addWatch(paths.sessions, renewalNotices, AddWatchMode.PERSISTENT_RECURSIVE);
    } catch (StoreException | KeeperException e) {
      log.debug("{} renewal notices not watched ({}); claimants count leases from their own sight", who, e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** When a session ephemeral's write was heard of, by its zxid (see "When a renewal was heard"). */
  private record Heard(long zxid, RenewalStamp stamp) {}

  private void note(WatchedEvent event) {
    if (!paths.isSession(event.getPath())) {
      return;
    }
    RenewalStamp now = RenewalStamp.now();
    switch (event.getType()) {
      case NodeCreated, NodeDataChanged -> {
        if (now != null && event.getZxid() != WatchedEvent.NO_ZXID) {
          heard.merge(event.getPath(), new Heard(event.getZxid(), now), (old, neu) -> neu.zxid() > old.zxid() ? neu : old);
        }
      }
      case NodeDeleted -> heard.remove(event.getPath());
      default -> { }
    }
  }

  private boolean announces(WatchedEvent event) {
    if (event.getType() == EventType.None) {
      return false; // connection state: the reset listener announces reconnects
    }
    return !(event.getType() == EventType.NodeDataChanged && paths.isSession(event.getPath()));
  }

  // ------------------------------------------------------------------------------- lifecycle

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    List.copyOf(watches).forEach(WatchHandle::close);
    timer.shutdownNow();
    dispatcher.shutdownNow();
    zk.close();
    client.close();
    log.info("{} store closed", who);
  }

  /** The Curator client, for tests that break its connection or session. */
  CuratorFramework client() {
    return client;
  }

  /**
   * Ends this store's session when no renewal succeeded for a full lease, and deletes its
   * ephemeral so that the ensemble shows it EXPIRED: ZooKeeper keeps a session alive as long as
   * the client library pings, even when the agent above it is stuck.
   */
  private void watchLease() {
    restartIfStuck();
    LocalSession s = current.get();
    if (s == null) {
      return;
    }
    if (s.endIfUnrenewed(clock.nanos(), options.lease().toNanos())) {
      log.warn("{} no renewal succeeded for a full lease ({}); ending the session", s.who,
          Durations.format(options.lease()));
    }
    if (s.ephemeralMayRemain()) {
      deleteOwnEphemeral(s);
    }
  }

  /**
   * Gives the Curator client a new ZooKeeper handle when it has had no connection for
   * {@link #stuckAfter()}. Curator declares a session lost by itself once it has been SUSPENDED for
   * a session timeout, by expiring its current handle; after a pause longer than the lease (a
   * frozen node) that can coincide with the ensemble's own expiry and the new handle's connection,
   * and leave the client with a closed handle that never connects again (seen in the fault suite:
   * two minutes without a connection after a thaw). By then any session is long expired, so a new
   * handle loses nothing; where the ensemble really is unreachable it simply keeps trying.
   */
  private void restartIfStuck() {
    if (client.getZookeeperClient().isConnected()) {
      disconnectedSince = -1;
      return;
    }
    long now = clock.nanos();
    if (disconnectedSince < 0) {
      disconnectedSince = now;
    } else if (now - disconnectedSince > stuckAfter().toNanos()) {
      log.warn("{} no connection to ZooKeeper for {}; starting a new ZooKeeper handle", who,
          Durations.format(Duration.ofNanos(now - disconnectedSince)));
      disconnectedSince = now;
      try {
        client.getZookeeperClient().reset();
      } catch (Exception e) {
        log.warn("{} cannot start a new ZooKeeper handle: {}", who, e.getMessage());
      }
    }
  }

  /** Three leases, or three seconds if that is longer: well past any session of this store. */
  private Duration stuckAfter() {
    Duration three = options.lease().multipliedBy(3);
    return three.compareTo(Duration.ofSeconds(3)) > 0 ? three : Duration.ofSeconds(3);
  }

  private void deleteOwnEphemeral(LocalSession s) {
    try {
      Deadline d = zk.deadline();
      ZooKeeper h = zk.handle(d, false);
      if (h.getSessionId() != s.zkSession) {
        s.ephemeralGone(); // it goes with its ZooKeeper session
        return;
      }
      String path = paths.session(s.node);
      GetDataResult ephemeral = zk.data(zk.read(h, List.of(Op.getData(path)), d, "read own ephemeral").get(0),
          "read " + path);
      if (ephemeral != null && ephemeral.getStat().getEphemeralOwner() == s.zkSession
          && Znodes.session(ephemeral.getData()).equals(s.id)) {
        zk.transact(h, List.of(Op.delete(path, ephemeral.getStat().getVersion())), d, "delete own ephemeral");
      }
      s.ephemeralGone();
      log.info("{} session ephemeral deleted; the session reads EXPIRED", s.who);
    } catch (Refused | RuntimeException e) {
      log.debug("{} could not delete the ended session's ephemeral yet: {}", s.who, e.getMessage());
    }
  }

  private void connectionChanged(ConnectionState state) {
    LocalSession s = current.get();
    String at = s == null ? who : s.who;
    switch (state) {
      case SUSPENDED -> log.warn("{} connection to ZooKeeper SUSPENDED: renewals fail until it is RECONNECTED;"
          + " the ensemble expires the session {} after its last contact", at, Durations.format(options.lease()));
      case LOST -> {
        log.error("{} ZooKeeper session LOST (expired, or no connection for a whole session timeout)", at);
        if (s != null) {
          s.end("the ZooKeeper session was LOST");
        }
      }
      case RECONNECTED -> {
        long now = currentZookeeperSession();
        if (s != null && now != s.zkSession && s.end("reconnected in a new ZooKeeper session 0x"
            + Long.toHexString(now))) {
          log.error("{} RECONNECTED in a new ZooKeeper session: the session is lost; open a new one", at);
        } else {
          log.info("{} connection to ZooKeeper RECONNECTED", at);
        }
      }
      default -> log.debug("{} connection to ZooKeeper {}", at, state);
    }
  }

  private long currentZookeeperSession() {
    try {
      return client.getZookeeperClient().getZooKeeper().getSessionId();
    } catch (Exception e) {
      return 0;
    }
  }

  // ------------------------------------------------------------------------------- helpers

  private LocalSession mine(SessionId session) {
    LocalSession s = current.get();
    if (s == null || !s.id.equals(session)) {
      throw new SessionLostException(who + " session " + session + " is not the open session of this store"
          + (s == null ? "" : " (that is " + s.id + ")"));
    }
    s.checkOpen();
    return s;
  }

  private void sameZookeeperSession(LocalSession s, ZooKeeper h) {
    if (h.getSessionId() != s.zkSession) {
      throw lose(s, "its ZooKeeper session 0x" + Long.toHexString(s.zkSession) + " ended (the client is now in 0x"
          + Long.toHexString(h.getSessionId()) + ")");
    }
  }

  private SessionLostException lose(LocalSession s, String why) {
    if (s.end(why)) {
      log.warn("{} session lost: {}", s.who, why);
    }
    return s.lost();
  }

  private static String refusal(Refused e, String what) {
    return switch (e.code) {
      case SESSIONEXPIRED -> "its ZooKeeper session expired";
      case NONODE -> e.op == 0 ? "the node's record is gone" : "its ephemeral znode is gone (expired or closed)";
      case BADVERSION -> "the node's record was rewritten by another session";
      default -> what + " refused by ZooKeeper: " + e.code;
    };
  }

  /**
   * Re-reads the node's record after a version mismatch: if it still names this session (only
   * this store's own unknown-outcome writes changed it), adopts its version and returns true.
   */
  private boolean refreshRecordVersion(LocalSession s, ZooKeeper h, Deadline d) {
    String recordPath = paths.node(s.node);
    String sessionPath = paths.session(s.node);
    List<OpResult> read = zk.read(h, List.of(Op.getData(recordPath), Op.getData(sessionPath)), d,
        "re-read own record");
    GetDataResult record = zk.data(read.get(0), "read " + recordPath);
    GetDataResult ephemeral = zk.data(read.get(1), "read " + sessionPath);
    if (record == null || ephemeral == null || ephemeral.getStat().getEphemeralOwner() != s.zkSession) {
      return false;
    }
    NodeEntry entry = Znodes.node(recordPath, record.getData());
    if (entry.closed() || !entry.session().equals(s.id) || !Znodes.session(ephemeral.getData()).equals(s.id)) {
      return false;
    }
    s.recordVersion(record.getStat().getVersion());
    return true;
  }

  private void createDirectories(Deadline d) {
    ZooKeeper h = zk.handle(d, true);
    List<String> all = new ArrayList<>();
    String[] segments = paths.group.substring(1).split("/");
    StringBuilder path = new StringBuilder();
    for (String segment : segments) {
      path.append('/').append(segment);
      all.add(path.toString());
    }
    for (String dir : paths.directories()) {
      if (!all.contains(dir)) {
        all.add(dir);
      }
    }
    for (String dir : all) {
      try {
        zk.transact(h, List.of(Op.create(dir, new byte[0], acls.getAclForPath(dir), CreateMode.PERSISTENT)), d, "create " + dir);
      } catch (Refused e) {
        if (!e.at(0, Code.NODEEXISTS)) {
          throw zk.failure("create " + dir, e.code);
        }
      }
    }
    if (acls.restricted()) {
      List<ACL> acl = zk.acl(h, paths.group, d, "read the ACL of " + paths.group);
      if (!acl.equals(acls.getAclForPath(paths.group))) {
        log.warn("{} the group's znode {} has the ACL {}, not one for this store's credentials alone: it was"
            + " created without them (or with others), and the znodes created so far keep their ACLs; only new"
            + " ones get the credentials' (docs/store-zookeeper.md, \"A group created without credentials\")",
            who, paths.group, acl);
      }
    }
  }

  private static ServiceName serviceName(String path, String child) {
    try {
      return ServiceName.of(child);
    } catch (InvalidInputException e) {
      throw new StoreException("znode " + path + " is not a service of Baton: " + e.getMessage());
    }
  }

  private static NodeName nodeName(String path, String child) {
    try {
      return NodeName.of(child);
    } catch (InvalidInputException e) {
      throw new StoreException("znode " + path + " is not a node of Baton: " + e.getMessage());
    }
  }

  private static int millis(Duration d) {
    return (int) Math.min(Integer.MAX_VALUE, d.toMillis());
  }

  private static Duration max(Duration a, Duration b) {
    return a.compareTo(b) >= 0 ? a : b;
  }

  private static ThreadFactory named(String prefix) {
    AtomicInteger count = new AtomicInteger();
    return task -> {
      Thread t = new Thread(task, prefix + "-" + count.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
