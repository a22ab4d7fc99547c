package dev.baton.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.baton.lab.faults.FakeClock;
import dev.baton.store.postgresql.LocalPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Wall clocks that jump while Baton runs (docs/reliability.md, "agent clock jump" and "store clock
 * jump"): libfaketime preloaded into the agents or into the PostgreSQL server, with the monotonic
 * clock left alone. Leases use the monotonic clock and the store's own clock, so a jumping agent
 * clock must change nothing, and a jumping database clock must never let a service run twice.
 */
class ClockJumpIT {
  static final Duration HEARTBEAT = Duration.ofMillis(500);
  static final Duration LEASE = Duration.ofSeconds(3);
  static final Duration RESTART_LEASE = Duration.ofSeconds(10);

  @TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir;
  Group group;
  LocalPostgres postgres;
  final Map<String, FakeClock> clocks = new LinkedHashMap<>();

  @BeforeEach
  void needLibfaketime() {
    String reason = FakeClock.unavailableReason();
    assumeTrue(reason == null, reason);
  }

  @AfterEach
  void stopAllAndCheckTheHistory() {
    if (group != null) {
      FailoverContract.closeAndCheckTheHistory(group);
    }
    if (postgres != null) {
      postgres.close();
    }
  }

  private void startThreeNodes(boolean fakeAgentClocks) throws Exception {
    for (String n : new String[] {"node-a", "node-b", "node-c"}) {
      Map<String, String> env = Map.of();
      if (fakeAgentClocks) {
        FakeClock clock = new FakeClock(dir.resolve(n + ".clock"));
        clocks.put(n, clock);
        env = clock.environment();
      }
      group.start(n, null, env);
    }
    await("the service provided by one node, three nodes alive").atMost(Duration.ofSeconds(60))
        .until(() -> group.providedWithNodesAlive(3));
  }

  @Test
  void agentClocksJumpingAnHourBothWaysMoveNothing() throws Exception {
    group = Group.onStore(dir, "sqlite:" + dir.resolve("group.db"), HEARTBEAT, LEASE);
    startThreeNodes(true);
    EpochLog.Life before = group.epochLog().last();
    String other = clocks.keySet().stream().filter(n -> !n.equals(before.node())).findFirst().orElseThrow();

    clocks.get(before.node()).jump(Duration.ofHours(1));
    clocks.get(other).jump(Duration.ofHours(-1));
    assertNothingMovesForTwoLeases(before);

    clocks.get(before.node()).jump(Duration.ofHours(-1));
    clocks.get(other).jump(Duration.ofHours(1));
    assertNothingMovesForTwoLeases(before);
  }

  /**
   * A restarted agent whose wall clock stepped back an hour after its service started re-adopts it:
   * same pid, same epoch. libfaketime moves what the agent reads of the wall clock; it does not move
   * {@code btime} in {@code /proc/stat}, from which the JDK computes a process's start instant and
   * which a real step of the clock does move. So this guards the agent's own use of the clock; that
   * processes are told apart by the kernel's start ticks, which no step moves, is MirrorTest's and
   * GuardianTest's.
   */
  @Test
  void anAgentRestartedAfterItsWallClockSteppedReadoptsItsServiceWithTheSamePidAndEpoch() throws Exception {
    // The new agent must renew before the guardian's fence deadline (lease less the fence margin)
    // for the service to be kept; a loaded 2-core machine has taken 4.4 s from the kill to that
    // renewal (a JVM start and a join), so this test gives it a lease that covers such a start.
    // What it checks, the re-adoption after a clock step, does not depend on the lease.
    group = Group.onStore(dir, "sqlite:" + dir.resolve("group.db"), HEARTBEAT, RESTART_LEASE);
    startThreeNodes(true);
    EpochLog.Life before = group.epochLog().last();
    Group.Node owner = group.nodes.get(before.node());
    long oldAgent = owner.agentPid();

    clocks.get(before.node()).jump(Duration.ofHours(-1));
    Group.signal(oldAgent, "KILL");

    await("a new agent").atMost(Duration.ofSeconds(20)).until(() ->
        owner.agentPid() > 0 && owner.agentPid() != oldAgent && owner.status().isPresent());
    assertNothingMovesForTwoLeases(before);
    await("the re-adoption recorded").atMost(Duration.ofSeconds(5)).until(() -> group.events().stream()
        .anyMatch(e -> e.type().equals("guardian.restarted-agent") && e.detail().contains("re-adopted session")
            && e.detail().contains(Group.SERVICE + " (pid ") && e.detail().contains("epoch " + before.epoch() + ")")));
  }

  @Test
  void databaseClockJumpingAnHourAheadNeverRunsTheServiceTwice() throws Exception {
    Path serverDir = Files.createDirectories(dir.resolve("pg"));
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.setPosixFilePermissions(serverDir, PosixFilePermissions.fromString("rwxr-xr-x"));
    FakeClock dbClock = new FakeClock(serverDir.resolve("db.clock"));
    postgres = LocalPostgres.init(serverDir.resolve("postgres"));
    postgres.environment(dbClock.environment());
    postgres.start();
    String db = "it_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    postgres.createDatabase(db);
    group = Group.onStore(dir, postgres.url(db), HEARTBEAT, LEASE);
    startThreeNodes(false);
    EpochLog.Life before = group.epochLog().last();
    Instant dbBefore = databaseNow(db);

    dbClock.jump(Duration.ofHours(1));
    await("the database clock an hour ahead").atMost(Duration.ofSeconds(10))
        .until(() -> databaseNow(db).isAfter(dbBefore.plus(Duration.ofMinutes(59))));
    // Leases judged by the database clock all look expired at once; whatever the agents do about
    // it, the epoch log (checked after the test) must never show two runners, and the service
    // must be provided again.
    await("the service provided after the jump, the whiteboard agreeing").atMost(LEASE.multipliedBy(3).plusSeconds(20))
        .during(LEASE)
        .until(() -> {
          EpochLog.Life last = group.epochLog().last();
          return last.epoch() >= before.epoch() && Processes.running(last.pid())
              && group.service().map(s -> s.owner() != null && s.owner().equals(last.node()) && s.epoch() == last.epoch())
                  .orElse(false);
        });
  }

  private void assertNothingMovesForTwoLeases(EpochLog.Life before) {
    await("the same process providing, same epoch, every node alive").during(group.lease.multipliedBy(2))
        .atMost(group.lease.multipliedBy(2).plusSeconds(10)).until(() -> {
          EpochLog.Life last = group.epochLog().last();
          return last.pid() == before.pid() && last.epoch() == before.epoch() && Processes.running(before.pid())
              && group.status().map(s -> s.nodes().stream().allMatch(n -> n.state().equals("alive"))).orElse(false);
        });
  }

  private Instant databaseNow(String db) throws Exception {
    String url = "jdbc:postgresql://127.0.0.1:" + postgres.port() + "/" + db;
    try (Connection c = DriverManager.getConnection(url, "postgres", postgres.password());
        Statement s = c.createStatement();
        ResultSet r = s.executeQuery("select clock_timestamp()")) {
      r.next();
      return r.getTimestamp(1).toInstant();
    }
  }
}
