package dev.baton.cli;

import dev.baton.core.Durations;
import dev.baton.core.InvalidInputException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "failover", mixinStandardHelpOptions = true,
    description = {"Measure failover with a group of real agents: each fault --trials times on the current owner.",
        "Prints the distribution of the time from the fault to the new service process running (ms, and as a"
            + " ratio to the lease), and of the gap during which no process provided the service. Faults: kill ="
            + " SIGKILL of the owner's whole node (launcher, guardian, agent); term = SIGTERM of the owner's node"
            + " (graceful handover)."})
final class BenchFailoverCommand implements Callable<Integer> {
  static final String SERVICE = "bench";

  @Option(names = "--store", defaultValue = "sqlite",
      description = "sqlite (default), postgresql (a private server), zookeeper (an in-process ensemble), or a store URL")
  String store;

  @Option(names = "--trials", defaultValue = "20", description = "trials per fault (default: ${DEFAULT-VALUE})")
  int trials;

  @Option(names = "--nodes", defaultValue = "3", description = "agents in the group (default: ${DEFAULT-VALUE})")
  int nodes;

  @Option(names = "--heartbeat", defaultValue = "500ms", description = "timing.heartbeat (default: ${DEFAULT-VALUE})")
  String heartbeat;

  @Option(names = "--lease", defaultValue = "3s", description = "timing.lease (default: ${DEFAULT-VALUE})")
  String lease;

  @Option(names = "--faults", defaultValue = "kill,term", split = ",", description = "faults to inject (default: ${DEFAULT-VALUE})")
  List<String> faults;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    if (trials < 1 || nodes < 2 || nodes > 9) {
      throw new InvalidInputException("--trials must be at least 1 and --nodes 2 to 9");
    }
    for (String f : faults) {
      if (!f.equals("kill") && !f.equals("term")) {
        throw new InvalidInputException("unknown fault \"" + f + "\"; expected kill or term");
      }
    }
    Duration leaseD = Durations.parse(lease);
    Durations.parse(heartbeat);
    PrintWriter out = spec.commandLine().getOut();
    Path dir = Files.createTempDirectory("baton-bench-");
    Path script = writeEpochWriter(dir);
    Path epochs = dir.resolve("epochs.log");
    Map<String, Stats[]> results = new LinkedHashMap<>();
    try (LocalStore shared = LocalStore.create(store, dir);
        LocalGroup group = new LocalGroup(dir, "bench", nodes, shared.url(), List.of("heartbeat: " + heartbeat, "lease: " + lease),
        new LocalGroup.ServiceSpec(SERVICE, List.of(script.toString()), Map.of("EPOCH_LOG", epochs.toString()), Duration.ofSeconds(2)))) {
      out.printf("%d agents (heartbeat %s, lease %s) sharing %s; %d trials of %s%n", nodes, heartbeat, lease,
          shared.description(), trials, String.join(", ", faults));
      out.flush();
      group.nodes.forEach(LocalGroup.Node::start);
      for (String fault : faults) {
        results.put(fault, trials(group, epochs, fault, trials, out));
      }
    } finally {
      LocalGroup.deleteTree(dir);
    }
    out.printf("%nstore %s, %d nodes, heartbeat %s, lease %s, %d trials per fault%n", store, nodes, heartbeat, lease, trials);
    out.println("fault  measure                       p50      p90      p99      max   p50/lease  p99/lease");
    results.forEach((fault, s) -> {
      row(out, fault, "fault -> new service running", s[0], leaseD);
      row(out, "", "no process providing (gap)", s[1], leaseD);
    });
    out.flush();
    return ExitCodes.OK;
  }

  /**
   * The benchmark's service: a script that appends {@code epoch node pid wall-nanos} to
   * {@code $EPOCH_LOG} every 20 ms, taking the epoch and node from {@code BATON_EPOCH} and
   * {@code BATON_NODE}.
   */
  static Path writeEpochWriter(Path dir) throws IOException {
    Path script = dir.resolve("epoch-writer.sh");
    Files.writeString(script, String.join("\n",
        "#!/bin/sh",
        "while :; do echo \"$BATON_EPOCH $BATON_NODE $$ $(date +%s%N)\" >> \"$EPOCH_LOG\"; sleep 0.02; done", ""));
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    return script;
  }

  /**
   * Injects {@code fault} ({@code kill} or {@code term}) on the current owner {@code trials} times,
   * restarting the agent after each; returns the distributions of the time from the fault to the
   * first line of the new epoch, and of the gap since the old process's last line (ms).
   */
  static Stats[] trials(LocalGroup group, Path epochs, String fault, int trials, PrintWriter out) throws Exception {
    Stats failover = new Stats();
    Stats gap = new Stats();
    for (int t = 1; t <= trials; t++) {
      Lives.Life before = awaitSteady(group, epochs);
      LocalGroup.Node owner = group.node(before.node()).orElseThrow();
      long faultAt = Lives.wallNanos();
      if (fault.equals("kill")) {
        owner.kill();
      } else {
        owner.terminate();
      }
      Lives.Life after = awaitAbove(epochs, before.epoch(), Duration.ofSeconds(60));
      Lives.Life old = Lives.read(epochs).stream().filter(l -> l.pid() == before.pid()).findFirst().orElse(before);
      failover.add((after.first() - faultAt) / 1e6);
      gap.add(Math.max(0, after.first() - old.last()) / 1e6);
      out.printf("%-5s trial %2d/%d: %s epoch %d -> %s epoch %d in %.0f ms (gap %.0f ms)%n", fault, t, trials,
          before.node(), before.epoch(), after.node(), after.epoch(), (after.first() - faultAt) / 1e6,
          Math.max(0, after.first() - old.last()) / 1e6);
      out.flush();
      owner.awaitExit();
      owner.start();
    }
    return new Stats[] {failover, gap};
  }

  private static void row(PrintWriter out, String fault, String what, Stats s, Duration lease) {
    double l = lease.toMillis();
    out.printf("%-6s %-28s %6.0fms %6.0fms %6.0fms %6.0fms %9.2f %10.2f%n", fault, what, s.percentile(50), s.percentile(90),
        s.percentile(99), s.max(), s.percentile(50) / l, s.percentile(99) / l);
  }

  /** Waits until every agent is alive on the whiteboard and one process provides the service. */
  private static Lives.Life awaitSteady(LocalGroup group, Path epochs) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    while (System.nanoTime() < deadline) {
      Optional<dev.baton.api.StatusResponse> s = group.status();
      Lives.Life last = Lives.last(epochs);
      if (s.isPresent() && last != null
          && s.get().nodes().stream().filter(n -> n.state().equals("alive")).count() == group.nodes.size()
          && s.get().services().stream().anyMatch(x -> x.name().equals(SERVICE) && last.node().equals(x.owner())
              && x.epoch() == last.epoch())
          && Lives.wallNanos() - last.last() < 200_000_000L) {
        return last;
      }
      Thread.sleep(50);
    }
    throw new IllegalStateException("the group did not settle within 120s; see the agent logs");
  }

  static Lives.Life awaitAbove(Path epochs, long epoch, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      Optional<Lives.Life> l = Lives.read(epochs).stream().filter(x -> x.epoch() > epoch).findFirst();
      if (l.isPresent()) {
        return l.get();
      }
      Thread.sleep(5);
    }
    throw new IllegalStateException("no new epoch within " + timeout);
  }

  /** The epoch log's processes: {@code epoch node pid wall-nanos} lines. */
  static final class Lives {
    record Life(long epoch, String node, long pid, long first, long last) {}

    static long wallNanos() {
      java.time.Instant now = java.time.Instant.now();
      return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    static List<Life> read(Path file) throws IOException {
      Map<Long, Life> byPid = new LinkedHashMap<>();
      if (!Files.exists(file)) {
        return List.of();
      }
      for (String line : Files.readAllLines(file)) {
        String[] f = line.trim().split(" ");
        if (f.length != 4) {
          continue;
        }
        long pid = Long.parseLong(f[2]);
        long t = Long.parseLong(f[3]);
        byPid.merge(pid, new Life(Long.parseLong(f[0]), f[1], pid, t, t),
            (a, b) -> new Life(a.epoch(), a.node(), pid, Math.min(a.first(), t), Math.max(a.last(), t)));
      }
      return byPid.values().stream().sorted(java.util.Comparator.comparingLong(Life::first)).toList();
    }

    static Life last(Path file) throws IOException {
      List<Life> all = read(file);
      return all.isEmpty() ? null : all.get(all.size() - 1);
    }
  }
}
