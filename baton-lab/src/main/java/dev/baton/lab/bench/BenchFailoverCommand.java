package dev.baton.lab.bench;

import dev.baton.agent.config.ConfigLoader;
import dev.baton.cli.ExitCodes;
import dev.baton.core.Durations;
import dev.baton.core.InvalidInputException;
import dev.baton.lab.faults.Processes;
import dev.baton.lab.local.LocalGroup;
import dev.baton.lab.local.LocalStore;
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
            + " ratio to the lease), and of the gap during which no process provided the service.",
        "Faults: kill = SIGKILL of the owner's whole node (launcher, guardian, agent); term = SIGTERM of the"
            + " owner's node (graceful handover); stop = SIGSTOP of the owner's agent for 2 x lease, then SIGCONT"
            + " (also: whether its guardian killed the service before the new epoch started, and how the agent"
            + " rejoins); service-crash = SIGKILL of the service process while its agent lives (restart in place or"
            + " failover, by the recovery ladder: one restart per node, then a 5s ban); move = `baton move` of the"
            + " service to another node (planned handover)."})
final class BenchFailoverCommand implements Callable<Integer> {
  static final String SERVICE = "bench";
  static final List<String> FAULTS = List.of("kill", "term", "stop", "service-crash", "move");
  /** The recovery ladder of the benchmark's service: one restart in place per node, then a short ban. */
  static final String RECOVERY = "recovery: {restarts: 1, window: 10m, backoff: 1s..1s, ban: 5s}";

  @Option(names = "--store", defaultValue = "sqlite",
      description = "sqlite (default), postgresql (a private server), zookeeper (a local 3-server ensemble), or a store URL")
  String store;

  @Option(names = "--trials", defaultValue = "20", description = "trials per fault (default: ${DEFAULT-VALUE})")
  int trials;

  @Option(names = "--nodes", defaultValue = "3", description = "agents in the group (default: ${DEFAULT-VALUE})")
  int nodes;

  @Option(names = "--heartbeat", defaultValue = "500ms", description = "timing.heartbeat (default: ${DEFAULT-VALUE})")
  String heartbeat;

  @Option(names = "--lease", defaultValue = "3s", description = "timing.lease (default: ${DEFAULT-VALUE})")
  String lease;

  @Option(names = "--fence-margin", description = "timing.fence-margin (default: the agents' own, lease/3)")
  String fenceMargin;

  @Option(names = "--faults", defaultValue = "kill,term", split = ",",
      description = "faults to inject, of kill, term, stop, service-crash, move (default: ${DEFAULT-VALUE})")
  List<String> faults;

  @Option(names = "--samples", paramLabel = "FILE",
      description = "also write every sample as CSV (series,trial,millis) to FILE")
  Path samples;

  @Option(names = "--plot", paramLabel = "FILE.png",
      description = "also draw each measure's distribution (share of trials done by each time) as a PNG")
  Path plot;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    if (trials < 1 || nodes < 2 || nodes > 9) {
      throw new InvalidInputException("--trials must be at least 1 and --nodes 2 to 9");
    }
    BenchFiles.writable("--samples", samples, null);
    BenchFiles.writable("--plot", plot, ".png");
    for (String f : faults) {
      if (!FAULTS.contains(f)) {
        throw new InvalidInputException("unknown fault \"" + f + "\"; expected some of " + String.join(", ", FAULTS));
      }
    }
    Duration leaseD = Durations.parse(lease);
    Durations.parse(heartbeat);
    PrintWriter out = spec.commandLine().getOut();
    Path dir = Files.createTempDirectory("baton-bench-");
    Path script = writeEpochWriter(dir);
    Path epochs = dir.resolve("epochs.log");
    Map<String, Trials> results = new LinkedHashMap<>();
    try (LocalStore shared = LocalStore.create(store, dir);
        LocalGroup group = new LocalGroup(dir, "bench", nodes, shared.url(), timingLines(),
        new LocalGroup.ServiceSpec(SERVICE, List.of(script.toString()), Map.of("EPOCH_LOG", epochs.toString()),
            Duration.ofSeconds(2), List.of(RECOVERY)))) {
      refuseInvalid(group);
      out.printf("%d agents (heartbeat %s, lease %s) sharing %s; %d trials of %s%n", nodes, heartbeat, lease,
          shared.description(), trials, String.join(", ", faults));
      out.flush();
      group.nodes().forEach(LocalGroup.Node::start);
      Progress progress = new Progress("bench failover", faults.size() * trials);
      for (String fault : faults) {
        results.put(fault, trials(group, epochs, fault, trials, leaseD, out, progress));
      }
    } finally {
      LocalGroup.deleteTree(dir);
    }
    out.printf("%nstore %s, %d nodes, heartbeat %s, lease %s, %d trials per fault%n", store, nodes, heartbeat, lease, trials);
    out.println("fault          measure                          n      p50      p90      p99      max   p50/lease  p99/lease");
    results.forEach((fault, t) -> {
      boolean first = true;
      for (Map.Entry<String, Stats> row : t.rows.entrySet()) {
        row(out, first ? fault : "", row.getKey(), row.getValue(), leaseD);
        first = false;
      }
    });
    results.forEach((fault, t) -> t.notes.forEach((note, count) -> out.printf("%-14s %s: %d of %d trials%n", fault, note,
        count, trials)));
    Map<String, Stats> series = new LinkedHashMap<>();
    results.forEach((fault, t) -> t.rows.forEach((measure, stats) -> series.put(fault + ": " + measure, stats)));
    if (samples != null) {
      Samples.csv(samples, series);
      out.println("samples: " + samples);
    }
    if (plot != null) {
      Samples.plot(plot, "bench failover: store " + store + ", heartbeat " + heartbeat + ", lease " + lease, series);
      out.println("plot: " + plot);
    }
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
        // The machine's pid, not $$: in a PID namespace of its own $$ is the namespace's pid.
        "read -r pid rest < /proc/self/stat",
        "while :; do echo \"$BATON_EPOCH $BATON_NODE $pid $(date +%s%N)\" >> \"$EPOCH_LOG\"; sleep 0.02; done", ""));
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    return script;
  }

  /** What the trials of one fault measured: distributions by measure, and counts of things seen. */
  static final class Trials {
    final Map<String, Stats> rows = new LinkedHashMap<>();
    final Map<String, Integer> notes = new LinkedHashMap<>();

    void add(String measure, double millis) {
      rows.computeIfAbsent(measure, m -> new Stats()).add(millis);
    }

    void note(String what) {
      notes.merge(what, 1, Integer::sum);
    }
  }

  /**
   * Injects {@code fault} on the current owner {@code trials} times, bringing the node back after
   * each (a killed or terminated node is restarted; a stopped agent is continued and rejoins by
   * itself); returns the distributions of the time from the fault to the first line of a new
   * service process, and of the gap since the old process's last line (ms).
   */
  static Trials trials(LocalGroup group, Path epochs, String fault, int trials, Duration lease, PrintWriter out)
      throws Exception {
    return trials(group, epochs, fault, trials, lease, out, new Progress("bench failover " + fault, trials));
  }

  static Trials trials(LocalGroup group, Path epochs, String fault, int trials, Duration lease, PrintWriter out,
      Progress progress) throws Exception {
    Trials result = new Trials();
    for (int t = 1; t <= trials; t++) {
      Lives.Life before = awaitSteady(group, epochs);
      LocalGroup.Node owner = group.node(before.node()).orElseThrow();
      long faultAt = Lives.wallNanos();
      String extra = "";
      String measure = "fault -> new service running";
      Lives.Life after;
      switch (fault) {
        case "kill" -> {
          owner.kill();
          after = awaitAbove(epochs, before.epoch(), Duration.ofSeconds(60));
        }
        case "term" -> {
          owner.terminate();
          after = awaitAbove(epochs, before.epoch(), Duration.ofSeconds(60));
        }
        case "stop" -> {
          long agent = owner.agentPid();
          Processes.signal("STOP", List.of(agent));
          try {
            after = awaitAbove(epochs, before.epoch(), Duration.ofSeconds(60));
            long pausedFor = lease.multipliedBy(2).toNanos() - (Lives.wallNanos() - faultAt);
            if (pausedFor > 0) {
              Thread.sleep(pausedFor / 1_000_000);
            }
            result.note("paused owner seen " + nodeState(group, owner) + " by its peers before SIGCONT");
          } finally {
            Processes.signal("CONT", List.of(agent));
          }
        }
        case "service-crash" -> {
          Processes.signal("KILL", List.of(before.pid()));
          after = awaitNewLife(epochs, before.pid(), faultAt, Duration.ofSeconds(60));
          boolean inPlace = after.node().equals(before.node()) && after.epoch() == before.epoch();
          extra = inPlace ? ", restarted in place" : ", failed over";
          measure = inPlace ? "fault -> restarted in place" : "fault -> failed over";
          result.note(inPlace ? "restarted in place (same node, same epoch)" : "failed over (recovery ladder: ban)");
        }
        case "move" -> {
          String target = group.nodes().stream().map(n -> n.name()).filter(n -> !n.equals(before.node())).toList()
              .get((t - 1) % (group.nodes().size() - 1));
          faultAt = Lives.wallNanos();
          owner.client().operator("POST", "/v1/services/" + SERVICE + "/move", Map.of("to", target));
          after = awaitAbove(epochs, before.epoch(), Duration.ofSeconds(60));
          if (!after.node().equals(target)) {
            result.note("ended on another node than the target");
          }
        }
        default -> throw new IllegalArgumentException(fault);
      }
      Lives.Life old = Lives.read(epochs).stream().filter(l -> l.pid() == before.pid()).findFirst().orElse(before);
      double took = (after.first() - faultAt) / 1e6;
      double gap = Math.max(0, after.first() - old.last()) / 1e6;
      result.add(measure, took);
      result.add("no process providing (gap)", gap);
      if (old.last() >= after.first()) {
        result.note("OVERLAP: old and new process both wrote");
      }
      if (fault.equals("stop")) {
        extra = stopped(group, epochs, owner, before, after, result);
      }
      out.printf("%-13s trial %2d/%d: %s epoch %d -> %s epoch %d in %.0f ms (gap %.0f ms)%s%n", fault, t, trials,
          before.node(), before.epoch(), after.node(), after.epoch(), took, gap, extra);
      out.flush();
      if (fault.equals("kill") || fault.equals("term")) {
        owner.awaitExit();
        owner.start();
      }
      progress.step();
    }
    return result;
  }

  /**
   * After a SIGSTOP of the owner's agent and its SIGCONT: whether its guardian killed the old
   * service before the new epoch started, how long the continued agent took to be alive again, and
   * whether it ran the service again on its own (it must not).
   */
  private static String stopped(LocalGroup group, Path epochs, LocalGroup.Node owner, Lives.Life before,
      Lives.Life after, Trials result) throws Exception {
    long contAt = Lives.wallNanos();
    Lives.Life old = Lives.read(epochs).stream().filter(l -> l.pid() == before.pid()).findFirst().orElse(before);
    boolean killedFirst = old.last() < after.first() && ProcessHandle.of(before.pid()).map(p -> !p.isAlive()).orElse(true);
    result.note(killedFirst ? "old service gone before the new epoch started (guardian)"
        : "old service NOT gone before the new epoch started");
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!nodeState(group, owner).equals("alive") && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    double rejoin = (Lives.wallNanos() - contAt) / 1e6;
    result.add("SIGCONT -> agent alive again", rejoin);
    boolean ranAgain = Lives.read(epochs).stream().anyMatch(l -> l.node().equals(owner.name()) && l.first() > contAt);
    result.note(ranAgain ? "continued agent ran the service again" : "continued agent rejoined without running it");
    return String.format(", old service %s before the new start; rejoined %.0f ms after SIGCONT%s",
        killedFirst ? "killed " + (after.first() - old.last()) / 1_000_000 + " ms" : "NOT killed", rejoin,
        ranAgain ? ", RAN IT AGAIN" : "");
  }

  private static String nodeState(LocalGroup group, LocalGroup.Node node) {
    return group.status().flatMap(s -> s.nodes().stream().filter(n -> n.name().equals(node.name()))
        .map(dev.baton.api.NodeStatus::state).findFirst()).orElse("unknown");
  }

  private static void row(PrintWriter out, String fault, String what, Stats s, Duration lease) {
    double l = lease.toMillis();
    out.printf("%-14s %-31s %3d %6.0fms %6.0fms %6.0fms %6.0fms %9.2f %10.2f%n", fault, what, s.count(), s.percentile(50),
        s.percentile(90), s.percentile(99), s.max(), s.percentile(50) / l, s.percentile(99) / l);
  }

  private List<String> timingLines() {
    List<String> lines = new java.util.ArrayList<>(List.of("heartbeat: " + heartbeat, "lease: " + lease));
    if (fenceMargin != null) {
      lines.add("fence-margin: " + fenceMargin);
    }
    return lines;
  }

  /** Refuses, before any agent starts, a timing the agents would refuse to start with. */
  private void refuseInvalid(LocalGroup group) {
    try {
      ConfigLoader.load(group.nodes().get(0).config());
    } catch (InvalidInputException e) {
      throw new InvalidInputException("the agents would refuse this timing: " + e.getMessage()
          + " (bench failover sets it with --heartbeat, --lease and --fence-margin)");
    }
  }

  /**
   * Waits until every agent is alive on the whiteboard, no provider is unavailable (a ban of the
   * recovery ladder has ended) and one process provides the service.
   */
  private static Lives.Life awaitSteady(LocalGroup group, Path epochs) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    while (System.nanoTime() < deadline) {
      Optional<dev.baton.api.StatusResponse> s = group.status();
      Lives.Life last = Lives.last(epochs);
      if (s.isPresent() && last != null
          && s.get().nodes().stream().filter(n -> n.state().equals("alive")).count() == group.nodes().size()
          && s.get().services().stream().anyMatch(x -> x.name().equals(SERVICE) && last.node().equals(x.owner())
              && x.epoch() == last.epoch() && x.moving() == null
              && x.providers().stream().noneMatch(p -> p.state().equals("unavailable")))
          && Lives.wallNanos() - last.last() < 200_000_000L) {
        return last;
      }
      Thread.sleep(50);
    }
    throw new IllegalStateException("the group did not settle within 120s; see the agent logs");
  }

  /** The first process that started writing after {@code since} other than {@code pid}. */
  static Lives.Life awaitNewLife(Path epochs, long pid, long since, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      Optional<Lives.Life> l = Lives.read(epochs).stream().filter(x -> x.pid() != pid && x.first() > since).findFirst();
      if (l.isPresent()) {
        return l.get();
      }
      Thread.sleep(5);
    }
    throw new IllegalStateException("no new service process within " + timeout);
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
