package dev.baton.lab.bench;

import dev.baton.cli.ExitCodes;
import dev.baton.core.Durations;
import dev.baton.core.InvalidInputException;
import dev.baton.lab.local.LocalGroup;
import dev.baton.lab.local.LocalStore;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "latch", mixinStandardHelpOptions = true,
    description = {"Compare Baton on ZooKeeper with Apache Curator's LeaderLatch recipe, on one",
        "local 3-server ensemble and with the same ZooKeeper session timeout (the",
        "lease). First 3 Baton agents (--store zookeeper), then 3 LeaderLatch",
        "contenders (child JVMs that run the same service while they lead): --trials",
        "times each, SIGKILL the process that runs the service (the owner's agent, the",
        "leading contender) and measure the time to the new service process's first",
        "line. Prints p50/p90/p99/max for both, and their ratio."})
final class BenchLatchCommand implements Callable<Integer> {
  private static final int CONTENDERS = 3;
  private static final String LATCH = "/bench-latch/leader";

  @Option(names = "--trials", defaultValue = "20", description = "kills per contestant (default: ${DEFAULT-VALUE})")
  int trials;

  @Option(names = "--heartbeat", defaultValue = "500ms", description = "Baton's timing.heartbeat (default: ${DEFAULT-VALUE})")
  String heartbeat;

  @Option(names = "--lease", defaultValue = "3s",
      description = "Baton's timing.lease and the LeaderLatch clients' session timeout (default: ${DEFAULT-VALUE})")
  String lease;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    if (trials < 1) {
      throw new InvalidInputException("--trials " + trials + " is out of range; expected at least 1");
    }
    Duration leaseD = Durations.parse(lease);
    Durations.parse(heartbeat);
    PrintWriter out = spec.commandLine().getOut();
    Path dir = Files.createTempDirectory("baton-bench-latch-");
    Stats baton;
    Stats latch;
    try (LocalStore ensemble = LocalStore.create("zookeeper", dir)) {
      out.println("ensemble: " + ensemble.description());
      out.println("Baton: 3 agents, heartbeat " + heartbeat + ", lease " + lease + " (ZooKeeper session timeout " + lease + ")");
      out.flush();
      Path batonDir = Files.createDirectories(dir.resolve("baton"));
      Path script = BenchFailoverCommand.writeEpochWriter(batonDir);
      Path epochs = batonDir.resolve("epochs.log");
      try (LocalGroup group = new LocalGroup(batonDir, "bench", CONTENDERS, ensemble.url(),
          List.of("heartbeat: " + heartbeat, "lease: " + lease), new LocalGroup.ServiceSpec(BenchFailoverCommand.SERVICE,
              List.of(script.toString()), Map.of("EPOCH_LOG", epochs.toString()), Duration.ofSeconds(2)))) {
        group.nodes().forEach(LocalGroup.Node::start);
        baton = BenchFailoverCommand.trials(group, epochs, "kill", trials, leaseD, out).rows.get("fault -> new service running");
      }
      out.println("LeaderLatch: 3 contenders on " + LATCH + ", session timeout " + lease);
      out.flush();
      latch = latchTrials(ensemble.zookeeperServers(), Files.createDirectories(dir.resolve("latch")),
          (int) leaseD.toMillis(), out);
    } finally {
      LocalGroup.deleteTree(dir);
    }
    out.printf("%nSIGKILL of the process running the service -> new service process running; local 3-server%n"
        + "ensemble (100ms tick), ZooKeeper session timeout %s, %d trials each%n", lease, trials);
    out.println("contestant                                 p50      p90      p99      max   p50/lease  p99/lease");
    row(out, "Baton (heartbeat " + heartbeat + ", lease " + lease + ")", baton, leaseD);
    row(out, "Curator LeaderLatch (session " + lease + ")", latch, leaseD);
    out.printf("ratio Baton / LeaderLatch               %6.2f   %6.2f   %6.2f   %6.2f%n",
        baton.percentile(50) / latch.percentile(50), baton.percentile(90) / latch.percentile(90),
        baton.percentile(99) / latch.percentile(99), baton.max() / latch.max());
    out.flush();
    return ExitCodes.OK;
  }

  private Stats latchTrials(String servers, Path dir, int sessionTimeoutMs, PrintWriter out) throws Exception {
    Path script = BenchFailoverCommand.writeEpochWriter(dir);
    Path epochs = dir.resolve("epochs.log");
    List<String> ids = new ArrayList<>();
    Map<String, Process> contenders = new java.util.LinkedHashMap<>();
    Stats failover = new Stats();
    try (CuratorFramework observer = CuratorFrameworkFactory.newClient(servers, new RetryOneTime(100))) {
      observer.start();
      for (int i = 0; i < CONTENDERS; i++) {
        String id = "latch-" + (char) ('a' + i);
        ids.add(id);
        contenders.put(id, spawn(servers, id, sessionTimeoutMs, script, epochs, dir));
      }
      for (int t = 1; t <= trials; t++) {
        BenchFailoverCommand.Lives.Life before = awaitSteady(observer, contenders, epochs);
        Process leader = contenders.get(before.node());
        long faultAt = BenchFailoverCommand.Lives.wallNanos();
        leader.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        BenchFailoverCommand.Lives.Life after = BenchFailoverCommand.awaitAbove(epochs, before.epoch(), Duration.ofSeconds(60));
        failover.add((after.first() - faultAt) / 1e6);
        out.printf("latch trial %2d/%d: %s epoch %d -> %s epoch %d in %.0f ms%n", t, trials, before.node(),
            before.epoch(), after.node(), after.epoch(), (after.first() - faultAt) / 1e6);
        out.flush();
        contenders.put(before.node(), spawn(servers, before.node(), sessionTimeoutMs, script, epochs, dir));
      }
    } finally {
      for (Process p : contenders.values()) {
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
    return failover;
  }

  private static Process spawn(String servers, String id, int sessionTimeoutMs, Path script, Path epochs, Path dir)
      throws java.io.IOException {
    return LatchContender.spawn(servers, LATCH, id, sessionTimeoutMs, List.of(script.toString()),
        Map.of("EPOCH_LOG", epochs.toString()), dir.resolve(id + ".log"));
  }

  /**
   * Waits until every contender is alive and in the latch (its znode exists) and one service
   * process writes, recently, under the newest epoch.
   */
  private static BenchFailoverCommand.Lives.Life awaitSteady(CuratorFramework observer, Map<String, Process> contenders,
      Path epochs) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    while (System.nanoTime() < deadline) {
      BenchFailoverCommand.Lives.Life last = BenchFailoverCommand.Lives.last(epochs);
      List<String> joined = observer.checkExists().forPath(LATCH) == null ? List.of() : observer.getChildren().forPath(LATCH);
      if (last != null && joined.size() == contenders.size() && contenders.values().stream().allMatch(Process::isAlive)
          && contenders.get(last.node()) != null
          && BenchFailoverCommand.Lives.wallNanos() - last.last() < 200_000_000L) {
        return last;
      }
      Thread.sleep(50);
    }
    throw new IllegalStateException("the LeaderLatch contenders did not settle within 120s; see their logs");
  }

  private static void row(PrintWriter out, String who, Stats s, Duration lease) {
    double l = lease.toMillis();
    out.printf("%-38s %6.0fms %6.0fms %6.0fms %6.0fms %9.2f %10.2f%n", who, s.percentile(50), s.percentile(90),
        s.percentile(99), s.max(), s.percentile(50) / l, s.percentile(99) / l);
  }
}
