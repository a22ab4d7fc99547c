package dev.baton.store.postgresql;

import dev.baton.core.BatonException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A private PostgreSQL server for tests and the demo: {@code initdb} in a directory of its own,
 * {@code pg_ctl} on a free port of 127.0.0.1 (its Unix socket inside the data directory), run as
 * the {@code postgres} OS user when this JVM runs as root (PostgreSQL refuses to run as root).
 *
 * <p>The binaries are found through {@code pg_config --bindir}, else under
 * {@code /usr/lib/postgresql/<version>/bin} (the newest). Local socket connections are trusted;
 * TCP connections need the password generated at {@link #init}. The server keeps its port across
 * {@link #stop()} and {@link #start()}, so clients reconnect to the same URL (fault tests stop and
 * start it). Durability against an OS crash is traded for speed ({@code fsync=off}; commits survive a
 * crash of PostgreSQL itself, as fault tests need): fine for a throwaway server, never
 * for data that matters. The {@code pg_stat_statements} library is loaded, so a database that runs
 * {@code CREATE EXTENSION pg_stat_statements} can count the statements its clients execute.
 *
 * <p>{@link #close()} stops the server; the directory is left for the caller to delete. Methods are
 * synchronized; this class is threadsafe.
 */
public final class LocalPostgres implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LocalPostgres.class);
  private static final Pattern DATABASE_NAME = Pattern.compile("[a-z_][a-z0-9_]{0,62}");
  private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(60);
  private static final String INSTALL_HINT = "install the PostgreSQL server with `apt-get install postgresql`"
      + " (Debian/Ubuntu) or set BATON_PG_BINDIR to the directory holding initdb and pg_ctl";

  private final Path dir;
  private final Path data;
  private final Path bin;
  private final boolean asPostgresUser;
  private final String password;
  private int port;
  private String listenAddresses = "127.0.0.1";
  private Map<String, String> environment = Map.of();
  private boolean running;
  private boolean closed;

  private LocalPostgres(Path dir, Path bin, boolean asPostgresUser, String password) {
    this.dir = dir;
    this.data = dir.resolve("data");
    this.bin = bin;
    this.asPostgresUser = asPostgresUser;
    this.password = password;
  }

  /**
   * Creates a new database cluster in {@code dir} (created if absent; must not hold a cluster
   * yet). Does not start it.
   *
   * @throws BatonException when the binaries are missing (saying how to install them) or initdb fails
   */
  public static LocalPostgres init(Path dir) {
    Path bin = findBinaries();
    boolean root = isRoot();
    Path absolute = dir.toAbsolutePath();
    if (Files.exists(absolute.resolve("data"))) {
      throw new BatonException("cannot init a PostgreSQL cluster in " + absolute + ": it already has a data"
          + " directory; expected an empty or absent directory");
    }
    LocalPostgres server = new LocalPostgres(absolute, bin, root, randomPassword());
    server.initdb();
    return server;
  }

  /**
   * Creates a new cluster like {@link #init(Path)} whose {@code postgres} user has the same password
   * as {@code other}'s, so that {@code other}'s URLs log in to it too (a test's "another server
   * behind the same address"). Does not start it.
   */
  public static LocalPostgres initWithPasswordOf(Path dir, LocalPostgres other) {
    Path absolute = dir.toAbsolutePath();
    if (Files.exists(absolute.resolve("data"))) {
      throw new BatonException("cannot init a PostgreSQL cluster in " + absolute + ": it already has a data"
          + " directory; expected an empty or absent directory");
    }
    LocalPostgres server = new LocalPostgres(absolute, other.bin, other.asPostgresUser, other.password);
    server.initdb();
    return server;
  }

  /**
   * Makes a streaming standby of {@code primary} (running) in {@code dir}: {@code pg_basebackup -R}
   * over the primary's Unix socket (initdb's {@code pg_hba.conf} trusts local replication), on a
   * free port of its own, its socket in its own data directory. Same cluster, same password. Does
   * not start it; {@link #promote()} makes it a primary.
   */
  public static LocalPostgres standbyOf(LocalPostgres primary, Path dir) {
    Path absolute = dir.toAbsolutePath();
    if (Files.exists(absolute.resolve("data"))) {
      throw new BatonException("cannot make a standby in " + absolute + ": it already has a data directory");
    }
    LocalPostgres standby = new LocalPostgres(absolute, primary.bin, primary.asPostgresUser, primary.password);
    try {
      Files.createDirectories(absolute);
      if (standby.asPostgresUser) {
        chownToPostgres(absolute);
      }
      standby.run("pg_basebackup", List.of(primary.bin.resolve("pg_basebackup").toString(),
          "-h", primary.data.toString(), "-p", Integer.toString(primary.port()), "-U", "postgres",
          "-D", standby.data.toString(), "-R", "-X", "stream", "-c", "fast", "--no-sync"));
      // The primary's socket lives in its data directory: its lock file came along, and would stop
      // the standby from taking a socket on that port.
      try (Stream<Path> files = Files.list(standby.data)) {
        for (Path f : (Iterable<Path>) files::iterator) {
          if (f.getFileName().toString().startsWith(".s.PGSQL.")) {
            Files.delete(f);
          }
        }
      }
      standby.port = freePort();
      standby.writePort();
      Files.writeString(standby.data.resolve("postgresql.conf"), String.join("\n",
          "", "# written by baton LocalPostgres for a standby of " + primary.dir,
          "unix_socket_directories = '" + standby.data + "'",
          ""), StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.APPEND);
      log.info("[postgres dir={}] a standby of {}", absolute, primary.dir);
      return standby;
    } catch (IOException e) {
      throw new BatonException("cannot make a standby of " + primary.dir + " in " + absolute + ": " + e, e);
    }
  }

  /** The directory holding {@code initdb} and {@code pg_ctl}. */
  static Path findBinaries() {
    return findBinaries(System.getenv("BATON_PG_BINDIR"), pgConfigBindir(), Path.of("/usr/lib/postgresql"));
  }

  /** Looks in {@code fromEnvironment}, then {@code fromPgConfig}, then the newest {@code debian/<version>/bin}. */
  static Path findBinaries(String fromEnvironment, Optional<Path> fromPgConfig, Path debian) {
    List<String> tried = new ArrayList<>();
    if (fromEnvironment != null && !fromEnvironment.isBlank()) {
      Path candidate = Path.of(fromEnvironment);
      if (hasServerBinaries(candidate)) {
        return candidate;
      }
      tried.add("BATON_PG_BINDIR=" + fromEnvironment);
    }
    if (fromPgConfig.isPresent() && hasServerBinaries(fromPgConfig.get())) {
      return fromPgConfig.get();
    }
    tried.add("pg_config --bindir" + fromPgConfig.map(p -> " (" + p + ")").orElse(" (no pg_config)"));
    if (Files.isDirectory(debian)) {
      try (Stream<Path> versions = Files.list(debian)) {
        Optional<Path> newest = versions
            .map(v -> v.resolve("bin"))
            .filter(LocalPostgres::hasServerBinaries)
            .max(Comparator.comparing(p -> versionNumber(p.getParent().getFileName().toString())));
        if (newest.isPresent()) {
          return newest.get();
        }
      } catch (IOException e) {
        tried.add(debian + " (" + e.getMessage() + ")");
      }
    }
    tried.add(debian + "/*/bin");
    throw new BatonException("PostgreSQL server binaries (initdb, pg_ctl) not found; looked at "
        + String.join(", ", tried) + "; " + INSTALL_HINT);
  }

  private static double versionNumber(String text) {
    try {
      return Double.parseDouble(text);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static boolean hasServerBinaries(Path dir) {
    return Files.isExecutable(dir.resolve("initdb")) && Files.isExecutable(dir.resolve("pg_ctl"));
  }

  private static Optional<Path> pgConfigBindir() {
    try {
      Process p = new ProcessBuilder("pg_config", "--bindir").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      if (p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0 && !out.isEmpty()) {
        return Optional.of(Path.of(out));
      }
      p.destroyForcibly();
    } catch (IOException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return Optional.empty();
  }

  private static boolean isRoot() {
    try {
      return ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).intValue() == 0;
    } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
      return "root".equals(System.getProperty("user.name"));
    }
  }

  private static String randomPassword() {
    SecureRandom random = new SecureRandom();
    String alphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 24; i++) {
      sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
    }
    return sb.toString();
  }

  private void initdb() {
    try {
      Files.createDirectories(dir);
      Path passwordFile = dir.resolve("pwfile");
      Files.writeString(passwordFile, password + "\n", StandardCharsets.UTF_8);
      if (asPostgresUser) {
        chownToPostgres(dir);
      }
      port = freePort();
      run("initdb", List.of(bin.resolve("initdb").toString(), "-D", data.toString(), "-U", "postgres",
          "--pwfile=" + passwordFile, "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8",
          "--locale=C", "--no-sync"));
      Files.delete(passwordFile);
      writePort();
      Files.writeString(data.resolve("postgresql.conf"), String.join("\n",
          "", "# written by baton LocalPostgres",
          "listen_addresses = '127.0.0.1'",
          "unix_socket_directories = '" + data + "'",
          "max_connections = 600", // bench scale: 100 nodes in one JVM, each with a pool of up to 4 and a LISTEN connection
          "shared_buffers = 32MB",
          "fsync = off",
          "full_page_writes = off",
          "log_min_messages = warning",
          "shared_preload_libraries = 'pg_stat_statements'",
          "include_if_exists = 'baton-port.conf'",
          ""), StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.APPEND);
      log.info("[postgres dir={}] initialized a cluster with {}", dir, bin);
    } catch (IOException e) {
      throw new BatonException("cannot init a PostgreSQL cluster in " + dir + ": " + e, e);
    }
  }

  private void writePort() throws IOException {
    Path conf = data.resolve("baton-port.conf");
    Files.writeString(conf, "port = " + port + "\nlisten_addresses = '" + listenAddresses + "'\n", StandardCharsets.UTF_8);
    if (asPostgresUser) {
      chownToPostgres(conf);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private static void chownToPostgres(Path root) throws IOException {
    UserPrincipalLookupService lookup = root.getFileSystem().getUserPrincipalLookupService();
    UserPrincipal user = lookup.lookupPrincipalByName("postgres");
    GroupPrincipal group = lookup.lookupPrincipalByGroupName("postgres");
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : (Iterable<Path>) paths::iterator) {
        PosixFileAttributeView view = Files.getFileAttributeView(p, PosixFileAttributeView.class);
        view.setOwner(user);
        view.setGroup(group);
      }
    }
  }

  /**
   * Makes the server also listen on {@code address} and accept password logins from
   * {@code clientCidr} (for clients in network namespaces of a fault run); takes effect at the
   * next {@link #start()}.
   */
  public synchronized void listenAlsoOn(String address, String clientCidr) {
    try {
      listenAddresses = "127.0.0.1," + address;
      writePort();
      Path hba = data.resolve("pg_hba.conf");
      Files.writeString(hba, "host all all " + clientCidr + " scram-sha-256\n", StandardCharsets.UTF_8,
          java.nio.file.StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Makes the server offer TLS ({@code ssl = on}) with {@code certificate} (PEM, its chain after it)
   * and {@code key} (PEM, unencrypted), copied into the data directory with the key readable by the
   * server's user alone, as PostgreSQL requires; takes effect at the next {@link #start()}. Clients
   * choose whether to use it ({@code sslmode}); plain connections are still accepted.
   */
  public synchronized void useTls(Path certificate, Path key) {
    try {
      Path cert = Files.copy(certificate, data.resolve("server.crt"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      Path ownKey = Files.copy(key, data.resolve("server.key"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      Files.setPosixFilePermissions(ownKey, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
      if (asPostgresUser) {
        chownToPostgres(cert);
        chownToPostgres(ownKey);
      }
      Files.writeString(data.resolve("postgresql.conf"), String.join("\n",
          "", "# TLS, written by baton LocalPostgres",
          "ssl = on",
          "ssl_cert_file = '" + cert + "'",
          "ssl_key_file = '" + ownKey + "'",
          ""), StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException("[postgres dir=" + dir + "] cannot set up TLS: " + e, e);
    }
  }

  /**
   * Variables added to the server's environment from the next {@link #start()} on (e.g. a
   * preloaded fake clock for a fault run).
   */
  public synchronized void environment(Map<String, String> variables) {
    environment = Map.copyOf(variables);
  }

  /**
   * Starts the server (on the same port as before after a {@link #stop()}) and waits until it
   * accepts connections. Does nothing when it runs.
   */
  public synchronized void start() {
    if (closed) {
      throw new IllegalStateException("[postgres dir=" + dir + "] start() after close()");
    }
    if (running) {
      return;
    }
    for (int attempt = 1; ; attempt++) {
      try {
        List<String> command = new ArrayList<>();
        if (!environment.isEmpty()) {
          command.add("env");
          environment.forEach((k, v) -> command.add(k + "=" + v));
        }
        command.addAll(List.of(bin.resolve("pg_ctl").toString(), "start", "-D", data.toString(),
            "-l", dir.resolve("postgres.log").toString(), "-w", "-t", "60"));
        run("pg_ctl start", command);
        break;
      } catch (BatonException e) {
        if (attempt < 3 && logTail().contains("could not bind")) {
          try {
            port = freePort();
            writePort();
          } catch (IOException io) {
            throw new UncheckedIOException(io);
          }
          continue;
        }
        throw new BatonException(e.getMessage() + "\nserver log:\n" + logTail(), e);
      }
    }
    running = true;
    awaitConnections();
    log.info("[postgres port={}] started", port);
  }

  private void awaitConnections() {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    SQLException last = null;
    while (System.nanoTime() < deadline) {
      try (Connection c = connect("postgres")) {
        if (c.isValid(5)) {
          return;
        }
      } catch (SQLException e) {
        last = e;
      }
      try {
        Thread.sleep(50); // polling a server that is coming up
      } catch (InterruptedException interrupted) {
        Thread.currentThread().interrupt();
        throw new BatonException("interrupted while waiting for PostgreSQL to start", interrupted);
      }
    }
    throw new BatonException("[postgres port=" + port + "] does not accept connections after 30s"
        + (last != null ? ": " + last.getMessage() : "") + "\nserver log:\n" + logTail(), last);
  }

  /** Stops the server in "fast" mode: clients are disconnected, the server shuts down cleanly. */
  public synchronized void stop() {
    stop("fast");
  }

  /** Stops the server in "immediate" mode: like a crash, recovered at the next start. */
  public synchronized void stopImmediate() {
    stop("immediate");
  }

  private void stop(String mode) {
    if (!running) {
      return;
    }
    run("pg_ctl stop", List.of(bin.resolve("pg_ctl").toString(), "stop", "-D", data.toString(), "-m", mode, "-w", "-t", "60"));
    running = false;
    log.info("[postgres port={}] stopped ({})", port, mode);
  }

  /** Promotes a running standby to a primary (a new timeline) and waits until it is one. */
  public synchronized void promote() {
    if (!running) {
      throw new IllegalStateException("[postgres dir=" + dir + "] promote() while stopped");
    }
    run("pg_ctl promote", List.of(bin.resolve("pg_ctl").toString(), "promote", "-D", data.toString(), "-w", "-t", "60"));
    log.info("[postgres port={}] promoted", port);
  }

  /**
   * Makes the server listen on {@code port} from its next {@link #start()} (another server's
   * port, say, once that one stopped). Only while stopped.
   */
  public synchronized void usePort(int port) {
    if (running) {
      throw new IllegalStateException("[postgres dir=" + dir + "] usePort() while running");
    }
    this.port = port;
    try {
      writePort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public synchronized boolean isRunning() {
    return running;
  }

  public synchronized int port() {
    return port;
  }

  /** The password of the {@code postgres} superuser over TCP. */
  public String password() {
    return password;
  }

  public Path directory() {
    return dir;
  }

  /** A store URL for {@code database} on this server, as the superuser, password included. */
  public synchronized String url(String database) {
    return url("127.0.0.1", database);
  }

  /** A store URL for {@code database} on this server at {@code address} (see {@link #listenAlsoOn}). */
  public synchronized String url(String address, String database) {
    return url(address, port, database);
  }

  /** A store URL for {@code database} on this server, reached at {@code address:port} (a proxy before it, say). */
  public synchronized String url(String address, int port, String database) {
    return "postgresql://postgres:" + password + "@" + address + ":" + port + "/" + database;
  }

  /**
   * Creates {@code database} and returns its store URL.
   *
   * @throws BatonException when the name is not a plain lower-case identifier or the server refuses
   */
  public String createDatabase(String database) {
    if (!DATABASE_NAME.matcher(database).matches()) {
      throw new BatonException("invalid database name \"" + database + "\"; expected " + DATABASE_NAME.pattern());
    }
    try (Connection c = connect("postgres"); Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + database);
    } catch (SQLException e) {
      throw new BatonException("[postgres port=" + port() + "] cannot create database " + database + ": " + e.getMessage(), e);
    }
    return url(database);
  }

  private Connection connect(String database) throws SQLException {
    Properties p = new Properties();
    p.setProperty("user", "postgres");
    p.setProperty("password", password);
    p.setProperty("connectTimeout", "5");
    p.setProperty("socketTimeout", "30");
    return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port() + "/" + database, p);
  }

  /** Stops the server if it runs (fast, else immediate). The directory stays. Idempotent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      stop("fast");
    } catch (RuntimeException e) {
      log.warn("[postgres port={}] fast stop failed ({}); stopping immediately", port, e.getMessage());
      stop("immediate");
    }
  }

  private void run(String what, List<String> command) {
    List<String> full = new ArrayList<>();
    if (asPostgresUser) {
      full.addAll(List.of("runuser", "-u", "postgres", "--"));
    }
    full.addAll(command);
    try {
      Path output = Files.createTempFile("baton-pg-", ".out");
      try {
        Process process = new ProcessBuilder(full)
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(output.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
            .start();
        if (!process.waitFor(COMMAND_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
          process.destroyForcibly();
          throw new BatonException("[postgres dir=" + dir + "] " + what + " did not finish within "
              + COMMAND_TIMEOUT.toSeconds() + "s: " + String.join(" ", full));
        }
        if (process.exitValue() != 0) {
          throw new BatonException("[postgres dir=" + dir + "] " + what + " failed with exit code " + process.exitValue()
              + ": " + String.join(" ", full) + "\n" + Files.readString(output, StandardCharsets.UTF_8).strip());
        }
      } finally {
        Files.deleteIfExists(output);
      }
    } catch (IOException e) {
      throw new BatonException("[postgres dir=" + dir + "] cannot run " + what + " (" + String.join(" ", full) + "): " + e
          + (asPostgresUser ? "; running as root needs runuser and the postgres OS user" : ""), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BatonException("interrupted while running " + what, e);
    }
  }

  private String logTail() {
    try {
      List<String> lines = Files.readAllLines(dir.resolve("postgres.log"), StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
    } catch (IOException e) {
      return "(no server log: " + e.getMessage() + ")";
    }
  }

  @Override
  public String toString() {
    return "LocalPostgres[" + dir + ", port " + port + (running ? ", running" : ", stopped") + "]";
  }
}
