package dev.baton.store.postgresql;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
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
import dev.baton.core.store.ServiceSettings;
import dev.baton.core.store.SessionId;
import dev.baton.core.store.SessionLostException;
import dev.baton.core.store.SessionState;
import dev.baton.core.store.Snapshot;
import dev.baton.core.store.Store;
import dev.baton.core.store.StoreException;
import dev.baton.core.store.StoreOptions;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.postgresql.ds.PGSimpleDataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store on a PostgreSQL database. Every decision about time is made by the database clock
 * ({@code clock_timestamp()}), so it judges leases: a session whose {@code expires_at} is past
 * reads {@link SessionState#EXPIRED} and cannot be renewed. Claims and session changes are short
 * transactions that lock the rows they decide on (the service row first, then node rows in name
 * order), and the grant itself is a conditional update on the epoch, so two grants per epoch are
 * impossible under any isolation level.
 *
 * <p>Each call takes a pooled connection within the call timeout and then runs with a socket
 * timeout of what is left of it; the server also aborts statements and lock waits after the call
 * timeout. A call that fails this way throws {@link StoreException}; the pool replaces broken
 * connections, so the store works again once the database is back. Every write other than a
 * renewal sends a NOTIFY on the group's channel inside its transaction ({@link ChangeNotifications}).
 *
 * <p>This class is threadsafe.
 */
final class PostgresStore implements Store {
  /** Events kept per group; older ones are deleted every {@link #EVENT_PRUNE_EVERY} appends. */
  static final long EVENT_RETENTION = 10_000;
  static final long EVENT_PRUNE_EVERY = 100;

  private static final Logger log = LoggerFactory.getLogger(PostgresStore.class);
  private static final Executor SAME_THREAD = Runnable::run;
  private static final String HISTORY_TABLE = "baton_schema_history";

  private final GroupName group;
  private final String who;
  private final String channel;
  private final long leaseMillis;
  private final long heartbeatMillis;
  private final Duration callTimeout;
  private final HikariDataSource pool;
  private final ServerIdentity identity;
  private final ChangeNotifications notifications;
  /** What the last full read saw; replaced, never changed. */
  private volatile Shared shared;

  private PostgresStore(StoreOptions options, HikariDataSource pool, ServerIdentity identity,
      ChangeNotifications.Connector listenConnector) {
    this.group = options.group();
    this.who = "[group=" + group + "]";
    this.channel = channel(group);
    this.leaseMillis = options.lease().toMillis();
    this.heartbeatMillis = options.heartbeat().toMillis();
    this.callTimeout = options.callTimeout();
    this.pool = pool;
    this.identity = identity;
    this.notifications = new ChangeNotifications(listenConnector, channel, who, callTimeout);
  }

  /** Runs the migrations (waiting for another agent that runs them), then opens the pool. */
  static PostgresStore open(PostgresUrl url, String password, StoreOptions options) {
    if (options.lease().isNegative() || options.lease().isZero()) {
      throw new InvalidInputException("lease " + options.lease() + " must be positive");
    }
    if (options.callTimeout().toMillis() < 100) {
      throw new InvalidInputException("store call timeout " + options.callTimeout() + " must be at least 100ms");
    }
    String who = "[group=" + options.group() + " store=" + url + "]";
    migrate(url, password, options, who);

    // Every connection for calls is checked to be on the server whose history this database's epochs
    // belong to; the first one records that server at the database's first open, or refuses another.
    ServerIdentity identity = new ServerIdentity(who);
    ServerIdentity.CheckedDataSource dataSource = new ServerIdentity.CheckedDataSource(identity);
    configure(dataSource, url, password, options, true, who);

    long callMillis = options.callTimeout().toMillis();
    HikariConfig config = new HikariConfig();
    config.setPoolName("baton-pg-" + options.group());
    config.setDataSource(dataSource);
    config.setMaximumPoolSize(4);
    config.setMinimumIdle(1);
    config.setAutoCommit(false);
    config.setTransactionIsolation("TRANSACTION_READ_COMMITTED");
    // Taking a connection may include validating an idle one: both together stay within the call
    // timeout (Hikari's floor is 250 ms each).
    long validationMillis = Math.max(250, callMillis / 4);
    config.setValidationTimeout(validationMillis);
    config.setConnectionTimeout(Math.max(250, callMillis - validationMillis));
    // One attempt at a first connection while opening, kept in the pool (the first calls need not wait
    // for one); when it fails for another reason than a refusal, the pool starts anyway and retries.
    config.setInitializationFailTimeout(0);
    HikariDataSource pool = new HikariDataSource(config);
    if (identity.refusal() != null) {
      pool.close();
      throw new StoreException(who + " " + identity.refusal());
    }
    log.info("{} opened (lease {} ms, call timeout {} ms)", who, options.lease().toMillis(), callMillis);
    return new PostgresStore(options, pool, identity, dataSource::getConnection);
  }

  /** Points {@code dataSource} at the URL's server with the connection properties. */
  private static void configure(PGSimpleDataSource dataSource, PostgresUrl url, String password, StoreOptions options,
      boolean forCalls, String who) {
    dataSource.setURL(url.jdbcUrl());
    try {
      for (Map.Entry<Object, Object> e : properties(url, password, options, forCalls).entrySet()) {
        dataSource.setProperty((String) e.getKey(), (String) e.getValue());
      }
    } catch (SQLException e) {
      throw new InvalidInputException(who + " has a parameter the PostgreSQL driver does not know: " + e.getMessage());
    }
  }

  private static void migrate(PostgresUrl url, String password, StoreOptions options, String who) {
    PGSimpleDataSource dataSource = new PGSimpleDataSource();
    configure(dataSource, url, password, options, false, who);
    try {
      Flyway.configure(PostgresStore.class.getClassLoader())
          .dataSource(dataSource)
          .table(HISTORY_TABLE)
          .locations("classpath:dev/baton/store/postgresql/migration")
          .load()
          .migrate();
    } catch (FlywayException e) {
      throw new StoreException(who + " cannot prepare the schema: " + rootMessage(e), e);
    }
  }

  /**
   * Connection properties. Calls get the call timeout as server-side statement and lock
   * timeouts; migrations get none (another agent may hold the migration lock for a while).
   */
  private static Properties properties(PostgresUrl url, String password, StoreOptions options, boolean forCalls) {
    Properties p = new Properties();
    p.putAll(url.params());
    p.setProperty("user", url.user());
    if (password != null) {
      p.setProperty("password", password);
    }
    long callMillis = options.callTimeout().toMillis();
    String seconds = Long.toString(Math.max(1, (callMillis + 999) / 1000));
    p.setProperty("connectTimeout", seconds);
    p.setProperty("loginTimeout", seconds);
    p.setProperty("socketTimeout", forCalls ? seconds : "60");
    p.setProperty("tcpKeepAlive", "true");
    p.setProperty("ApplicationName", "baton " + options.group());
    if (forCalls) {
      String ours = "-c statement_timeout=" + callMillis + " -c lock_timeout=" + callMillis
          + " -c idle_in_transaction_session_timeout=" + Math.max(1_000, 2 * callMillis);
      String theirs = url.params().get("options");
      p.setProperty("options", theirs == null ? ours : ours + " " + theirs);
    }
    return p;
  }

  /** The NOTIFY channel of a group: readable when it fits PostgreSQL's 63-byte names, else hashed. */
  static String channel(GroupName group) {
    String readable = "baton." + group.value();
    if (readable.length() <= 63) {
      return readable;
    }
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(group.value().getBytes(StandardCharsets.UTF_8));
      return "baton." + group.value().substring(0, 40) + "." + HexFormat.of().formatHex(digest, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public boolean judgesLeases() {
    return true;
  }

  // ---------------------------------------------------------------- sessions

  @Override
  public SessionId openSession(NodeInfo node, Map<ServiceName, ProviderStatus> providers, Observed replacing) {
    String name = node.name().value();
    String session = UUID.randomUUID().toString();
    return call("[node=" + name + "] open session", c -> {
      NodeRow current = lockNode(c, name);
      if (current == null) {
        try (PreparedStatement ps = c.prepareStatement(
            "INSERT INTO server_registry (group_name, node, api, location, session, renewals, opened_at,"
                + " last_heartbeat, expires_at, state, heartbeat_ms, lease_ms, version)"
                + " VALUES (?, ?, ?, ?, ?, 0, clock_timestamp(), clock_timestamp(),"
                + " clock_timestamp() + ? * interval '1 millisecond', 'open', ?, ?, ?)"
                + " ON CONFLICT (group_name, node) DO NOTHING")) {
          ps.setString(1, group.value());
          ps.setString(2, name);
          ps.setString(3, node.api());
          ps.setString(4, node.location().toString());
          ps.setString(5, session);
          ps.setLong(6, leaseMillis);
          ps.setLong(7, heartbeatMillis);
          ps.setLong(8, leaseMillis);
          ps.setString(9, node.version());
          if (ps.executeUpdate() == 0) {
            current = lockNode(c, name); // another agent inserted it first; judge its session
          }
        }
      }
      if (current != null) {
        boolean free = !current.state.equals("open") || current.lapsed
            || (replacing != null && replacing.session().value().equals(current.session)
                && replacing.renewals() == current.renewals);
        if (!free) {
          throw new ConflictException(who + " [node=" + name + "] another agent holds open session "
              + current.session + " of this node (renewed " + current.renewals + " times, lease ends in "
              + seconds(current.remainingMillis) + " by the database clock); stop that agent, give this one"
              + " another name, or wait for that lease to pass");
        }
        try (PreparedStatement ps = c.prepareStatement(
            "UPDATE server_registry SET api = ?, location = ?, session = ?, renewals = 0,"
                + " opened_at = clock_timestamp(), last_heartbeat = clock_timestamp(),"
                + " expires_at = clock_timestamp() + ? * interval '1 millisecond', state = 'open', ended_at = NULL"
                + " WHERE group_name = ? AND node = ?")) {
          ps.setString(1, node.api());
          ps.setString(2, node.location().toString());
          ps.setString(3, session);
          ps.setLong(4, leaseMillis);
          ps.setString(5, group.value());
          ps.setString(6, name);
          ps.executeUpdate();
        }
        // The new session's timing, in a statement of its own: the change of session cleared the
        // previous session's (a trigger, so that an older agent's session never shows it).
        try (PreparedStatement ps = c.prepareStatement(
            "UPDATE server_registry SET heartbeat_ms = ?, lease_ms = ?, version = ? WHERE group_name = ? AND node = ?")) {
          ps.setLong(1, heartbeatMillis);
          ps.setLong(2, leaseMillis);
          ps.setString(3, node.version());
          ps.setString(4, group.value());
          ps.setString(5, name);
          ps.executeUpdate();
        }
        log.debug("{} [node={}] session {} replaces {} ({})", who, name, session, current.session,
            current.lapsed ? "lease passed" : current.state);
      }
      writeProviders(c, name, providers);
      notifyChange(c, "session");
      return new SessionId(session);
    });
  }

  @Override
  public long renew(SessionId session) {
    Renewal result = call("renew session " + session, c -> {
      try (PreparedStatement ps = c.prepareStatement(
          "UPDATE server_registry SET renewals = renewals + 1, last_heartbeat = clock_timestamp(),"
              + " expires_at = clock_timestamp() + ? * interval '1 millisecond'"
              + " WHERE group_name = ? AND session = ? AND state = 'open' AND expires_at > clock_timestamp()"
              + " RETURNING renewals")) {
        ps.setLong(1, leaseMillis);
        ps.setString(2, group.value());
        ps.setString(3, session.value());
        try (ResultSet rs = ps.executeQuery()) {
          if (rs.next()) {
            return new Renewal(rs.getLong(1), null);
          }
        }
      }
      // Lost. A lease that passed by the database clock is made final, so that the session stays
      // dead even if that clock later steps back.
      boolean ended = false;
      try (PreparedStatement ps = c.prepareStatement(
          "UPDATE server_registry SET state = 'expired', ended_at = clock_timestamp()"
              + " WHERE group_name = ? AND session = ? AND state = 'open' AND expires_at <= clock_timestamp()")) {
        ps.setString(1, group.value());
        ps.setString(2, session.value());
        ended = ps.executeUpdate() > 0;
      }
      if (ended) {
        notifyChange(c, "expired");
      }
      return new Renewal(-1, lostReason(c, session, ended));
    });
    if (result.lost != null) {
      throw new SessionLostException(result.lost);
    }
    return result.renewals;
  }

  private record Renewal(long renewals, String lost) {}

  private String lostReason(Connection c, SessionId session, boolean justExpired) throws SQLException {
    if (justExpired) {
      return who + " session " + session + " is lost: its lease passed by the database clock before this renewal";
    }
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT node, state FROM server_registry WHERE group_name = ? AND session = ?")) {
      ps.setString(1, group.value());
      ps.setString(2, session.value());
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return who + " session " + session + " is lost: it was replaced by a newer session, or never existed";
        }
        String state = rs.getString(2);
        return who + " [node=" + rs.getString(1) + "] session " + session + " is lost: it is "
            + (state.equals("closed") ? "closed" : "expired (its lease passed, or another node's claim ended it)");
      }
    }
  }

  @Override
  public void closeSession(SessionId session) {
    call("close session " + session, c -> {
      // Lock order as in claim(): service rows first, then the node row.
      try (PreparedStatement ps = c.prepareStatement(
          "SELECT service FROM service_status WHERE group_name = ? AND session = ? ORDER BY service FOR UPDATE")) {
        ps.setString(1, group.value());
        ps.setString(2, session.value());
        ps.executeQuery().close();
      }
      String node = null;
      try (PreparedStatement ps = c.prepareStatement(
          "UPDATE server_registry SET state = 'closed', ended_at = clock_timestamp()"
              + " WHERE group_name = ? AND session = ? AND state = 'open' AND expires_at > clock_timestamp()"
              + " RETURNING node")) {
        ps.setString(1, group.value());
        ps.setString(2, session.value());
        try (ResultSet rs = ps.executeQuery()) {
          if (rs.next()) {
            node = rs.getString(1);
          }
        }
      }
      if (node == null) {
        return null; // already closed, replaced, or lost
      }
      int released;
      try (PreparedStatement ps = c.prepareStatement(
          "UPDATE service_status SET session = NULL, since = clock_timestamp() WHERE group_name = ? AND session = ?")) {
        ps.setString(1, group.value());
        ps.setString(2, session.value());
        released = ps.executeUpdate();
      }
      notifyChange(c, "session");
      log.debug("{} [node={}] session {} closed, {} services released", who, node, session, released);
      return null;
    });
  }

  @Override
  public void publishProviders(SessionId session, Map<ServiceName, ProviderStatus> providers) {
    String lost = call("publish providers of session " + session, c -> {
      String node = null;
      try (PreparedStatement ps = c.prepareStatement(
          "SELECT node FROM server_registry WHERE group_name = ? AND session = ? AND state = 'open'"
              + " AND expires_at > clock_timestamp() FOR SHARE")) {
        ps.setString(1, group.value());
        ps.setString(2, session.value());
        try (ResultSet rs = ps.executeQuery()) {
          if (rs.next()) {
            node = rs.getString(1);
          }
        }
      }
      if (node == null) {
        return lostReason(c, session, false);
      }
      writeProviders(c, node, providers);
      notifyChange(c, "providers");
      return null;
    });
    if (lost != null) {
      throw new SessionLostException(lost);
    }
  }

  private void writeProviders(Connection c, String node, Map<ServiceName, ProviderStatus> providers) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("INSERT INTO provider_publication (group_name, node, version)"
        + " VALUES (?, ?, -1) ON CONFLICT (group_name, node) DO UPDATE SET version = -1")) {
      ps.setString(1, group.value());
      ps.setString(2, node);
      ps.executeUpdate();
    }
    try (PreparedStatement ps = c.prepareStatement("DELETE FROM provider_state WHERE group_name = ? AND node = ?")) {
      ps.setString(1, group.value());
      ps.setString(2, node);
      ps.executeUpdate();
    }
    if (providers.isEmpty()) {
      return;
    }
    try (PreparedStatement ps = c.prepareStatement(
        "INSERT INTO provider_state (group_name, node, service, state, reason, default_rank, endpoint) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
      for (Map.Entry<ServiceName, ProviderStatus> e : providers.entrySet()) {
        ps.setString(1, group.value());
        ps.setString(2, node);
        ps.setString(3, e.getKey().value());
        ps.setString(4, e.getValue().state().wireName());
        ps.setString(5, e.getValue().reason());
        if (e.getValue().rank() == null) {
          ps.setNull(6, java.sql.Types.INTEGER);
        } else {
          ps.setInt(6, e.getValue().rank());
        }
        ps.setString(7, e.getValue().endpoint());
        ps.addBatch();
      }
      ps.executeBatch();
    }
  }

  // ---------------------------------------------------------------- reads

  /**
   * Everything but the nodes, as of one value of {@code group_state.changes}: the same value means
   * the same rows, since every write to them counts a change in its transaction.
   */
  private record Shared(long changes, Map<String, Map<ServiceName, ProviderStatus>> providers,
      Map<ServiceName, Ownership> ownerships, GroupSettings settings,
      Map<NodeName, Map<ServiceName, Decision>> decisions) {}

  /**
   * Reads the group in one REPEATABLE READ transaction. The node rows (renewal counters and
   * lease verdicts) are read every time; provider states, ownerships and settings only when the
   * group's change counter moved since this store last read them, so an unchanged group costs
   * rows in proportion to its nodes, not to its services.
   */
  @Override
  public Snapshot snapshot() {
    return call("snapshot", c -> {
      try (PreparedStatement ps = c.prepareStatement("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")) {
        ps.execute();
      }
      long changes = 0;
      try (PreparedStatement ps = c.prepareStatement("SELECT changes FROM group_state WHERE group_name = ?")) {
        ps.setString(1, group.value());
        try (ResultSet rs = ps.executeQuery()) {
          if (rs.next()) {
            changes = rs.getLong(1);
          }
        }
      }
      Shared shared = this.shared;
      if (shared == null || changes < shared.changes()) {
        shared = new Shared(changes, providers(c), ownerships(c, Map.of(), Long.MIN_VALUE), settings(c), decisions(c));
        this.shared = shared;
      } else if (shared.changes() != changes) {
        shared = new Shared(changes, providersSince(c, shared), ownerships(c, shared.ownerships(), shared.changes()),
            settings(c), decisions(c));
        this.shared = shared;
      }
      List<NodeRecord> nodes = new ArrayList<>();
      try (PreparedStatement ps = c.prepareStatement(
          "SELECT node, api, location, session, renewals,"
              + " CASE WHEN state = 'open' AND expires_at <= clock_timestamp() THEN 'expired' ELSE state END,"
              + " heartbeat_ms, lease_ms, version"
              + " FROM server_registry WHERE group_name = ? ORDER BY node")) {
        ps.setString(1, group.value());
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            String node = rs.getString(1);
            String api = rs.getString(2);
            String location = rs.getString(3);
            String version = rs.getString(9);
            NodeInfo info = decode("server_registry row node=" + node,
                () -> new NodeInfo(NodeName.of(node), Location.parse(location), api, version));
            nodes.add(new NodeRecord(info, new SessionId(rs.getString(4)), rs.getLong(5),
                sessionState(rs.getString(6)), shared.providers().getOrDefault(node, Map.of()),
                millisOrNull(rs, 7), millisOrNull(rs, 8)));
          }
        }
      }
      return new Snapshot(nodes, shared.ownerships(), shared.settings(), shared.decisions());
    });
  }

  private Map<String, Map<ServiceName, ProviderStatus>> providers(Connection c) throws SQLException {
    Map<String, Map<ServiceName, ProviderStatus>> providers = new HashMap<>();
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT node, service, state, reason, default_rank, endpoint FROM provider_state WHERE group_name = ?")) {
      ps.setString(1, group.value());
      try (ResultSet rs = ps.executeQuery()) {
        readProviderRows(rs, providers);
      }
    }
    providers.replaceAll((node, map) -> Map.copyOf(map));
    return providers;
  }

  /**
   * Reads rows of (node, service, state, reason, default rank, endpoint) into provider sets by node. A rank
   * below 1 (the table's check forbids it) reads as none.
   */
  private void readProviderRows(ResultSet rs, Map<String, Map<ServiceName, ProviderStatus>> into) throws SQLException {
    while (rs.next()) {
      String node = rs.getString(1);
      String service = rs.getString(2);
      String state = rs.getString(3);
      int rankValue = rs.getInt(5);
      Integer rank = rs.wasNull() || rankValue < 1 ? null : rankValue;
      ProviderStatus status = decode("provider_state row node=" + node + " service=" + service,
          () -> new ProviderStatus(ProviderState.fromWireName(state), null));
      into.computeIfAbsent(node, k -> new HashMap<>())
          .put(decode("provider_state row node=" + node, () -> ServiceName.of(service)),
              new ProviderStatus(status.state(), rs.getString(4), rank, rs.getString(6)));
    }
  }

  /** The cached provider sets with those of every node that published since replaced. */
  private Map<String, Map<ServiceName, ProviderStatus>> providersSince(Connection c, Shared cached) throws SQLException {
    Map<String, Map<ServiceName, ProviderStatus>> providers = new HashMap<>(cached.providers());
    List<String> published = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT node FROM provider_publication WHERE group_name = ? AND version > ?")) {
      ps.setString(1, group.value());
      ps.setLong(2, cached.changes());
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          published.add(rs.getString(1));
        }
      }
    }
    if (published.isEmpty()) {
      return cached.providers();
    }
    published.forEach(node -> providers.put(node, Map.of()));
    Map<String, Map<ServiceName, ProviderStatus>> read = new HashMap<>();
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT node, service, state, reason, default_rank, endpoint FROM provider_state WHERE group_name = ? AND node = ANY (?)")) {
      ps.setString(1, group.value());
      ps.setArray(2, c.createArrayOf("text", published.toArray()));
      try (ResultSet rs = ps.executeQuery()) {
        readProviderRows(rs, read);
      }
    }
    read.forEach((node, map) -> providers.put(node, Map.copyOf(map)));
    return providers;
  }

  /**
   * {@code base} with the ownerships written since change count {@code since} put over it (service
   * rows are never deleted); every ownership with {@code Long.MIN_VALUE} and an empty base.
   */
  private Map<ServiceName, Ownership> ownerships(Connection c, Map<ServiceName, Ownership> base, long since)
      throws SQLException {
    Map<ServiceName, Ownership> ownerships = new HashMap<>(base);
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT service, epoch, owner, session FROM service_status WHERE group_name = ? AND version > ? AND epoch > 0")) {
      ps.setString(1, group.value());
      ps.setLong(2, since);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          Ownership o = ownership(rs);
          ownerships.put(o.service(), o);
        }
      }
    }
    return Map.copyOf(ownerships);
  }

  private GroupSettings settings(Connection c) throws SQLException {
    Map<ServiceName, ServiceSettings> services = new HashMap<>();
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT service, ranking, disabled, move_to, move_epoch, paused_since, failback, failback_delay_ms"
            + " FROM service_settings WHERE group_name = ?")) {
      ps.setString(1, group.value());
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          String service = rs.getString(1);
          Array array = rs.getArray(2);
          String[] ranking = (String[]) array.getArray();
          boolean disabled = rs.getBoolean(3);
          String moveTo = rs.getString(4);
          long moveEpoch = rs.getLong(5);
          java.sql.Timestamp paused = rs.getTimestamp(6);
          String failback = rs.getString(7);
          Duration failbackDelay = millisOrNull(rs, 8);
          services.put(decode("service_settings row service=" + service, () -> ServiceName.of(service)),
              decode("service_settings row service=" + service,
                  () -> new ServiceSettings(Arrays.stream(ranking).map(NodeName::of).toList(), disabled,
                      moveTo == null ? null : new ServiceSettings.Move(NodeName.of(moveTo), moveEpoch),
                      paused == null ? null : paused.toInstant(),
                      ServiceSettings.Failback.stored(failback), failbackDelay)));
        }
      }
    }
    Map<NodeName, NodeSettings> nodes = new HashMap<>();
    try (PreparedStatement ps = c.prepareStatement("SELECT node, drained FROM node_settings WHERE group_name = ?")) {
      ps.setString(1, group.value());
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          String node = rs.getString(1);
          nodes.put(decode("node_settings row node=" + node, () -> NodeName.of(node)), new NodeSettings(rs.getBoolean(2)));
        }
      }
    }
    return new GroupSettings(services, nodes);
  }

  /** Every decision of the group (few: one per banned, restarting or failed provider). */
  private Map<NodeName, Map<ServiceName, Decision>> decisions(Connection c) throws SQLException {
    Map<NodeName, Map<ServiceName, Decision>> decisions = new HashMap<>();
    try (PreparedStatement ps = c.prepareStatement("SELECT node, service, banned_until, ban_reason, restarts,"
        + " restarts_since, failed FROM decision WHERE group_name = ?")) {
      ps.setString(1, group.value());
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          String node = rs.getString(1);
          String service = rs.getString(2);
          OffsetDateTime until = rs.getObject(3, OffsetDateTime.class);
          String reason = rs.getString(4);
          int restarts = rs.getInt(5);
          OffsetDateTime since = rs.getObject(6, OffsetDateTime.class);
          String failed = rs.getString(7);
          String row = "decision row node=" + node + " service=" + service;
          decisions.computeIfAbsent(decode(row, () -> NodeName.of(node)), n -> new HashMap<>())
              .put(decode(row, () -> ServiceName.of(service)), decode(row, () -> new Decision(
                  until == null ? null : until.toInstant(), reason, restarts, since == null ? null : since.toInstant(),
                  failed)));
        }
      }
    }
    return decisions;
  }

  private Ownership ownership(ResultSet rs) throws SQLException {
    String service = rs.getString("service");
    long epoch = rs.getLong("epoch");
    String owner = rs.getString("owner");
    String session = rs.getString("session");
    return decode("service_status row service=" + service, () -> new Ownership(ServiceName.of(service), epoch,
        owner == null ? null : NodeName.of(owner), session == null ? null : new SessionId(session)));
  }

  private SessionState sessionState(String state) {
    return switch (state) {
      case "open" -> SessionState.LIVE;
      case "closed" -> SessionState.CLOSED;
      case "expired" -> SessionState.EXPIRED;
      default -> throw new StoreException(who + " server_registry has state \"" + state
          + "\"; expected open, closed or expired (written by another version?)");
    };
  }

  // ---------------------------------------------------------------- claims

  @Override
  public ClaimResult claim(ClaimRequest request) {
    return claimAll(List.of(request)).get(0);
  }

  /**
   * Decides every claim in one transaction: a node taking over many services pays one commit, not
   * one each. Locks are taken in one order by every claimant, so that two nodes claiming
   * overlapping batches wait for each other instead of deadlocking: the service rows in service
   * order, then the sessions' rows in node order, then the change counter (last, in
   * {@link #notifyChange}).
   */
  @Override
  public List<ClaimResult> claimAll(List<ClaimRequest> requests) {
    requests.forEach(r -> Objects.requireNonNull(r, "request"));
    if (requests.isEmpty()) {
      return List.of();
    }
    String what = requests.size() == 1
        ? "[service=" + requests.get(0).service() + " claimant=" + requests.get(0).claimant() + "] claim at epoch "
            + requests.get(0).expectedEpoch()
        : "claim of " + requests.size() + " services";
    List<ClaimResult> results = call(what, c -> claimIn(c, requests));
    for (int i = 0; i < results.size(); i++) {
      ClaimResult r = results.get(i);
      if (r.granted()) {
        log.debug("{} [node={} service={} epoch={}] claim granted", who, r.ownership().node(), r.ownership().service(),
            r.ownership().epoch());
      } else {
        log.debug("{} claim of {} at epoch {} rejected: {}", who, requests.get(i).service(),
            requests.get(i).expectedEpoch(), r.reason());
      }
    }
    return results;
  }

  private List<ClaimResult> claimIn(Connection c, List<ClaimRequest> requests) throws SQLException {
    java.util.SortedSet<String> services = new java.util.TreeSet<>();
    requests.forEach(r -> services.add(r.service().value()));
    Array names = c.createArrayOf("text", services.toArray());
    try (PreparedStatement ps = c.prepareStatement(
        "INSERT INTO service_status (group_name, service, owner, session, epoch, since)"
            + " SELECT ?, s, NULL, NULL, 0, clock_timestamp() FROM unnest(?::text[]) AS s ORDER BY s"
            + " ON CONFLICT (group_name, service) DO NOTHING")) {
      ps.setString(1, group.value());
      ps.setArray(2, names);
      ps.executeUpdate();
    }
    Map<String, Ownership> current = new HashMap<>();
    try (PreparedStatement ps = c.prepareStatement("SELECT service, epoch, owner, session FROM service_status"
        + " WHERE group_name = ? AND service = ANY (?) ORDER BY service FOR UPDATE")) {
      ps.setString(1, group.value());
      ps.setArray(2, names);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          Ownership o = ownership(rs);
          current.put(o.service().value(), o);
        }
      }
    }
    java.util.Set<String> sessions = new java.util.HashSet<>();
    for (ClaimRequest r : requests) {
      sessions.add(r.claimant().value());
      SessionId owner = current.get(r.service().value()).session();
      if (owner != null) {
        sessions.add(owner.value());
      }
    }
    Map<String, NodeRow> rows = new HashMap<>();
    try (PreparedStatement ps = c.prepareStatement(
        NODE_ROWS + " WHERE group_name = ? AND session = ANY (?) ORDER BY node FOR UPDATE")) {
      ps.setString(1, group.value());
      ps.setArray(2, c.createArrayOf("text", sessions.toArray()));
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          NodeRow row = nodeRow(rs);
          rows.put(row.session, row);
        }
      }
    }
    List<ClaimResult> results = new ArrayList<>(requests.size());
    boolean granted = false;
    for (ClaimRequest r : requests) {
      ClaimResult result = decide(c, r, current, rows);
      granted |= result.granted();
      results.add(result);
    }
    if (granted) {
      notifyChange(c, "claim");
    }
    return results;
  }

  /**
   * One claim of a batch, against the rows the batch locked ({@code current} and {@code rows} are
   * updated with what it writes, so a later claim of the batch sees it).
   */
  private ClaimResult decide(Connection c, ClaimRequest request, Map<String, Ownership> current,
      Map<String, NodeRow> rows) throws SQLException {
    String service = request.service().value();
    Ownership now = current.get(service);
    if (now.epoch() != request.expectedEpoch()) {
      return ClaimResult.rejected(now, "epoch moved to " + now.epoch() + " (expected " + request.expectedEpoch() + ")");
    }
    // The claimant must be open (not closed, replaced or ended). Its own lease is not judged
    // here: a claimant past its lease cannot renew, so what it gets is claimable at once.
    NodeRow claimant = rows.get(request.claimant().value());
    if (claimant == null || !claimant.state.equals("open")) {
      return ClaimResult.rejected(now, "claimant session " + request.claimant() + " is not open ("
          + (claimant == null ? "replaced or unknown" : claimant.state) + ")");
    }
    NodeRow endOwner = null;
    if (now.session() != null) {
      NodeRow owner = rows.get(now.session().value());
      if (owner != null && owner.state.equals("open")) {
        Observed dead = request.deadOwner();
        String ownerName = "owner " + owner.node + " (session " + owner.session + ")";
        if (dead != null) {
          if (!dead.session().equals(now.session())) {
            return ClaimResult.rejected(now, "named dead session " + dead.session() + " is not the session of "
                + ownerName);
          }
          if (dead.renewals() != owner.renewals) {
            return ClaimResult.rejected(now, ownerName + " renewed since it was observed (renewals "
                + owner.renewals + ", named " + dead.renewals() + ")");
          }
        }
        if (!owner.lapsed) {
          return ClaimResult.rejected(now, ownerName + " is live: its lease ends in "
              + seconds(owner.remainingMillis) + " by the database clock");
        }
        endOwner = owner;
      }
    }
    long epoch;
    try (PreparedStatement ps = c.prepareStatement(
        "UPDATE service_status SET epoch = epoch + 1, owner = ?, session = ?, since = clock_timestamp()"
            + " WHERE group_name = ? AND service = ? AND epoch = ? RETURNING epoch")) {
      ps.setString(1, claimant.node);
      ps.setString(2, request.claimant().value());
      ps.setString(3, group.value());
      ps.setString(4, service);
      ps.setLong(5, request.expectedEpoch());
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return ClaimResult.rejected(now, "epoch moved (concurrent claim)");
        }
        epoch = rs.getLong(1);
      }
    }
    if (endOwner != null) {
      try (PreparedStatement ps = c.prepareStatement(
          "UPDATE server_registry SET state = 'expired', ended_at = clock_timestamp()"
              + " WHERE group_name = ? AND session = ? AND state = 'open'")) {
        ps.setString(1, group.value());
        ps.setString(2, endOwner.session);
        ps.executeUpdate();
      }
      rows.put(endOwner.session, new NodeRow(endOwner.node, endOwner.session, endOwner.renewals, "expired",
          endOwner.lapsed, endOwner.remainingMillis));
    }
    Ownership granted = new Ownership(request.service(), epoch, NodeName.of(claimant.node), request.claimant());
    current.put(service, granted);
    return ClaimResult.granted(granted);
  }

  @Override
  public boolean release(ServiceName service, SessionId session, long epoch) {
    return call("[service=" + service + " epoch=" + epoch + "] release by session " + session, c -> {
      try (PreparedStatement ps = c.prepareStatement(
          "UPDATE service_status SET session = NULL, since = clock_timestamp()"
              + " WHERE group_name = ? AND service = ? AND session = ? AND epoch = ?")) {
        ps.setString(1, group.value());
        ps.setString(2, service.value());
        ps.setString(3, session.value());
        ps.setLong(4, epoch);
        if (ps.executeUpdate() == 0) {
          return false;
        }
      }
      notifyChange(c, "release");
      return true;
    });
  }

  // ---------------------------------------------------------------- settings and events

  @Override
  public void putServiceSettings(ServiceName service, ServiceSettings settings) {
    call("[service=" + service + "] put settings", c -> {
      try (PreparedStatement ps = c.prepareStatement(
          "INSERT INTO service_settings (group_name, service, ranking, disabled, move_to, move_epoch, paused_since,"
              + " failback, failback_delay_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
              + " ON CONFLICT (group_name, service) DO UPDATE SET ranking = excluded.ranking,"
              + " disabled = excluded.disabled, move_to = excluded.move_to, move_epoch = excluded.move_epoch,"
              + " paused_since = excluded.paused_since, failback = excluded.failback,"
              + " failback_delay_ms = excluded.failback_delay_ms")) {
        ps.setString(1, group.value());
        ps.setString(2, service.value());
        ps.setArray(3, c.createArrayOf("text", settings.ranking().stream().map(NodeName::value).toArray()));
        ps.setBoolean(4, settings.disabled());
        ServiceSettings.Move move = settings.move();
        ps.setString(5, move == null ? null : move.to().value());
        if (move == null) {
          ps.setNull(6, java.sql.Types.BIGINT);
        } else {
          ps.setLong(6, move.epoch());
        }
        ps.setTimestamp(7, settings.pausedSince() == null ? null : java.sql.Timestamp.from(settings.pausedSince()));
        ps.setString(8, settings.failback().word());
        if (settings.failbackDelay() == null) {
          ps.setNull(9, java.sql.Types.BIGINT);
        } else {
          ps.setLong(9, settings.failbackDelay().toMillis());
        }
        ps.executeUpdate();
      }
      notifyChange(c, "settings");
      return null;
    });
  }

  @Override
  public void putNodeSettings(NodeName node, NodeSettings settings) {
    call("[node=" + node + "] put settings", c -> {
      try (PreparedStatement ps = c.prepareStatement(
          "INSERT INTO node_settings (group_name, node, drained) VALUES (?, ?, ?)"
              + " ON CONFLICT (group_name, node) DO UPDATE SET drained = excluded.drained")) {
        ps.setString(1, group.value());
        ps.setString(2, node.value());
        ps.setBoolean(3, settings.drained());
        ps.executeUpdate();
      }
      notifyChange(c, "settings");
      return null;
    });
  }

  @Override
  public Optional<String> identity() {
    return call("read the group's identity", c -> {
      try (PreparedStatement ps = c.prepareStatement("SELECT identity FROM group_identity WHERE group_name = ?")) {
        ps.setString(1, group.value());
        try (ResultSet rs = ps.executeQuery()) {
          return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
        }
      }
    });
  }

  @Override
  public String createIdentity() {
    return call("create the group's identity", c -> {
      try (PreparedStatement ps = c.prepareStatement(
          "INSERT INTO group_identity (group_name, identity) VALUES (?, ?) ON CONFLICT (group_name) DO NOTHING")) {
        ps.setString(1, group.value());
        ps.setString(2, UUID.randomUUID().toString());
        ps.executeUpdate();
      }
      // A statement of its own (read committed): it sees the row of a node that won a race.
      try (PreparedStatement ps = c.prepareStatement("SELECT identity FROM group_identity WHERE group_name = ?")) {
        ps.setString(1, group.value());
        try (ResultSet rs = ps.executeQuery()) {
          if (!rs.next()) {
            throw new SQLException("no identity on file for group " + group + " right after it was made");
          }
          return rs.getString(1);
        }
      }
    });
  }

  @Override
  public void putDecision(NodeName node, ServiceName service, Decision decision) {
    if (decision.isNone()) {
      clearDecision(node, service);
      return;
    }
    call("[node=" + node + " service=" + service + "] put decision", c -> {
      try (PreparedStatement ps = c.prepareStatement(
          "INSERT INTO decision (group_name, node, service, banned_until, ban_reason, restarts, restarts_since, failed)"
              + " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
              + " ON CONFLICT (group_name, node, service) DO UPDATE SET banned_until = excluded.banned_until,"
              + " ban_reason = excluded.ban_reason, restarts = excluded.restarts,"
              + " restarts_since = excluded.restarts_since, failed = excluded.failed")) {
        ps.setString(1, group.value());
        ps.setString(2, node.value());
        ps.setString(3, service.value());
        ps.setObject(4, timestampOrNull(decision.bannedUntil()));
        ps.setString(5, decision.banReason());
        ps.setInt(6, decision.restarts());
        ps.setObject(7, timestampOrNull(decision.restartsSince()));
        ps.setString(8, decision.failedDetail());
        ps.executeUpdate();
      }
      notifyChange(c, "decision");
      return null;
    });
  }

  @Override
  public void clearDecision(NodeName node, ServiceName service) {
    call("[node=" + node + " service=" + service + "] clear decision", c -> {
      try (PreparedStatement ps = c.prepareStatement(
          "DELETE FROM decision WHERE group_name = ? AND node = ? AND service = ?")) {
        ps.setString(1, group.value());
        ps.setString(2, node.value());
        ps.setString(3, service.value());
        if (ps.executeUpdate() == 0) {
          return null;
        }
      }
      notifyChange(c, "decision");
      return null;
    });
  }

  private static OffsetDateTime timestampOrNull(Instant instant) {
    return instant == null ? null : OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
  }

  @Override
  public long appendEvent(EventDraft event) {
    return call("append event " + event.type(), c -> {
      long seq = insertEvent(c, event);
      notifyChange(c, "event");
      return seq;
    });
  }

  /** Appends the events in one transaction, with one NOTIFY. */
  @Override
  public List<Long> appendEvents(List<EventDraft> events) {
    if (events.isEmpty()) {
      return List.of();
    }
    int n = events.size();
    return call("append " + n + " events", c -> {
      long last;
      // Numbers for all of them at once; the counter row stays locked until commit, so events
      // commit in the order of their numbers. One INSERT for the rows keeps that lock short.
      try (PreparedStatement ps = c.prepareStatement(
          "INSERT INTO group_state (group_name, last_event_seq) VALUES (?, ?) ON CONFLICT (group_name)"
              + " DO UPDATE SET last_event_seq = group_state.last_event_seq + ? RETURNING last_event_seq")) {
        ps.setString(1, group.value());
        ps.setLong(2, n);
        ps.setLong(3, n);
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          last = rs.getLong(1);
        }
      }
      long first = last - n + 1;
      String[] times = new String[n];
      String[] nanos = new String[n];
      String[] types = new String[n];
      String[] nodes = new String[n];
      String[] services = new String[n];
      String[] epochs = new String[n];
      String[] details = new String[n];
      for (int i = 0; i < n; i++) {
        EventDraft e = events.get(i);
        times[i] = e.time().truncatedTo(ChronoUnit.MICROS).toString();
        nanos[i] = Integer.toString(e.time().getNano());
        types[i] = e.type();
        nodes[i] = e.node() == null ? null : e.node().value();
        services[i] = e.service() == null ? null : e.service().value();
        epochs[i] = e.epoch() == null ? null : e.epoch().toString();
        details[i] = e.detail();
      }
      try (PreparedStatement ps = c.prepareStatement(
          "INSERT INTO event_log (group_name, seq, time, time_nanos, type, node, service, epoch, detail)"
              + " SELECT ?, ? + e.i - 1, e.t::timestamptz, e.tn::int, e.ty, e.no, e.sv, e.ep::bigint, e.de"
              + " FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[])"
              + " WITH ORDINALITY AS e(t, tn, ty, no, sv, ep, de, i)")) {
        ps.setString(1, group.value());
        ps.setLong(2, first);
        String[][] columns = {times, nanos, types, nodes, services, epochs, details};
        for (int k = 0; k < columns.length; k++) {
          ps.setArray(3 + k, c.createArrayOf("text", columns[k]));
        }
        ps.executeUpdate();
      }
      if (last / EVENT_PRUNE_EVERY != (first - 1) / EVENT_PRUNE_EVERY) {
        pruneEvents(c, last);
      }
      notifyChange(c, "event");
      List<Long> seqs = new ArrayList<>(n);
      for (long seq = first; seq <= last; seq++) {
        seqs.add(seq);
      }
      return seqs;
    });
  }

  private long insertEvent(Connection c, EventDraft event) throws SQLException {
    long seq;
    // The counter row stays locked until commit, so events commit in the order of their numbers.
    try (PreparedStatement ps = c.prepareStatement(
        "INSERT INTO group_state (group_name, last_event_seq) VALUES (?, 1) ON CONFLICT (group_name)"
            + " DO UPDATE SET last_event_seq = group_state.last_event_seq + 1 RETURNING last_event_seq")) {
      ps.setString(1, group.value());
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        seq = rs.getLong(1);
      }
    }
    try (PreparedStatement ps = c.prepareStatement(
        "INSERT INTO event_log (group_name, seq, time, time_nanos, type, node, service, epoch, detail)"
            + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
      ps.setString(1, group.value());
      ps.setLong(2, seq);
      ps.setObject(3, OffsetDateTime.ofInstant(event.time().truncatedTo(ChronoUnit.MICROS), ZoneOffset.UTC));
      ps.setInt(4, event.time().getNano());
      ps.setString(5, event.type());
      ps.setString(6, event.node() == null ? null : event.node().value());
      ps.setString(7, event.service() == null ? null : event.service().value());
      ps.setObject(8, event.epoch(), Types.BIGINT);
      ps.setString(9, event.detail());
      ps.executeUpdate();
    }
    if (seq % EVENT_PRUNE_EVERY == 0) {
      pruneEvents(c, seq);
    }
    return seq;
  }

  /** Bounded retention: keeps the newest EVENT_RETENTION events of the group. */
  private void pruneEvents(Connection c, long lastSeq) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("DELETE FROM event_log WHERE group_name = ? AND seq <= ?")) {
      ps.setString(1, group.value());
      ps.setLong(2, lastSeq - EVENT_RETENTION);
      ps.executeUpdate();
    }
  }

  @Override
  public List<Event> events(long afterSeq, int limit) {
    if (limit < 0) {
      throw new InvalidInputException("event limit " + limit + " is negative; expected 0 or more");
    }
    if (limit == 0) {
      return List.of();
    }
    return call("read events after " + afterSeq, c -> {
      List<Event> events = new ArrayList<>();
      try (PreparedStatement ps = c.prepareStatement(
          "SELECT seq, time, time_nanos, type, node, service, epoch, detail FROM event_log"
              + " WHERE group_name = ? AND seq > ? ORDER BY seq LIMIT ?")) {
        ps.setString(1, group.value());
        ps.setLong(2, afterSeq);
        ps.setInt(3, limit);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            long seq = rs.getLong(1);
            OffsetDateTime time = rs.getObject(2, OffsetDateTime.class);
            Instant instant = Instant.ofEpochSecond(time.toEpochSecond(), rs.getInt(3));
            String type = rs.getString(4);
            String node = rs.getString(5);
            String service = rs.getString(6);
            long epoch = rs.getLong(7);
            Long epochOrNull = rs.wasNull() ? null : epoch;
            String detail = rs.getString(8);
            events.add(decode("event_log row seq=" + seq, () -> new Event(seq, instant, type,
                node == null ? null : NodeName.of(node), service == null ? null : ServiceName.of(service),
                epochOrNull, detail)));
          }
        }
      }
      return events;
    });
  }

  // ---------------------------------------------------------------- watch and close

  @Override
  public AutoCloseable watch(Runnable listener) {
    return notifications.add(listener);
  }

  @Override
  public void close() {
    notifications.close();
    pool.close();
    log.info("{} closed", who);
  }

  // ---------------------------------------------------------------- plumbing

  @FunctionalInterface
  private interface Work<T> {
    T run(Connection c) throws SQLException;
  }

  /**
   * Runs {@code work} as one transaction within the call timeout: the pool's connection timeout
   * bounds the wait for a connection, and the socket timeout is set to what is left of the call.
   */
  private <T> T call(String what, Work<T> work) {
    long started = System.nanoTime();
    long deadline = started + callTimeout.toNanos();
    try (Connection c = pool.getConnection()) {
      long left = (deadline - System.nanoTime()) / 1_000_000;
      if (left <= 0) {
        throw new StoreException(who + " " + what + " failed: no connection within the call timeout of "
            + callTimeout.toMillis() + " ms");
      }
      c.setNetworkTimeout(SAME_THREAD, (int) Math.min(Integer.MAX_VALUE, left));
      try {
        T result = work.run(c);
        c.commit();
        return result;
      } catch (SQLException | RuntimeException e) {
        try {
          c.rollback();
        } catch (SQLException rollbackFailure) {
          e.addSuppressed(rollbackFailure);
        }
        throw e;
      }
    } catch (SQLException e) {
      String refused = identity.refusal();
      if (refused != null && e instanceof SQLTransientConnectionException) {
        // No connection: the pool's new ones were refused (ServerIdentity).
        throw new StoreException(who + " " + what + " failed: " + refused, e);
      }
      throw new StoreException(who + " " + what + " failed after " + (System.nanoTime() - started) / 1_000_000
          + " ms (call timeout " + callTimeout.toMillis() + " ms): " + rootMessage(e), e);
    }
  }

  /**
   * Announces a write other than a renewal: counts it in {@code group_state.changes} (so that
   * {@link #snapshot()} knows whether to read more than the nodes) unless it only appended an
   * event, and sends a NOTIFY on the group's channel. Called last in a transaction: the counter
   * row is the last lock it takes, so it cannot take part in a deadlock.
   */
  private void notifyChange(Connection c, String kind) throws SQLException {
    if (kind.equals("event")) {
      try (PreparedStatement ps = c.prepareStatement("SELECT pg_notify(?, ?)")) {
        ps.setString(1, channel);
        ps.setString(2, kind);
        ps.execute();
      }
      return;
    }
    // One round trip while the counter row is locked: count the change, stamp what this
    // transaction wrote (marked -1) with the new count for snapshots that read changes since, notify.
    try (PreparedStatement ps = c.prepareStatement(
        "WITH c AS (INSERT INTO group_state (group_name, last_event_seq, changes) VALUES (?, 0, 1)"
            + " ON CONFLICT (group_name) DO UPDATE SET changes = group_state.changes + 1 RETURNING changes),"
            + " s AS (UPDATE service_status SET version = (SELECT changes FROM c) WHERE group_name = ? AND version = -1),"
            + " p AS (UPDATE provider_publication SET version = (SELECT changes FROM c) WHERE group_name = ? AND version = -1)"
            + " SELECT pg_notify(?, ?) FROM c")) {
      ps.setString(1, group.value());
      ps.setString(2, group.value());
      ps.setString(3, group.value());
      ps.setString(4, channel);
      ps.setString(5, kind);
      ps.execute();
    }
  }

  private record NodeRow(String node, String session, long renewals, String state, boolean lapsed, long remainingMillis) {}

  /** The columns of a {@link NodeRow} ({@link #nodeRow}), lapsed and remaining by the database clock; add the WHERE. */
  private static final String NODE_ROWS = "SELECT node, session, renewals, state, expires_at <= clock_timestamp(),"
      + " (extract(epoch FROM expires_at - clock_timestamp()) * 1000)::bigint FROM server_registry";

  private NodeRow lockNode(Connection c, String node) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(
        NODE_ROWS + " WHERE group_name = ? AND node = ? FOR UPDATE")) {
      ps.setString(1, group.value());
      ps.setString(2, node);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? nodeRow(rs) : null;
      }
    }
  }

  private static NodeRow nodeRow(ResultSet rs) throws SQLException {
    return new NodeRow(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getString(4), rs.getBoolean(5), rs.getLong(6));
  }

  private <T> T decode(String row, Supplier<T> decoder) {
    try {
      return decoder.get();
    } catch (InvalidInputException | IllegalArgumentException e) {
      throw new StoreException(who + " cannot read " + row + ": " + e.getMessage() + " (written by another version?)", e);
    }
  }

  /** A column of milliseconds as a duration; null when the column is (a session of an older agent). */
  private static Duration millisOrNull(ResultSet rs, int column) throws SQLException {
    long millis = rs.getLong(column);
    return rs.wasNull() ? null : Duration.ofMillis(millis);
  }

  private static String seconds(long millis) {
    return String.format(Locale.ROOT, "%.1fs", Math.max(0, millis) / 1000.0);
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    boolean tls = e instanceof javax.net.ssl.SSLException;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
      tls |= t instanceof javax.net.ssl.SSLException;
    }
    String message = t == e ? String.valueOf(e.getMessage()) : e.getMessage() + " (" + t + ")";
    return tls ? message + "; the TLS handshake with the server failed: check that sslrootcert names the PEM"
        + " file of the CA that signed the server's certificate and, with sslmode=verify-full, that the URL's"
        + " host name is in that certificate (docs/store-postgresql.md, \"TLS to the server\")" : message;
  }
}
