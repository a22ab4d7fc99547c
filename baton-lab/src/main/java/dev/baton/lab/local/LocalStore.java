package dev.baton.lab.local;

import dev.baton.core.BatonException;
import dev.baton.core.InvalidInputException;
import dev.baton.core.store.Stores;
import dev.baton.lab.faults.FakeClock;
import dev.baton.lab.faults.Netns;
import dev.baton.lab.faults.StoreProxy;
import dev.baton.store.postgresql.LocalPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The store of a demo or benchmark group on this machine: a fresh SQLite file, a private
 * PostgreSQL server started from the installed binaries, a local 3-server ZooKeeper
 * ensemble, or a store URL the user gives. Closing it stops what it started.
 */
public final class LocalStore implements AutoCloseable {
  static final String CHOICES = "sqlite, postgresql, zookeeper, or a store URL";

  private final String url;
  private final String description;
  private final AutoCloseable server;
  private final String zookeeperServers;
  private final StoreProxy proxy;

  private final Thread onExit = new Thread(this::stopServer, "baton-store-on-exit");

  private LocalStore(String url, String description, AutoCloseable server) {
    this(url, description, server, null, null);
  }

  private LocalStore(String url, String description, AutoCloseable server, String zookeeperServers, StoreProxy proxy) {
    this.url = url;
    this.description = description;
    this.server = server;
    this.zookeeperServers = zookeeperServers;
    this.proxy = proxy;
    if (server != null) {
      // A SIGTERM or Ctrl-C skips the callers' finally blocks: the server must not outlive us.
      Runtime.getRuntime().addShutdownHook(onExit);
    }
  }

  /**
   * @param choice {@code sqlite}, {@code postgresql}, {@code zookeeper}, or a store URL
   * @param dir the group's directory, where a file or a server's data goes
   */
  public static LocalStore create(String choice, Path dir) {
    return create(choice, dir, null, null, false);
  }

  /**
   * @param network when given, a PostgreSQL server listens also on the network's store address and
   *     is reached there (so that nodes in its namespaces can be cut off from it); null for loopback
   * @param serverClock when given, a PostgreSQL server runs on this fake wall clock; else null
   * @param proxied whether the URL leads through a {@link StoreProxy} to the server (PostgreSQL) or
   *     servers (ZooKeeper) this starts
   */
  public static LocalStore create(String choice, Path dir, Netns network, FakeClock serverClock, boolean proxied) {
    switch (choice) {
      case "sqlite" -> {
        Path file = dir.resolve("group.db");
        return new LocalStore("sqlite:" + file, "a fresh SQLite file, " + file, null);
      }
      case "postgresql" -> {
        try {
          // The server runs as the postgres user when we are root: it must be able to reach its directory.
          Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        } catch (IOException e) {
          throw new BatonException("cannot open " + dir + " to the postgres user: " + e.getMessage(), e);
        }
        LocalPostgres pg = LocalPostgres.init(dir.resolve("postgres"));
        try {
          String address = network == null ? "127.0.0.1" : network.storeAddress();
          if (network != null) {
            pg.listenAlsoOn(address, network.clientSubnet());
          }
          if (serverClock != null) {
            pg.environment(serverClock.environment());
          }
          pg.start();
          pg.createDatabase("baton");
          StoreProxy proxy = proxied ? StoreProxy.start(address, List.of(pg.port())) : null;
          int port = proxy == null ? pg.port() : proxy.portFor(pg.port());
          return new LocalStore(pg.url(address, port, "baton"), "a private PostgreSQL server on " + address + ":" + pg.port()
              + (proxy == null ? "" : ", reached through a proxy at " + address + ":" + port)
              + " (data in " + pg.directory() + ")", pg, null, proxy);
        } catch (RuntimeException e) {
          pg.close();
          throw e;
        }
      }
      case "zookeeper" -> {
        LocalZooKeeper ensemble;
        try {
          ensemble = LocalZooKeeper.start(Files.createDirectories(dir.resolve("zookeeper")));
        } catch (IOException | RuntimeException e) {
          throw new BatonException("cannot start a local ZooKeeper ensemble in " + dir.resolve("zookeeper") + ": "
              + e.getMessage(), e);
        }
        String host = network == null ? "127.0.0.1" : network.storeAddress();
        StoreProxy proxy;
        try {
          proxy = proxied ? StoreProxy.start(host, ensemble.clientPorts()) : null;
        } catch (RuntimeException e) {
          ensemble.close();
          throw e;
        }
        String servers = proxy == null ? ensemble.connectString(host)
            : ensemble.clientPorts().stream().map(p -> host + ":" + proxy.portFor(p)).collect(Collectors.joining(","));
        return new LocalStore("zookeeper://" + servers + "/baton", "a local 3-server ZooKeeper ensemble (child "
            + "processes, stopped with this one; data and logs in " + dir.resolve("zookeeper") + "), store zookeeper://"
            + servers + "/baton" + (proxy == null ? "" : " (through a proxy to ports " + ensemble.clientPorts() + ")"),
            ensemble, servers, proxy);
      }
      default -> {
        List<String> problems = Stores.problems(choice);
        if (!problems.isEmpty()) {
          throw new InvalidInputException("--store \"" + choice + "\": " + String.join("; ", problems)
              + " (or one of " + CHOICES + ")");
        }
        return new LocalStore(choice, choice, null);
      }
    }
  }

  public String url() {
    return url;
  }

  /** The private PostgreSQL server this store started, if it started one. */
  public java.util.Optional<LocalPostgres> postgres() {
    return server instanceof LocalPostgres pg ? java.util.Optional.of(pg) : java.util.Optional.empty();
  }

  /** The ensemble this store started, if it started one (the fault suite kills and restarts its servers). */
  public java.util.Optional<LocalZooKeeper> zookeeper() {
    return server instanceof LocalZooKeeper ensemble ? java.util.Optional.of(ensemble) : java.util.Optional.empty();
  }

  /** The proxy between the URL and the server(s), when the store was created with one. */
  public java.util.Optional<StoreProxy> proxy() {
    return java.util.Optional.ofNullable(proxy);
  }

  /** The SQLite file, when this store is one. */
  public java.util.Optional<Path> sqliteFile() {
    return url.startsWith("sqlite:") ? java.util.Optional.of(Path.of(url.substring("sqlite:".length()))) : java.util.Optional.empty();
  }

  /** The local ensemble's {@code host:port,...} list, or null when this store is not one. */
  public String zookeeperServers() {
    return zookeeperServers;
  }

  /** Where the group's state lives, for people. */
  public String description() {
    return description;
  }

  @Override
  public void close() {
    if (server != null) {
      try {
        Runtime.getRuntime().removeShutdownHook(onExit);
      } catch (IllegalStateException e) {
        // the JVM is exiting: the hook stops the server
      }
    }
    stopServer();
  }

  private synchronized void stopServer() {
    closeQuietly(proxy);
    closeQuietly(server);
  }

  private static void closeQuietly(AutoCloseable c) {
    if (c != null) {
      try {
        c.close();
      } catch (Exception e) {
        System.err.println("baton: error while stopping the store: " + e.getMessage());
      }
    }
  }
}
