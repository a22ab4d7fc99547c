package dev.baton.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.baton.store.postgresql.LocalPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Three real agent processes on a private PostgreSQL server of this class's own (the tests stop
 * it, so it is never a shared one); each test has a database of its own. The owner's agent is
 * killed or stopped, or PostgreSQL is stopped for longer or shorter than the lease.
 *
 * <p>Timing, shorter than the defaults to keep the suite fast: heartbeat 300ms, lease 2s, so the
 * default fence-margin is 666ms (SIGTERM to the services 1334ms after the last successful renewal
 * was sent, SIGKILL at 1667ms) and the store call timeout is 300ms.
 */
class PostgresFailoverIT extends FailoverContract {
  static final Duration HEARTBEAT = Duration.ofMillis(300);
  static final Duration LEASE = Duration.ofSeconds(2);
  static final Duration LONG_LEASE = Duration.ofSeconds(8);

  private static Path serverDir;
  private static LocalPostgres postgres;
  private static Thread stopOnExit;


  @BeforeAll
  static void startPostgres() throws IOException {
    serverDir = Files.createTempDirectory("baton-it-pg-");
    // As root the server runs as the postgres user, which must be able to reach its directory.
    Files.setPosixFilePermissions(serverDir, PosixFilePermissions.fromString("rwxr-xr-x"));
    postgres = LocalPostgres.init(serverDir.resolve("postgres"));
    stopOnExit = new Thread(postgres::close, "baton-it-pg-stop");
    Runtime.getRuntime().addShutdownHook(stopOnExit);
    postgres.start();
  }

  @AfterAll
  static void stopPostgres() throws IOException {
    try {
      if (postgres != null) {
        postgres.close();
      }
    } finally {
      if (stopOnExit != null) {
        Runtime.getRuntime().removeShutdownHook(stopOnExit);
      }
      if (serverDir != null) {
        deleteTree(serverDir);
      }
    }
  }

  @Override
  Group newGroup(Path dir) throws Exception {
    postgres.start(); // a no-op unless an earlier test failed while it was stopped
    String url = postgres.createDatabase("it_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12));
    return Group.onStore(dir, url, HEARTBEAT, LEASE);
  }

  @Test
  void postgresDownLongerThanTheLeaseStopsEveryServiceBeforeTheLeaseEndsAndTheServiceComesBackWithAHigherEpoch() {
    EpochLog.Life before = group.epochLog().last();
    Duration outage = LEASE.plusSeconds(1);
    postgres.stopImmediate();
    // Every successful renewal was sent before this moment: the owner's lease ends by down + lease.
    long down = System.nanoTime();
    long up;
    try {
      await("every service process gone").atMost(LEASE.plusSeconds(2)).pollInterval(Duration.ofMillis(10))
          .until(() -> noServiceProcessRuns());
      Duration gone = Duration.ofNanos(System.nanoTime() - down);
      assertThat(gone).as("time from PostgreSQL down to the last service process gone").isLessThan(LEASE);

      Duration rest = Duration.ofNanos(Math.max(1_000_000, down + outage.toNanos() - System.nanoTime()));
      await("no service process and no new epoch while PostgreSQL is down").during(rest).atMost(rest.plusSeconds(2))
          .pollInterval(Duration.ofMillis(20))
          .until(() -> noServiceProcessRuns() && group.epochLog().firstAbove(before.epoch()) == null);
    } finally {
      postgres.start();
      up = System.nanoTime();
    }
    assertThat(Duration.ofNanos(up - down)).as("outage").isGreaterThan(LEASE);

    await("the service provided again with a higher epoch").atMost(LEASE.plusSeconds(5)).pollInterval(Duration.ofMillis(20))
        .until(() -> group.epochLog().firstAbove(before.epoch()) != null);
    EpochLog.Life after = group.epochLog().firstAbove(before.epoch());
    await("the whiteboard shows the new owner").atMost(Duration.ofSeconds(5)).until(() -> group.service()
        .map(s -> s.epoch() == after.epoch() && after.node().equals(s.owner())).orElse(false));
  }

  /**
   * Only an outage that really was shorter than the budget says anything: a stop and start of the
   * server that took longer (a loaded machine) may fence the owner, as it should. Such a trial is
   * thrown away, and the next one starts once the group has settled again; three are allowed.
   *
   * <p>The group runs at an 8 s lease here (a budget of about 5 s): a stop and start of PostgreSQL
   * has taken 2.6 to 3.6 s on this 2-core machine under load, longer than the 1 s budget of the
   * class's 2 s lease, so every trial was thrown away. The rule under test does not depend on the
   * lease's length.
   */
  @Test
  void postgresDownShorterThanLeaseMinusFenceMarginMinusHeartbeatStopsNothing() throws Exception {
    group.close();
    group = Group.onStore(Files.createDirectories(dir.resolve("long-lease")),
        postgres.createDatabase("it_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12)), HEARTBEAT,
        LONG_LEASE);
    for (String n : new String[] {"node-a", "node-b", "node-c"}) {
      group.start(n);
    }
    await("the service provided by one node, three nodes alive").atMost(Duration.ofSeconds(60))
        .until(() -> group.providedWithNodesAlive(3));
    Duration budget = LONG_LEASE.minus(LONG_LEASE.dividedBy(3)).minus(HEARTBEAT);
    List<Duration> tooLong = new ArrayList<>();
    while (true) {
      EpochLog.Life before = group.epochLog().last();
      long lives = group.epochLog().lives().size();
      // Down for a second before the start begins; the stop and the start take a few hundred ms more.
      Duration hold = Duration.ofSeconds(1);
      long down = System.nanoTime();
      try {
        postgres.stop();
        await("the service keeps running while PostgreSQL is down").during(hold.minusNanos(System.nanoTime() - down))
            .atMost(hold.plusSeconds(1)).pollInterval(Duration.ofMillis(20)).until(() -> Processes.running(before.pid()));
      } finally {
        postgres.start();
      }
      Duration outage = Duration.ofNanos(System.nanoTime() - down);
      if (outage.compareTo(budget) >= 0) {
        tooLong.add(outage);
        assertThat(tooLong).as("outages (stop and start of PostgreSQL) longer than the budget of " + budget)
            .hasSizeLessThan(3);
        await("the service provided again after an outage of " + outage).atMost(LONG_LEASE.plusSeconds(10)).until(() -> {
          EpochLog.Life last = group.epochLog().last();
          return Processes.running(last.pid()) && group.service()
              .map(st -> st.epoch() == last.epoch() && last.node().equals(st.owner())).orElse(false);
        });
        continue;
      }
      await("the same service process keeps running").during(LONG_LEASE.plusSeconds(1)).atMost(LONG_LEASE.plusSeconds(3))
          .until(() -> Processes.running(before.pid()) && group.epochLog().last().pid() == before.pid());
      await("the whiteboard shows the same owner and epoch").atMost(Duration.ofSeconds(5)).until(() -> group.service()
          .map(st -> st.epoch() == before.epoch() && before.node().equals(st.owner())).orElse(false));
      assertThat(group.epochLog().lives()).hasSize((int) lives);
      return;
    }
  }

  private boolean noServiceProcessRuns() {
    return group.epochLog().lives().stream().noneMatch(l -> Processes.running(l.pid()));
  }

  static void deleteTree(Path root) throws IOException {
    try (Stream<Path> paths = Files.walk(root)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.deleteIfExists(p);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    }
  }
}
