package dev.baton.lab.faults;

import dev.baton.lab.local.LocalZooKeeper;
import dev.baton.store.postgresql.LocalPostgres;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.Random;
import java.util.Set;

/**
 * What a fault may act on besides its target node: the checker that records it, the group's timing,
 * the store the bench owns (its private PostgreSQL server, its local ZooKeeper ensemble, or
 * its SQLite file), and the schedule's random source (a fault that chooses, e.g. which ZooKeeper
 * server to kill, draws from it so the seed reproduces the choice).
 *
 * @param store {@code sqlite}, {@code postgresql} or {@code zookeeper}
 * @param root whether this JVM runs as root (cgroups, other users' processes)
 * @param setUp what the bench set up for the run's kinds ({@link Fault#needs()}); the node cgroups are
 *     made once the group exists, the rest before the store starts
 * @param sqliteDisk the small tmpfs the SQLite file lives on, when the run may fill it
 * @param network the run's private network, when every node runs in a namespace of its own
 * @param storeClock the PostgreSQL server's fake wall clock, when it was started with one
 * @param storeProxy the proxy between the agents and the store's servers, when the run has one
 */
public record FaultContext(FencingChecker checker, Duration heartbeat, Duration lease, String store,
    FencingChecker.Mode mode, boolean root, Set<Fault.Setup> setUp, Optional<Path> sqliteFile, Optional<SmallDisk> sqliteDisk,
    Optional<LocalPostgres> postgres,
    Optional<LocalZooKeeper> zookeeper, Optional<Netns> network, Optional<FakeClock> storeClock,
    Optional<StoreProxy> storeProxy,
    Random random) {

  /** Sleeps for {@code factor} x lease: the length of a pause or an outage. */
  public void hold(double factor) throws InterruptedException {
    Thread.sleep(Math.round(lease.toMillis() * factor));
  }
}
