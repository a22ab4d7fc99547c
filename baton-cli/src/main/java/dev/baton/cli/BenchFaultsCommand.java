package dev.baton.cli;

import dev.baton.api.ServiceStatus;
import dev.baton.api.StatusResponse;
import dev.baton.cli.faults.FencingChecker;
import dev.baton.core.Durations;
import dev.baton.core.InvalidInputException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "faults", mixinStandardHelpOptions = true,
    description = {"The fault suite (docs/reliability.md): start a group of real agents (guardian on) on a fresh SQLite",
        "file whose service reports to a fencing checker, inject --faults random faults one at a time from the",
        "schedule of --seed, wait after each until the group has settled, and print the checks, violations and",
        "recovery times. Exit code 1 on any violation; the run directory is then kept.",
        "Faults: node-crash, agent-crash, service-crash, agent-stop-short (0.5 x lease), agent-stop-long (2 x lease)."})
final class BenchFaultsCommand implements Callable<Integer> {
  static final String SERVICE = "checked";
  static final List<String> KINDS = List.of("node-crash", "agent-crash", "service-crash", "agent-stop-short", "agent-stop-long");
  private static final Duration SETTLE = Duration.ofSeconds(120);
  private static final long FRESH_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

  @Option(names = "--store", defaultValue = "sqlite", description = "sqlite (the only store of this first slice)")
  String store;

  @Option(names = "--faults", defaultValue = "60", description = "faults to inject (default: ${DEFAULT-VALUE})")
  int faults;

  @Option(names = "--seed", description = "the schedule's seed (default: random, printed)")
  Long seed;

  @Option(names = "--nodes", defaultValue = "3", description = "agents in the group (default: ${DEFAULT-VALUE})")
  int nodes;

  @Option(names = "--heartbeat", defaultValue = "500ms", description = "timing.heartbeat (default: ${DEFAULT-VALUE})")
  String heartbeat;

  @Option(names = "--lease", defaultValue = "3s", description = "timing.lease (default: ${DEFAULT-VALUE})")
  String lease;

  @Option(names = "--keep", description = "keep the run directory also when every check holds")
  boolean keep;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    if (!store.equals("sqlite")) {
      throw new InvalidInputException("--store \"" + store + "\": only sqlite runs in this first slice of the fault suite");
    }
    if (faults < 0 || nodes < 2 || nodes > 9) {
      throw new InvalidInputException("--faults must be 0 or more (got " + faults + ") and --nodes 2 to 9 (got " + nodes + ")");
    }
    Duration leaseD = Durations.parse(lease);
    Durations.parse(heartbeat);
    long theSeed = seed != null ? seed : new Random().nextLong();
    PrintWriter out = spec.commandLine().getOut();
    Path dir = Files.createTempDirectory("baton-faults-");
    Duration bound = leaseD.multipliedBy(2).plusSeconds(10);
    Duration heartbeatD = Durations.parse(heartbeat);
    Duration quiet = heartbeatD.multipliedBy(2).compareTo(Duration.ofSeconds(1)) > 0 ? heartbeatD.multipliedBy(2) : Duration.ofSeconds(1);
    Map<String, Integer> byKind = new TreeMap<>();
    Map<String, Stats> recovery = new TreeMap<>();
    Stats all = new Stats();
    long began = System.nanoTime();
    Map<String, Long> violations;
    String longestGap;
    long writes;
    int lives;
    try (FencingChecker checker = new FencingChecker(dir.resolve("checker.sock"), dir.resolve("checker.log"))) {
      try (LocalStore shared = LocalStore.create(store, dir)) {
        LocalGroup group = new LocalGroup(dir, "faults", nodes, shared.url(),
            List.of("heartbeat: " + heartbeat, "lease: " + lease),
            new LocalGroup.ServiceSpec(SERVICE, List.of(writeService(dir).toString()),
                Map.of("FAULTS_CHECKER_SOCKET", checker.socket().toString()), Duration.ofSeconds(2),
                List.of("recovery: {restarts: 2, window: 1m, backoff: 500ms..2s, ban: 10s}")));
        try {
          out.printf("fault suite: seed %d, %d faults, %d agents (heartbeat %s, lease %s) on %s; run directory %s%n",
              theSeed, faults, nodes, heartbeat, lease, shared.description(), dir);
          out.flush();
          group.nodes.forEach(LocalGroup.Node::start);
          Optional<FencingChecker.Life> settled = awaitSettled(group, checker, quiet);
          if (settled.isEmpty()) {
            checker.violation("5-provided-again-within-bound", "the group did not settle within " + SETTLE.toSeconds() + "s after starting");
          }
          Random random = new Random(theSeed);
          List<String> bag = new ArrayList<>();
          for (int i = 1; i <= faults && checker.violationCounts().isEmpty(); i++) {
            if (bag.isEmpty()) {
              bag.addAll(KINDS);
              Collections.shuffle(bag, random);
            }
            String kind = bag.remove(0);
            boolean onOwner = random.nextInt(3) < 2;
            int otherIndex = random.nextInt(nodes - 1);
            FencingChecker.Life provider = settled.orElseThrow();
            LocalGroup.Node target = kind.equals("service-crash") || onOwner ? group.node(provider.node).orElseThrow()
                : group.nodes.stream().filter(n -> !n.name.equals(provider.node)).toList().get(otherIndex);
            String role = target.name.equals(provider.node) ? "owner" : "other";
            long faultAt = inject(kind, target, provider, group, checker, leaseD, role);
            byKind.merge(kind, 1, Integer::sum);
            settled = awaitSettled(group, checker, quiet);
            if (settled.isEmpty()) {
              checker.violation("5-provided-again-within-bound", "fault " + i + " (" + kind + " on " + target.name
                  + "): the group did not settle within " + SETTLE.toSeconds() + "s");
              break;
            }
            FencingChecker.Life now = settled.get();
            double ms = now.startNanos > faultAt ? (now.startNanos - faultAt) / 1e6 : 0;
            recovery.computeIfAbsent(kind, k -> new Stats()).add(ms);
            all.add(ms);
            if (ms > bound.toMillis()) {
              checker.violation("5-provided-again-within-bound", "fault " + i + " (" + kind + " on " + target.name
                  + "): provided again after " + Math.round(ms) + " ms, bound " + bound.toMillis() + " ms");
            }
            checker.note("settled after fault " + i + ": " + now);
            out.printf("fault %3d/%d %-16s on %s (%s): %s epoch %d -> %s epoch %d%s%n", i, faults, kind, target.name, role,
                provider.node, provider.epoch, now.node, now.epoch, ms > 0 ? String.format(", provided again in %.0f ms", ms) : ", no interruption");
            out.flush();
          }
          List<FencingChecker.Life> alive = checker.alive(SERVICE);
          if (alive.size() != 1) {
            checker.violation("6-one-writer-then-none", "at the end " + alive.size() + " processes provide " + SERVICE + ": " + alive);
          }
        } finally {
          List<Long> nodePids = new ArrayList<>();
          group.nodes.forEach(n -> nodePids.addAll(n.pids()));
          group.close();
          long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
          while (System.nanoTime() < deadline && (!checker.alive(SERVICE).isEmpty() || anyRunning(nodePids))) {
            Thread.sleep(50);
          }
          checker.alive(SERVICE).forEach(l -> checker.violation("6-one-writer-then-none", l + " still connected 20s after the agents stopped"));
          checker.lives().stream().filter(l -> running(l.pid)).forEach(l -> {
            checker.violation("6-one-writer-then-none", l + " still running after the agents stopped");
            ProcessHandle.of(l.pid).ifPresent(ProcessHandle::destroyForcibly);
          });
          nodePids.stream().filter(BenchFaultsCommand::running).forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
        }
      }
      checker.flush();
      violations = new TreeMap<>(checker.violationCounts());
      longestGap = checker.longestGap();
      writes = checker.writes();
      lives = checker.lives().size();
      report(out, theSeed, (System.nanoTime() - began) / 1e9, byKind, violations, checker.violations(), recovery, all, bound,
          longestGap, writes, lives);
    }
    if (!violations.isEmpty()) {
      out.printf("VIOLATIONS: run directory kept: %s (checker.log, node-*/agent.log, group.db)%n", dir);
      out.flush();
      return ExitCodes.FAILED;
    }
    if (keep) {
      out.printf("run directory kept: %s%n", dir);
      out.flush();
    } else {
      LocalGroup.deleteTree(dir);
    }
    return ExitCodes.OK;
  }

  private static final String[] CHECKS = {
      "1-one-process-per-epoch", "2-epochs-never-decrease", "3-no-write-from-an-older-epoch", "4-never-two-alive",
      "5-provided-again-within-bound", "6-one-writer-then-none"};

  private static void report(PrintWriter out, long seed, double seconds, Map<String, Integer> byKind, Map<String, Long> counts,
      Map<String, List<String>> examples, Map<String, Stats> recovery, Stats all, Duration bound, String longestGap,
      long writes, int lives) {
    out.printf("%nseed %d, %.0f s, %d faults, %d service processes, %d writes checked%n", seed, seconds,
        byKind.values().stream().mapToInt(Integer::intValue).sum(), lives, writes);
    out.println("faults by kind:");
    byKind.forEach((k, n) -> out.printf("  %-18s %d%n", k, n));
    out.println("checks:");
    for (String c : CHECKS) {
      out.printf("  %-32s %s%n", c, counts.containsKey(c) ? "FAIL (" + counts.get(c) + ")" : "ok");
    }
    if (!examples.isEmpty()) {
      out.println("violations:");
      examples.forEach((c, list) -> list.forEach(v -> out.println("  " + c + ": " + v)));
    }
    out.printf("recovery (fault -> service provided again; 0 = never interrupted), bound %d ms:%n", bound.toMillis());
    out.println("  kind                  n      p50      p90      p99      max");
    recovery.forEach((k, s) -> row(out, k, s));
    if (all.count() > 0) {
      row(out, "all", all);
    }
    out.println("longest gap without a write: " + longestGap);
    out.flush();
  }

  private static void row(PrintWriter out, String kind, Stats s) {
    out.printf("  %-18s %4d %6.0fms %6.0fms %6.0fms %6.0fms%n", kind, s.count(), s.percentile(50), s.percentile(90),
        s.percentile(99), s.max());
  }

  /** Injects one fault; returns its time on the checker's clock. */
  private static long inject(String kind, LocalGroup.Node target, FencingChecker.Life provider, LocalGroup group,
      FencingChecker checker, Duration lease, String role) throws InterruptedException {
    String who = "[node=" + target.name + " role=" + role + "]";
    switch (kind) {
      case "node-crash" -> {
        List<Long> pids = target.pids();
        long at = checker.fault(kind, who + " SIGKILL of launcher, guardian and agent " + pids);
        target.kill();
        awaitGone(pids);
        target.start();
        return at;
      }
      case "agent-crash" -> {
        long pid = target.agentPid();
        long at = checker.fault(kind, who + " SIGKILL of agent " + pid);
        signal(pid, "KILL");
        awaitGone(List.of(pid));
        return at;
      }
      case "service-crash" -> {
        long at = checker.fault(kind, "SIGKILL of " + provider);
        signal(provider.pid, "KILL");
        return at;
      }
      default -> {
        Duration pause = kind.equals("agent-stop-short") ? lease.dividedBy(2) : lease.multipliedBy(2);
        long pid = target.agentPid();
        long at = checker.fault(kind, who + " SIGSTOP of agent " + pid + " for " + pause.toMillis() + " ms");
        signal(pid, "STOP");
        Thread.sleep(pause.toMillis());
        signal(pid, "CONT");
        checker.note("SIGCONT of agent " + pid + " on " + target.name);
        return at;
      }
    }
  }

  /**
   * Waits until every node's launcher and agent run, the whiteboard shows every node alive, and
   * exactly one process provides the service, the one the whiteboard names (owner and epoch), and
   * all this has held with the same process for {@code quiet} (so that what a continued agent does
   * just after SIGCONT counts for its fault, not the next one); returns that process, or nothing if
   * the group did not settle within {@link #SETTLE}.
   */
  private static Optional<FencingChecker.Life> awaitSettled(LocalGroup group, FencingChecker checker, Duration quiet)
      throws InterruptedException {
    long deadline = System.nanoTime() + SETTLE.toNanos();
    FencingChecker.Life candidate = null;
    long since = 0;
    while (System.nanoTime() < deadline) {
      Optional<FencingChecker.Life> now = settledNow(group, checker);
      if (now.isEmpty()) {
        candidate = null;
      } else if (now.get() != candidate) {
        candidate = now.get();
        since = System.nanoTime();
      } else if (System.nanoTime() - since >= quiet.toNanos()) {
        return now;
      }
      Thread.sleep(100);
    }
    return Optional.empty();
  }

  private static Optional<FencingChecker.Life> settledNow(LocalGroup group, FencingChecker checker) {
    if (group.nodes.stream().allMatch(n -> n.alive() && running(n.agentPid()))) {
      Optional<StatusResponse> s = group.status();
      Optional<FencingChecker.Life> p = checker.provider(SERVICE, FRESH_NANOS);
      if (s.isPresent() && p.isPresent()
          && s.get().nodes().stream().filter(n -> n.state().equals("alive")).count() == group.nodes.size()) {
        Optional<ServiceStatus> svc = s.get().services().stream().filter(x -> x.name().equals(SERVICE)).findFirst();
        if (svc.isPresent() && p.get().node.equals(svc.get().owner()) && svc.get().epoch() == p.get().epoch) {
          return p;
        }
      }
    }
    return Optional.empty();
  }

  /** The service command: a script that runs {@link dev.baton.cli.faults.CheckedService} on this JVM's classpath. */
  private static Path writeService(Path dir) throws IOException {
    String java = ProcessHandle.current().info().command().orElse("java");
    Path script = dir.resolve("checked-service.sh");
    Files.writeString(script, String.join("\n",
        "#!/bin/sh",
        "exec '" + java + "' -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto -Xmx32m -Xss256k -cp '"
            + System.getProperty("java.class.path") + "' dev.baton.cli.faults.CheckedService",
        ""));
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    return script;
  }

  /** Waits up to 10 s until none of {@code pids} runs any more. */
  private static void awaitGone(List<Long> pids) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (pids.stream().anyMatch(BenchFaultsCommand::running) && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
  }

  static boolean running(long pid) {
    return pid > 0 && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }

  private static boolean anyRunning(List<Long> pids) {
    return pids.stream().anyMatch(BenchFaultsCommand::running);
  }

  private static void signal(long pid, String signal) {
    LocalGroup.Node.signal(signal, List.of(pid));
  }
}
