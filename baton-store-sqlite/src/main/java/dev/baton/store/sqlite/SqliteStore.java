package dev.baton.store.sqlite;

import dev.baton.core.ConflictException;
import dev.baton.core.GroupName;
import dev.baton.core.InvalidInputException;
import dev.baton.core.Location;
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
import dev.baton.core.store.ProviderState;
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
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteConnection;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/**
 * The store of one group in a SQLite file that the agents of one host share.
 *
 * <p>The file has no clock, so this store judges no leases: a session stays {@link
 * SessionState#LIVE} until it is closed, replaced, or ended by a claim that names it with its
 * unchanged renewal counter (the claimant's observed-time rule, see {@link Store}).
 *
 * <p>Safety between processes comes from SQLite's own locking: every write is one {@code BEGIN
 * IMMEDIATE} transaction, so its reads and its writes cannot interleave with another writer's,
 * whichever process or {@code Store} instance that is. Within this instance one JDBC connection
 * serves every call, guarded by a lock; a call waits for the lock and for SQLite's write lock
 * together at most the call timeout, then fails with {@link StoreException}.
 *
 * <p>This class is thread-safe. Watch listeners run on the thread {@code baton-sqlite-watch-<group>}.
 */
final class SqliteStore implements Store {
  private static final Logger log = LoggerFactory.getLogger(SqliteStore.class);

  /** Events kept per group; older ones are deleted as new ones arrive. */
  static final int EVENTS_KEPT = 10_000;
  /** How often the watch thread looks at the group's generation counter. */
  static final Duration WATCH_INTERVAL = Duration.ofMillis(100);

  private final Path path;
  private final GroupName group;
  private final String grp;
  private final Duration callTimeout;
  /** The timing recorded with every session this store opens. */
  private final long heartbeatMillis;
  private final long leaseMillis;
  private final SQLiteConnection connection;
  private final ReentrantLock lock = new ReentrantLock();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final List<Watcher> watchers = new CopyOnWriteArrayList<>();
  private final Set<String> warnedRows = ConcurrentHashMap.newKeySet();
  private final Object watchThreadLock = new Object();
  private ScheduledExecutorService watchThread;
  private volatile boolean pollFailing;

  private SqliteStore(Path path, StoreOptions options, SQLiteConnection connection) {
    this.path = path;
    this.group = options.group();
    this.grp = group.value();
    this.callTimeout = options.callTimeout();
    this.heartbeatMillis = options.heartbeat().toMillis();
    this.leaseMillis = options.lease().toMillis();
    this.connection = connection;
  }

  /**
   * Opens (creating if needed) the database at {@code path}, switches it to WAL and full
   * synchronous commits, and brings its schema up to {@link SqliteSchema#VERSION}.
   *
   * @throws StoreException naming the path and the likely fix when the file cannot be used
   */
  static SqliteStore open(Path path, StoreOptions options) {
    GroupName group = options.group();
    Path parent = path.toAbsolutePath().getParent();
    if (!Files.isDirectory(parent)) {
      throw new InvalidInputException("[group=" + group + "] " + SqliteStoreProvider.missingDirectory(path));
    }
    SQLiteConnection connection;
    try {
      connection = (SQLiteConnection) new SQLiteConfig().createConnection("jdbc:sqlite:" + path);
    } catch (SQLException e) {
      throw translate(group, path, options.callTimeout(), "open", e);
    }
    SqliteStore store = new SqliteStore(path, options, connection);
    try {
      store.initialize();
    } catch (RuntimeException e) {
      store.closeConnection();
      throw e;
    }
    return store;
  }

  private void initialize() {
    lock.lock();
    try {
      setBusyTimeout(callTimeout.toMillis());
      try (Statement st = connection.createStatement()) {
        // WAL lets readers (snapshots, the watch poll) go on while another process writes.
        try (ResultSet rs = st.executeQuery("PRAGMA journal_mode=WAL")) {
          String mode = rs.next() ? rs.getString(1) : "unknown";
          if (!"wal".equalsIgnoreCase(mode)) {
            log.warn("[group={}] SQLite store {} stays in journal mode '{}' instead of WAL; "
                + "readers will wait for writers", group, path, mode);
          }
        }
        // FULL: every commit is on disk before it returns. A granted epoch is handed to a
        // process at once; if a power loss rolled the commit back, the next grant would reuse
        // that epoch and fencing would be broken. NORMAL in WAL mode can lose the last commits.
        st.execute("PRAGMA synchronous=FULL");
      }
    } catch (SQLException e) {
      throw translate(group, path, callTimeout, "open", e);
    } finally {
      lock.unlock();
    }
    if (read("read schema version", SqliteStore::userVersion) == SqliteSchema.VERSION) {
      // Up to date: no write lock taken, so that many agents opening one busy file do not queue for it.
      log.debug("[group={}] opened SQLite store {}", group, path);
      return;
    }
    int from = write("migrate schema", c -> {
      int version = userVersion(c);
      if (version > SqliteSchema.VERSION) {
        throw new StoreException("[group=" + group + "] the SQLite store " + path
            + " was written by a newer Baton (schema version " + version + "; this agent knows up to "
            + SqliteSchema.VERSION + "); upgrade this agent or point it at another file");
      }
      try (Statement st = c.createStatement()) {
        for (int v = version; v < SqliteSchema.VERSION; v++) {
          for (String sql : SqliteSchema.MIGRATIONS.get(v)) {
            st.execute(sql);
          }
        }
        if (version < SqliteSchema.VERSION) {
          st.execute("PRAGMA user_version = " + SqliteSchema.VERSION);
        }
      }
      return version;
    });
    if (from < SqliteSchema.VERSION) {
      log.info("[group={}] SQLite store {} migrated from schema version {} to {}", group, path, from,
          SqliteSchema.VERSION);
    }
    log.debug("[group={}] opened SQLite store {}", group, path);
  }

  private static int userVersion(Connection c) throws SQLException {
    try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("PRAGMA user_version")) {
      return rs.next() ? rs.getInt(1) : 0;
    }
  }

  @Override
  public boolean judgesLeases() {
    return false;
  }

  // ---------------------------------------------------------------- sessions

  @Override
  public SessionId openSession(NodeInfo node, Map<ServiceName, ProviderStatus> providers, Observed replacing) {
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(providers, "providers");
    return write("open session of node " + node.name(), c -> {
      Optional<SessionRow> current = sessionOfNode(c, node.name().value());
      if (current.isPresent() && current.get().state() == SessionState.LIVE) {
        SessionRow live = current.get();
        boolean named = replacing != null && replacing.session().value().equals(live.session())
            && replacing.renewals() == live.renewals();
        if (!named) {
          throw new ConflictException("[group=" + grp + " node=" + node.name() + "] session "
              + live.session() + " of this node name is open with " + live.renewals()
              + " renewals" + (replacing == null ? "" : " (not the named " + replacing.session() + " at "
              + replacing.renewals() + " renewals)")
              + "; another agent runs with this name, or its session must be seen unrenewed for a"
              + " full lease and named in 'replacing'");
        }
        log.info("[group={} node={} session={}] session replaced after {} renewals", grp, node.name(),
            live.session(), live.renewals());
      }
      long number = bumpCounter(c, "sessions_opened");
      String id = number + "-" + String.format("%08x", ThreadLocalRandom.current().nextInt());
      try (PreparedStatement ps = c.prepareStatement("""
          INSERT INTO nodes (grp, name, location, api, session, renewals, state, heartbeat_ms, lease_ms, version)
          VALUES (?, ?, ?, ?, ?, 0, 'LIVE', ?, ?, ?)
          ON CONFLICT (grp, name) DO UPDATE SET location = excluded.location, api = excluded.api,
            session = excluded.session, renewals = 0, state = 'LIVE', renewed_boot = NULL, renewed_nanos = NULL,
            heartbeat_ms = excluded.heartbeat_ms, lease_ms = excluded.lease_ms, version = excluded.version""")) {
        ps.setString(1, grp);
        ps.setString(2, node.name().value());
        ps.setString(3, node.location().toString());
        ps.setString(4, node.api());
        ps.setString(5, id);
        ps.setLong(6, heartbeatMillis);
        ps.setLong(7, leaseMillis);
        ps.setString(8, node.version());
        ps.executeUpdate();
      }
      replaceProviders(c, node.name().value(), providers);
      bumpGeneration(c);
      return new SessionId(id);
    });
  }

  @Override
  public long renew(SessionId session) {
    Objects.requireNonNull(session, "session");
    return write("renew session " + session, c -> {
      // Stamped before this attempt's write is sent: no later than the moment the caller's
      // fence deadline counts from, whatever retries came before.
      RenewalStamp sent = RenewalStamp.now();
      try (PreparedStatement ps = c.prepareStatement("""
          UPDATE nodes SET renewals = renewals + 1, renewed_boot = ?, renewed_nanos = ?
          WHERE grp = ? AND session = ? AND state = 'LIVE'""")) {
        ps.setString(1, sent == null ? null : sent.boot());
        if (sent == null) {
          ps.setNull(2, java.sql.Types.INTEGER);
        } else {
          ps.setLong(2, sent.nanos());
        }
        ps.setString(3, grp);
        ps.setString(4, session.value());
        if (ps.executeUpdate() == 0) {
          throw sessionLost(c, session);
        }
      }
      return liveSession(c, session).orElseThrow().renewals();
    });
  }

  @Override
  public void closeSession(SessionId session) {
    Objects.requireNonNull(session, "session");
    write("close session " + session, c -> {
      Optional<SessionRow> row = liveSession(c, session);
      if (row.isEmpty()) {
        return null;
      }
      setSessionState(c, session, SessionState.CLOSED);
      int released;
      try (PreparedStatement ps = c.prepareStatement(
          "UPDATE services SET owner_session = NULL WHERE grp = ? AND owner_session = ?")) {
        ps.setString(1, grp);
        ps.setString(2, session.value());
        released = ps.executeUpdate();
      }
      bumpGeneration(c);
      log.info("[group={} node={} session={}] session closed, {} service(s) released", grp,
          row.get().node(), session, released);
      return null;
    });
  }

  @Override
  public void publishProviders(SessionId session, Map<ServiceName, ProviderStatus> providers) {
    Objects.requireNonNull(session, "session");
    Objects.requireNonNull(providers, "providers");
    write("publish providers of session " + session, c -> {
      SessionRow row = liveSession(c, session).orElseThrow(() -> sessionLost(c, session));
      replaceProviders(c, row.node(), providers);
      bumpGeneration(c);
      return null;
    });
  }

  /** Replaces a node's provider rows; the caller raises the change counter after it in the same transaction. */
  private void replaceProviders(Connection c, String node, Map<ServiceName, ProviderStatus> providers)
      throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("UPDATE nodes SET providers_version ="
        + " (SELECT changes + 1 FROM groups WHERE grp = ?) WHERE grp = ? AND name = ?")) {
      ps.setString(1, grp);
      ps.setString(2, grp);
      ps.setString(3, node);
      ps.executeUpdate();
    }
    try (PreparedStatement ps = c.prepareStatement("DELETE FROM providers WHERE grp = ? AND node = ?")) {
      ps.setString(1, grp);
      ps.setString(2, node);
      ps.executeUpdate();
    }
    try (PreparedStatement ps = c.prepareStatement(
        "INSERT INTO providers (grp, node, service, state, reason, default_rank, endpoint) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
      for (Map.Entry<ServiceName, ProviderStatus> e : providers.entrySet()) {
        ps.setString(1, grp);
        ps.setString(2, node);
        ps.setString(3, e.getKey().value());
        ps.setString(4, e.getValue().state().wireName());
        ps.setString(5, e.getValue().reason());
        ps.setObject(6, e.getValue().rank());
        ps.setString(7, e.getValue().endpoint());
        ps.executeUpdate();
      }
    }
  }

  /** Why {@code session} is not open, as an exception to throw. */
  private SessionLostException sessionLost(Connection c, SessionId session) {
    String why;
    try {
      why = sessionBySessionId(c, session)
          .map(row -> switch (row.state()) {
            case CLOSED -> "it was closed";
            case EXPIRED -> "another node claimed a service over it after seeing it unrenewed for a lease";
            case LIVE -> "it is live (a race; try again)";
          })
          .orElse("it was replaced by a newer session of its node, or never existed");
    } catch (SQLException e) {
      why = "it is not the open session of any node";
    }
    return new SessionLostException("[group=" + grp + " session=" + session + "] session lost: " + why
        + "; open a new session");
  }

  // ---------------------------------------------------------------- claims

  @Override
  public ClaimResult claim(ClaimRequest request) {
    Objects.requireNonNull(request, "request");
    return write("claim " + request.service(), c -> {
      ClaimResult result = claimIn(c, request);
      if (result.granted()) {
        bumpGeneration(c);
      }
      return result;
    });
  }

  /** Decides every claim in one immediate transaction: one commit (and one fsync) for all of them. */
  @Override
  public List<ClaimResult> claimAll(List<ClaimRequest> requests) {
    requests.forEach(r -> Objects.requireNonNull(r, "request"));
    if (requests.isEmpty()) {
      return List.of();
    }
    return write("claim " + requests.size() + " services", c -> {
      List<ClaimResult> results = new ArrayList<>(requests.size());
      for (ClaimRequest r : requests) {
        results.add(claimIn(c, r));
      }
      if (results.stream().anyMatch(ClaimResult::granted)) {
        bumpGeneration(c);
      }
      return results;
    });
  }

  /** One claim inside a write transaction; the caller raises the change counter if it was granted. */
  private ClaimResult claimIn(Connection c, ClaimRequest request) throws SQLException {
    ServiceName service = request.service();
    ServiceRow row = serviceRow(c, service.value());
    Ownership current = row.ownership(service);
    if (row.epoch() != request.expectedEpoch()) {
      return ClaimResult.rejected(current, "epoch is " + row.epoch() + ", not the expected "
          + request.expectedEpoch());
    }
    Optional<SessionRow> claimant = liveSession(c, request.claimant());
    if (claimant.isEmpty()) {
      return ClaimResult.rejected(current, "claimant session " + request.claimant()
          + " is not open (closed, replaced, ended by a claim, or unknown)");
    }
    if (row.ownerSession() != null) {
      Optional<SessionRow> owner = liveSession(c, new SessionId(row.ownerSession()));
      if (owner.isPresent()) {
        SessionRow o = owner.get();
        Observed dead = request.deadOwner();
        if (o.session().equals(request.claimant().value())) {
          return ClaimResult.rejected(current, "already owned by the claimant's session");
        }
        if (dead == null) {
          return ClaimResult.rejected(current, "owned by " + o.node() + " whose session " + o.session()
              + " is open; name it with its renewal counter once it has been unrenewed for a lease");
        }
        if (!dead.session().value().equals(o.session())) {
          return ClaimResult.rejected(current, "the named dead owner session " + dead.session()
              + " is not the owner's session " + o.session() + " of " + o.node());
        }
        if (dead.renewals() != o.renewals()) {
          return ClaimResult.rejected(current, "owner " + o.node() + " renewed its session since: "
              + o.renewals() + " renewals, not the named " + dead.renewals());
        }
        setSessionState(c, new SessionId(o.session()), SessionState.EXPIRED);
        log.warn("[group={} node={} session={}] session ended: {} claimed {} over it, unrenewed at {}"
            + " renewals", grp, o.node(), o.session(), claimant.get().node(), service, o.renewals());
      }
    }
    long epoch = row.epoch() + 1;
    try (PreparedStatement ps = c.prepareStatement("""
        INSERT INTO services (grp, name, epoch, owner_node, owner_session) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (grp, name) DO UPDATE SET epoch = excluded.epoch,
          owner_node = excluded.owner_node, owner_session = excluded.owner_session
        WHERE services.epoch = ?""")) {
      ps.setString(1, grp);
      ps.setString(2, service.value());
      ps.setLong(3, epoch);
      ps.setString(4, claimant.get().node());
      ps.setString(5, request.claimant().value());
      ps.setLong(6, row.epoch());
      if (ps.executeUpdate() != 1) {
        throw new IllegalStateException("compare-and-set on the epoch of " + service
            + " changed no row inside an immediate transaction");
      }
    }
    return ClaimResult.granted(new Ownership(service, epoch, NodeName.of(claimant.get().node()),
        request.claimant()));
  }

  @Override
  public boolean release(ServiceName service, SessionId session, long epoch) {
    Objects.requireNonNull(service, "service");
    Objects.requireNonNull(session, "session");
    return write("release " + service, c -> {
      try (PreparedStatement ps = c.prepareStatement("""
          UPDATE services SET owner_session = NULL
          WHERE grp = ? AND name = ? AND owner_session = ? AND epoch = ?""")) {
        ps.setString(1, grp);
        ps.setString(2, service.value());
        ps.setString(3, session.value());
        ps.setLong(4, epoch);
        if (ps.executeUpdate() == 0) {
          return false;
        }
      }
      bumpGeneration(c);
      return true;
    });
  }

  // ---------------------------------------------------------------- settings and events

  @Override
  public void putServiceSettings(ServiceName service, ServiceSettings settings) {
    Objects.requireNonNull(service, "service");
    Objects.requireNonNull(settings, "settings");
    write("put settings of service " + service, c -> {
      try (PreparedStatement ps = c.prepareStatement("""
          INSERT INTO service_settings (grp, service, ranking, disabled, move_to, move_epoch, paused_since,
            failback, failback_delay_ms)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
          ON CONFLICT (grp, service) DO UPDATE SET ranking = excluded.ranking,
            disabled = excluded.disabled, move_to = excluded.move_to, move_epoch = excluded.move_epoch,
            paused_since = excluded.paused_since, failback = excluded.failback,
            failback_delay_ms = excluded.failback_delay_ms""")) {
        ps.setString(1, grp);
        ps.setString(2, service.value());
        ps.setString(3, String.join(",", settings.ranking().stream().map(NodeName::value).toList()));
        ps.setInt(4, settings.disabled() ? 1 : 0);
        ServiceSettings.Move move = settings.move();
        ps.setString(5, move == null ? null : move.to().value());
        ps.setObject(6, move == null ? null : move.epoch());
        ps.setString(7, settings.pausedSince() == null ? null : settings.pausedSince().toString());
        ps.setString(8, settings.failback().word());
        ps.setObject(9, settings.failbackDelay() == null ? null : settings.failbackDelay().toMillis());
        ps.executeUpdate();
      }
      bumpGeneration(c);
      return null;
    });
  }

  @Override
  public void putNodeSettings(NodeName node, NodeSettings settings) {
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(settings, "settings");
    write("put settings of node " + node, c -> {
      try (PreparedStatement ps = c.prepareStatement("""
          INSERT INTO node_settings (grp, node, drained) VALUES (?, ?, ?)
          ON CONFLICT (grp, node) DO UPDATE SET drained = excluded.drained""")) {
        ps.setString(1, grp);
        ps.setString(2, node.value());
        ps.setInt(3, settings.drained() ? 1 : 0);
        ps.executeUpdate();
      }
      bumpGeneration(c);
      return null;
    });
  }

  @Override
  public void putDecision(NodeName node, ServiceName service, Decision decision) {
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(service, "service");
    Objects.requireNonNull(decision, "decision");
    if (decision.isNone()) {
      clearDecision(node, service);
      return;
    }
    write("put decision of node " + node + " on service " + service, c -> {
      try (PreparedStatement ps = c.prepareStatement("""
          INSERT INTO decisions (grp, node, service, banned_until, ban_reason, restarts, restarts_since, failed)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?)
          ON CONFLICT (grp, node, service) DO UPDATE SET banned_until = excluded.banned_until,
            ban_reason = excluded.ban_reason, restarts = excluded.restarts,
            restarts_since = excluded.restarts_since, failed = excluded.failed""")) {
        ps.setString(1, grp);
        ps.setString(2, node.value());
        ps.setString(3, service.value());
        ps.setString(4, decision.bannedUntil() == null ? null : decision.bannedUntil().toString());
        ps.setString(5, decision.banReason());
        ps.setInt(6, decision.restarts());
        ps.setString(7, decision.restartsSince() == null ? null : decision.restartsSince().toString());
        ps.setString(8, decision.failedDetail());
        ps.executeUpdate();
      }
      bumpGeneration(c);
      return null;
    });
  }

  @Override
  public void clearDecision(NodeName node, ServiceName service) {
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(service, "service");
    write("clear decision of node " + node + " on service " + service, c -> {
      try (PreparedStatement ps = c.prepareStatement(
          "DELETE FROM decisions WHERE grp = ? AND node = ? AND service = ?")) {
        ps.setString(1, grp);
        ps.setString(2, node.value());
        ps.setString(3, service.value());
        if (ps.executeUpdate() == 0) {
          return null;
        }
      }
      bumpGeneration(c);
      return null;
    });
  }

  @Override
  public long appendEvent(EventDraft event) {
    Objects.requireNonNull(event, "event");
    return write("append event " + event.type(), c -> {
      long seq = insertEvent(c, event);
      bumpGeneration(c, false);
      return seq;
    });
  }

  /** Appends the events in one transaction: one commit (and one fsync) for all of them. */
  @Override
  public List<Long> appendEvents(List<EventDraft> events) {
    events.forEach(e -> Objects.requireNonNull(e, "event"));
    if (events.isEmpty()) {
      return List.of();
    }
    return write("append " + events.size() + " events", c -> {
      List<Long> seqs = new ArrayList<>(events.size());
      for (EventDraft e : events) {
        seqs.add(insertEvent(c, e));
      }
      bumpGeneration(c, false);
      return seqs;
    });
  }

  private long insertEvent(Connection c, EventDraft event) throws SQLException {
    long seq = bumpCounter(c, "last_event_seq");
    try (PreparedStatement ps = c.prepareStatement("""
        INSERT INTO events (grp, seq, time, type, node, service, epoch, detail)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)""")) {
      ps.setString(1, grp);
      ps.setLong(2, seq);
      ps.setString(3, event.time().toString());
      ps.setString(4, event.type());
      ps.setString(5, event.node() == null ? null : event.node().value());
      ps.setString(6, event.service() == null ? null : event.service().value());
      if (event.epoch() == null) {
        ps.setNull(7, Types.INTEGER);
      } else {
        ps.setLong(7, event.epoch());
      }
      ps.setString(8, event.detail());
      ps.executeUpdate();
    }
    try (PreparedStatement ps = c.prepareStatement("DELETE FROM events WHERE grp = ? AND seq <= ?")) {
      ps.setString(1, grp);
      ps.setLong(2, seq - EVENTS_KEPT);
      ps.executeUpdate();
    }
    return seq;
  }

  @Override
  public List<Event> events(long afterSeq, int limit) {
    if (limit < 0) {
      throw new InvalidInputException("event limit " + limit + " is negative; expected 0 or more");
    }
    if (limit == 0) {
      return List.of();
    }
    return read("read events", c -> {
      List<Event> events = new ArrayList<>();
      try (PreparedStatement ps = c.prepareStatement("""
          SELECT seq, time, type, node, service, epoch, detail FROM events
          WHERE grp = ? AND seq > ? ORDER BY seq LIMIT ?""")) {
        ps.setString(1, grp);
        ps.setLong(2, afterSeq);
        ps.setInt(3, limit);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            long seq = rs.getLong(1);
            try {
              String node = rs.getString(4);
              String service = rs.getString(5);
              long epoch = rs.getLong(6);
              Long epochOrNull = rs.wasNull() ? null : epoch;
              events.add(new Event(seq, Instant.parse(rs.getString(2)), rs.getString(3),
                  node == null ? null : NodeName.of(node), service == null ? null : ServiceName.of(service),
                  epochOrNull, rs.getString(7)));
            } catch (InvalidInputException | DateTimeParseException | NullPointerException e) {
              warnSkipped("events", "seq " + seq, e);
            }
          }
        }
      }
      return events;
    });
  }

  // ---------------------------------------------------------------- snapshot

  /**
   * Everything a snapshot reads but the nodes, as of one value of {@code groups.changes}: the same
   * value means the same rows, since every write to them counts a change in its transaction.
   */
  private record Shared(long changes, Map<String, Map<ServiceName, ProviderStatus>> providers,
      Map<ServiceName, Ownership> ownerships, GroupSettings settings,
      Map<NodeName, Map<ServiceName, Decision>> decisions) {}

  private volatile Shared shared;

  /**
   * Reads the group in one read transaction. The node rows (renewal counters) are read every
   * time; provider states, ownerships and settings only when the group's change counter moved
   * since this store last read them, and then only what was written since: the provider rows of
   * the nodes that published since, the ownerships written since, and the settings (few). So a
   * snapshot costs rows in proportion to the nodes and to what changed, not to the services.
   */
  @Override
  public Snapshot snapshot() {
    return read("snapshot", c -> {
      long changes;
      try (PreparedStatement ps = c.prepareStatement("SELECT changes FROM groups WHERE grp = ?")) {
        ps.setString(1, grp);
        try (ResultSet rs = ps.executeQuery()) {
          changes = rs.next() ? rs.getLong(1) : 0;
        }
      }
      Shared cached = shared;
      if (cached == null || changes < cached.changes()) {
        cached = new Shared(changes, readProviders(c), readOwnerships(c), readSettings(c), readDecisions(c));
        shared = cached;
      } else if (cached.changes() != changes) {
        cached = new Shared(changes, readProvidersSince(c, cached), readOwnershipsSince(c, cached), readSettings(c),
            readDecisions(c));
        shared = cached;
      }
      Map<String, Map<ServiceName, ProviderStatus>> providers = cached.providers();
      List<NodeRecord> nodes = readNodes(c, providers);
      return new Snapshot(nodes, cached.ownerships(), cached.settings(), cached.decisions());
    });
  }

  private Map<String, Map<ServiceName, ProviderStatus>> readProviders(Connection c) throws SQLException {
    Map<String, Map<ServiceName, ProviderStatus>> providers = new HashMap<>();
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT node, service, state, reason, default_rank, endpoint FROM providers WHERE grp = ?")) {
      ps.setString(1, grp);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          String node = rs.getString(1);
          String service = rs.getString(2);
          try {
            providers.computeIfAbsent(node, n -> new HashMap<>()).put(ServiceName.of(service),
                new ProviderStatus(ProviderState.fromWireName(rs.getString(3)), rs.getString(4), rank(rs, 5), rs.getString(6)));
          } catch (InvalidInputException | IllegalArgumentException | NullPointerException e) {
            warnSkipped("providers", "node " + node + " service " + service, e);
          }
        }
      }
    }
    // Immutable, so that every snapshot of the same value shares them (NodeRecord copies no further).
    providers.replaceAll((node, map) -> Map.copyOf(map));
    return providers;
  }

  /**
   * A provider's default rank, or null when it has none; a value below 1 (not one this version
   * writes) reads as none.
   */
  private static Integer rank(ResultSet rs, int column) throws SQLException {
    long rank = rs.getLong(column);
    return rs.wasNull() || rank < 1 || rank > Integer.MAX_VALUE ? null : (int) rank;
  }

  /** The cached provider states with those of every node that published since replaced. */
  private Map<String, Map<ServiceName, ProviderStatus>> readProvidersSince(Connection c, Shared cached)
      throws SQLException {
    Map<String, Map<ServiceName, ProviderStatus>> providers = new HashMap<>(cached.providers());
    List<String> published = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement("SELECT name FROM nodes WHERE grp = ? AND providers_version > ?")) {
      ps.setString(1, grp);
      ps.setLong(2, cached.changes());
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          published.add(rs.getString(1));
        }
      }
    }
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT service, state, reason, default_rank, endpoint FROM providers WHERE grp = ? AND node = ?")) {
      for (String node : published) {
        Map<ServiceName, ProviderStatus> states = new HashMap<>();
        ps.setString(1, grp);
        ps.setString(2, node);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            String service = rs.getString(1);
            try {
              states.put(ServiceName.of(service), new ProviderStatus(ProviderState.fromWireName(rs.getString(2)),
                  rs.getString(3), rank(rs, 4), rs.getString(5)));
            } catch (InvalidInputException | IllegalArgumentException | NullPointerException e) {
              warnSkipped("providers", "node " + node + " service " + service, e);
            }
          }
        }
        providers.put(node, Map.copyOf(states));
      }
    }
    return providers;
  }

  /** The cached ownerships with those written since updated (service rows are never deleted). */
  private Map<ServiceName, Ownership> readOwnershipsSince(Connection c, Shared cached) throws SQLException {
    Map<ServiceName, Ownership> ownerships = new HashMap<>(cached.ownerships());
    readOwnershipRows(c, "SELECT name, epoch, owner_node, owner_session FROM services WHERE grp = ? AND version > ?",
        cached.changes(), ownerships);
    return Map.copyOf(ownerships);
  }

  private List<NodeRecord> readNodes(Connection c, Map<String, Map<ServiceName, ProviderStatus>> providers)
      throws SQLException {
    List<NodeRecord> nodes = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement("""
        SELECT name, location, api, session, renewals, state, heartbeat_ms, lease_ms, version, renewed_boot, renewed_nanos
        FROM nodes WHERE grp = ? ORDER BY name""")) {
      ps.setString(1, grp);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          String name = rs.getString(1);
          try {
            NodeInfo info = new NodeInfo(NodeName.of(name), Location.parse(rs.getString(2)), rs.getString(3),
                rs.getString(9));
            nodes.add(new NodeRecord(info, new SessionId(rs.getString(4)), rs.getLong(5),
                SessionState.valueOf(rs.getString(6)), providers.getOrDefault(name, Map.of()),
                millisOrNull(rs, 7), millisOrNull(rs, 8), stampOrNull(rs, 10, 11)));
          } catch (InvalidInputException | IllegalArgumentException | NullPointerException e) {
            warnSkipped("nodes", "node " + name, e);
          }
        }
      }
    }
    return nodes;
  }

  /** The renewal stamp in columns {@code boot} and {@code nanos}, or null when there is none. */
  private static RenewalStamp stampOrNull(ResultSet rs, int boot, int nanos) throws SQLException {
    String b = rs.getString(boot);
    long n = rs.getLong(nanos);
    return b == null || rs.wasNull() ? null : new RenewalStamp(b, n);
  }

  private Map<ServiceName, Ownership> readOwnerships(Connection c) throws SQLException {
    Map<ServiceName, Ownership> ownerships = new HashMap<>();
    readOwnershipRows(c, "SELECT name, epoch, owner_node, owner_session FROM services WHERE grp = ? AND version >= ?",
        0, ownerships);
    return Map.copyOf(ownerships);
  }

  private void readOwnershipRows(Connection c, String query, long since, Map<ServiceName, Ownership> into)
      throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(query)) {
      ps.setString(1, grp);
      ps.setLong(2, since);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          String name = rs.getString(1);
          try {
            ServiceRow row = new ServiceRow(rs.getLong(2), rs.getString(3), rs.getString(4));
            ServiceName service = ServiceName.of(name);
            into.put(service, row.ownership(service));
          } catch (InvalidInputException e) {
            warnSkipped("services", "service " + name, e);
          }
        }
      }
    }
  }

  private GroupSettings readSettings(Connection c) throws SQLException {
    Map<ServiceName, ServiceSettings> services = new HashMap<>();
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT service, ranking, disabled, move_to, move_epoch, paused_since, failback, failback_delay_ms"
            + " FROM service_settings WHERE grp = ?")) {
      ps.setString(1, grp);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          String name = rs.getString(1);
          try {
            String ranking = rs.getString(2);
            List<NodeName> nodes = ranking.isEmpty() ? List.of()
                : List.of(ranking.split(",", -1)).stream().map(NodeName::of).toList();
            String moveTo = rs.getString(4);
            ServiceSettings.Move move = moveTo == null ? null : new ServiceSettings.Move(NodeName.of(moveTo), rs.getLong(5));
            String paused = rs.getString(6);
            String failback = rs.getString(7);
            Duration failbackDelay = millisOrNull(rs, 8);
            services.put(ServiceName.of(name), new ServiceSettings(nodes, rs.getInt(3) != 0, move,
                paused == null ? null : Instant.parse(paused), ServiceSettings.Failback.stored(failback), failbackDelay));
          } catch (InvalidInputException | IllegalArgumentException | NullPointerException
              | DateTimeParseException e) {
            warnSkipped("service_settings", "service " + name, e);
          }
        }
      }
    }
    Map<NodeName, NodeSettings> nodes = new HashMap<>();
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT node, drained FROM node_settings WHERE grp = ?")) {
      ps.setString(1, grp);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          String name = rs.getString(1);
          try {
            nodes.put(NodeName.of(name), new NodeSettings(rs.getInt(2) != 0));
          } catch (InvalidInputException e) {
            warnSkipped("node_settings", "node " + name, e);
          }
        }
      }
    }
    return new GroupSettings(services, nodes);
  }

  /** Every decision of the group (few: one per banned, restarting or failed provider). */
  private Map<NodeName, Map<ServiceName, Decision>> readDecisions(Connection c) throws SQLException {
    Map<NodeName, Map<ServiceName, Decision>> decisions = new HashMap<>();
    try (PreparedStatement ps = c.prepareStatement("""
        SELECT node, service, banned_until, ban_reason, restarts, restarts_since, failed
        FROM decisions WHERE grp = ?""")) {
      ps.setString(1, grp);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          String node = rs.getString(1);
          String service = rs.getString(2);
          try {
            Decision d = new Decision(instantOrNull(rs.getString(3)), rs.getString(4), rs.getInt(5),
                instantOrNull(rs.getString(6)), rs.getString(7));
            decisions.computeIfAbsent(NodeName.of(node), n -> new HashMap<>()).put(ServiceName.of(service), d);
          } catch (InvalidInputException | IllegalArgumentException | DateTimeParseException e) {
            warnSkipped("decisions", "node " + node + " service " + service, e);
          }
        }
      }
    }
    return decisions;
  }

  private static Instant instantOrNull(String text) {
    return text == null ? null : Instant.parse(text);
  }

  /** Logs once per row that a row this version cannot read is left out. */
  /** A column of milliseconds as a duration; null when the column is (a row of an older version). */
  private static Duration millisOrNull(ResultSet rs, int column) throws SQLException {
    long millis = rs.getLong(column);
    return rs.wasNull() ? null : Duration.ofMillis(millis);
  }

  private void warnSkipped(String table, String row, RuntimeException e) {
    if (warnedRows.add(table + "/" + row)) {
      log.warn("[group={}] skipping {} row {} of SQLite store {}: {} (written by another Baton version?)",
          grp, table, row, path, e.getMessage());
    }
  }

  // ---------------------------------------------------------------- watch

  @Override
  public AutoCloseable watch(Runnable listener) {
    Objects.requireNonNull(listener, "listener");
    Watcher watcher = new Watcher(listener, read("start watch", this::generation));
    watchers.add(watcher);
    synchronized (watchThreadLock) {
      if (closed.get()) {
        watchers.remove(watcher);
        throw closedException();
      }
      if (watchThread == null) {
        String name = "baton-sqlite-watch-" + grp;
        watchThread = Executors.newSingleThreadScheduledExecutor(r -> {
          Thread t = new Thread(r, name);
          t.setDaemon(true);
          return t;
        });
        watchThread.scheduleWithFixedDelay(this::poll, WATCH_INTERVAL.toMillis(),
            WATCH_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
      }
    }
    return () -> {
      watcher.active = false;
      watchers.remove(watcher);
    };
  }

  /** One look at the generation counter; calls each listener that has not seen it yet. */
  private void poll() {
    if (watchers.isEmpty() || closed.get()) {
      return;
    }
    long generation;
    try {
      generation = read("watch poll", this::generation);
    } catch (RuntimeException e) {
      if (closed.get()) {
        return;
      }
      if (!pollFailing) {
        log.warn("[group={}] watch cannot read SQLite store {}: {}; retrying every {}ms", grp, path,
            e.getMessage(), WATCH_INTERVAL.toMillis());
      }
      pollFailing = true;
      return;
    }
    if (pollFailing) {
      log.info("[group={}] watch reads SQLite store {} again", grp, path);
      pollFailing = false;
    }
    for (Watcher watcher : watchers) {
      if (watcher.active && watcher.seen != generation) {
        watcher.seen = generation;
        try {
          watcher.listener.run();
        } catch (RuntimeException e) {
          log.warn("[group={}] watch listener {} failed", grp, watcher.listener, e);
        }
      }
    }
  }

  private long generation(Connection c) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT generation FROM groups WHERE grp = ?")) {
      ps.setString(1, grp);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? rs.getLong(1) : 0;
      }
    }
  }

  private static final class Watcher {
    final Runnable listener;
    volatile long seen;
    volatile boolean active = true;

    Watcher(Runnable listener, long seen) {
      this.listener = listener;
      this.seen = seen;
    }
  }

  // ---------------------------------------------------------------- identity

  @Override
  public Optional<String> identity() {
    return read("read the group's identity", this::identity);
  }

  @Override
  public String createIdentity() {
    return write("create the group's identity", c -> {
      Optional<String> known = identity(c);
      if (known.isPresent()) {
        return known.get();
      }
      String id = UUID.randomUUID().toString();
      try (PreparedStatement ps = c.prepareStatement(
          "INSERT INTO group_identity (grp, identity, created_at) VALUES (?, ?, ?)")) {
        ps.setString(1, grp);
        ps.setString(2, id);
        ps.setString(3, Instant.now().toString());
        ps.executeUpdate();
      }
      return id;
    });
  }

  private Optional<String> identity(Connection c) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT identity FROM group_identity WHERE grp = ?")) {
      ps.setString(1, grp);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
      }
    }
  }

  // ---------------------------------------------------------------- close

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    synchronized (watchThreadLock) {
      if (watchThread != null) {
        watchThread.shutdownNow();
        try {
          if (!watchThread.awaitTermination(callTimeout.toMillis() * 2, TimeUnit.MILLISECONDS)) {
            log.warn("[group={}] watch thread of SQLite store {} did not stop in time", grp, path);
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
    watchers.clear();
    boolean locked = false;
    try {
      locked = lock.tryLock(callTimeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      closeConnection();
    } finally {
      if (locked) {
        lock.unlock();
      }
    }
  }

  private void closeConnection() {
    try {
      connection.close();
    } catch (SQLException e) {
      log.warn("[group={}] closing SQLite store {} failed: {}", grp, path, e.getMessage());
    }
  }

  // ---------------------------------------------------------------- transactions

  @FunctionalInterface
  private interface Work<T> {
    T run(Connection c) throws SQLException;
  }

  /** Runs {@code work} in one {@code BEGIN IMMEDIATE} transaction: no other writer interleaves. */
  private <T> T write(String what, Work<T> work) {
    return transaction(what, "BEGIN IMMEDIATE", work);
  }

  /** Runs {@code work} in one read transaction: every query sees the same state. */
  private <T> T read(String what, Work<T> work) {
    return transaction(what, "BEGIN DEFERRED", work);
  }

  private <T> T transaction(String what, String begin, Work<T> work) {
    long deadline = System.nanoTime() + callTimeout.toNanos();
    try {
      if (!lock.tryLock(callTimeout.toNanos(), TimeUnit.NANOSECONDS)) {
        throw new StoreException("[group=" + grp + "] " + what + " failed: another call on this store"
            + " held it for the whole call timeout of " + callTimeout.toMillis() + "ms (SQLite store "
            + path + ")");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreException("[group=" + grp + "] " + what + " interrupted", e);
    }
    try {
      if (closed.get() || connection.isClosed()) {
        throw closedException();
      }
      setBusyTimeout(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
      try (Statement st = connection.createStatement()) {
        st.execute(begin);
      }
      boolean committed = false;
      try {
        T result = work.run(connection);
        try (Statement st = connection.createStatement()) {
          st.execute("COMMIT");
        }
        committed = true;
        return result;
      } finally {
        if (!committed) {
          rollbackQuietly();
        }
      }
    } catch (SQLException e) {
      throw translate(group, path, callTimeout, what, e);
    } finally {
      lock.unlock();
    }
  }

  private void setBusyTimeout(long millis) throws SQLException {
    connection.setBusyTimeout((int) Math.min(Integer.MAX_VALUE, millis));
  }

  private void rollbackQuietly() {
    try {
      try (Statement st = connection.createStatement()) {
        st.execute("ROLLBACK");
      }
    } catch (SQLException e) {
      // No transaction was open (BEGIN or COMMIT failed before or after it): nothing to undo.
      log.debug("[group={}] rollback on SQLite store {}: {}", grp, path, e.getMessage());
    }
  }

  private StoreException closedException() {
    return new StoreException("[group=" + grp + "] the SQLite store " + path + " is closed");
  }

  /** A {@link StoreException} that names the file, what went wrong and the likely fix. */
  static StoreException translate(GroupName group, Path path, Duration callTimeout, String what,
      SQLException e) {
    String prefix = "[group=" + group + "] " + what + " failed on SQLite store " + path + ": ";
    SQLiteErrorCode code = e instanceof SQLiteException se ? se.getResultCode() : null;
    int primary = code == null ? -1 : code.code & 0xff;
    String message;
    if (primary == SQLiteErrorCode.SQLITE_BUSY.code || primary == SQLiteErrorCode.SQLITE_LOCKED.code) {
      message = prefix + "the database stayed locked by another connection for the whole call timeout of "
          + callTimeout.toMillis() + "ms; another process holds a long transaction on it (a sqlite3 shell,"
          + " a backup tool?)";
    } else if (primary == SQLiteErrorCode.SQLITE_NOTADB.code) {
      message = prefix + "the file is not a SQLite database; point the store URL at a Baton database file,"
          + " or at a path where a new one can be created";
    } else if (primary == SQLiteErrorCode.SQLITE_CORRUPT.code) {
      message = prefix + "the database file is corrupt; restore it from a backup or start a new file";
    } else if (primary == SQLiteErrorCode.SQLITE_CANTOPEN.code || primary == SQLiteErrorCode.SQLITE_PERM.code
        || primary == SQLiteErrorCode.SQLITE_READONLY.code) {
      message = prefix + "the file (or its -wal and -shm files beside it) cannot be opened for reading and"
          + " writing; give the agent's user read and write access to it and its directory";
    } else if (primary == SQLiteErrorCode.SQLITE_FULL.code) {
      message = prefix + "the disk is full; free space on the file system of " + path;
    } else if (primary == SQLiteErrorCode.SQLITE_IOERR.code) {
      message = prefix + "input/output error (" + e.getMessage() + "); check the disk and file system";
    } else {
      message = prefix + e.getMessage();
    }
    return new StoreException(message, e);
  }

  // ---------------------------------------------------------------- rows

  /** A node's latest session as its row holds it. */
  private record SessionRow(String node, String session, long renewals, SessionState state) {}

  private record ServiceRow(long epoch, String ownerNode, String ownerSession) {
    Ownership ownership(ServiceName service) {
      return new Ownership(service, epoch, ownerNode == null ? null : NodeName.of(ownerNode),
          ownerSession == null ? null : new SessionId(ownerSession));
    }
  }

  private Optional<SessionRow> sessionOfNode(Connection c, String node) throws SQLException {
    return sessionWhere(c, "name = ?", node);
  }

  private Optional<SessionRow> sessionBySessionId(Connection c, SessionId session) throws SQLException {
    return sessionWhere(c, "session = ?", session.value());
  }

  /** The session if it is its node's current session and open. */
  private Optional<SessionRow> liveSession(Connection c, SessionId session) throws SQLException {
    return sessionBySessionId(c, session).filter(r -> r.state() == SessionState.LIVE);
  }

  private Optional<SessionRow> sessionWhere(Connection c, String condition, String value) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT name, session, renewals, state FROM nodes WHERE grp = ? AND " + condition)) {
      ps.setString(1, grp);
      ps.setString(2, value);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return Optional.empty();
        }
        SessionState state;
        try {
          state = SessionState.valueOf(rs.getString(4));
        } catch (IllegalArgumentException | NullPointerException e) {
          warnSkipped("nodes", "node " + rs.getString(1), e);
          state = SessionState.CLOSED;
        }
        return Optional.of(new SessionRow(rs.getString(1), rs.getString(2), rs.getLong(3), state));
      }
    }
  }

  private void setSessionState(Connection c, SessionId session, SessionState state) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(
        "UPDATE nodes SET state = ? WHERE grp = ? AND session = ?")) {
      ps.setString(1, state.name());
      ps.setString(2, grp);
      ps.setString(3, session.value());
      ps.executeUpdate();
    }
  }

  private ServiceRow serviceRow(Connection c, String service) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT epoch, owner_node, owner_session FROM services WHERE grp = ? AND name = ?")) {
      ps.setString(1, grp);
      ps.setString(2, service);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? new ServiceRow(rs.getLong(1), rs.getString(2), rs.getString(3))
            : new ServiceRow(0, null, null);
      }
    }
  }

  /** Makes sure the group has its row, raises one of its counters and returns the new value. */
  private long bumpCounter(Connection c, String column) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("INSERT INTO groups (grp, " + column + ") VALUES (?, 1)"
        + " ON CONFLICT (grp) DO UPDATE SET " + column + " = " + column + " + 1")) {
      ps.setString(1, grp);
      ps.executeUpdate();
    }
    try (PreparedStatement ps = c.prepareStatement("SELECT " + column + " FROM groups WHERE grp = ?")) {
      ps.setString(1, grp);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  /**
   * Tells watchers, through the generation counter, that something other than a renewal changed,
   * and counts it in {@code changes} (what {@link #snapshot()} caches by).
   */
  private void bumpGeneration(Connection c) throws SQLException {
    bumpGeneration(c, true);
  }

  /** @param change false for a write a snapshot does not read (an event): only the watchers hear of it */
  private void bumpGeneration(Connection c, boolean change) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("INSERT INTO groups (grp, generation, changes) VALUES (?, 1, ?)"
        + " ON CONFLICT (grp) DO UPDATE SET generation = generation + 1, changes = changes + excluded.changes")) {
      ps.setString(1, grp);
      ps.setInt(2, change ? 1 : 0);
      ps.executeUpdate();
    }
  }

  @Override
  public String toString() {
    return "SqliteStore[group=" + grp + " path=" + path + "]";
  }
}
