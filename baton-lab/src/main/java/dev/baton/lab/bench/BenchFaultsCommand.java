package dev.baton.lab.bench;

import dev.baton.api.ServiceStatus;
import dev.baton.api.StatusResponse;
import dev.baton.cli.ExitCodes;
import dev.baton.core.Durations;
import dev.baton.core.InvalidInputException;
import dev.baton.lab.faults.FakeClock;
import dev.baton.lab.faults.Fault;
import dev.baton.lab.faults.FaultContext;
import dev.baton.lab.faults.FaultNode;
import dev.baton.lab.faults.FaultTarget;
import dev.baton.lab.faults.Faults;
import dev.baton.lab.faults.FencingChecker;
import dev.baton.lab.faults.Netns;
import dev.baton.lab.faults.NodeCgroup;
import dev.baton.lab.faults.PairFaults;
import dev.baton.lab.faults.Processes;
import dev.baton.lab.faults.SmallDisk;
import dev.baton.lab.local.LocalGroup;
import dev.baton.lab.local.LocalStore;
import dev.baton.store.postgresql.LocalPostgres;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "faults", mixinStandardHelpOptions = true,
    description = {
        "The fault suite (docs/reliability.md). Starts --nodes real agents (guardian on)",
        "on a store it owns (a fresh SQLite file, a private PostgreSQL server or a local",
        "3-server ZooKeeper ensemble), providing --services services that report to a",
        "fencing checker; injects --faults random faults one at a time from the schedule",
        "of --seed, each aimed at the owner of a random service, at another node or at",
        "the store; waits after each until the group has settled; prints faults by kind,",
        "the 8 checks, violations and recovery times. Exit code 1 on any violation: the",
        "run directory is then kept, with the checker's log, the agents' logs and a",
        "store dump.",
        "Faults: node-crash, agent-crash, guardian-crash, service-crash,",
        "agent-stop-0.5L, -0.9L, -1.1L, -2L and -3L (SIGSTOP of the agent for that many",
        "leases), node-freeze (cgroup freezer, v1 or v2, 2 leases; root, --mode enforcing),",
        "move-frozen-owner (a freeze of the owner's node while `move` is asked",
        "elsewhere; same conditions), node-cpu-starved (a CPU quota of 2%% on the node's",
        "cgroup for 2 leases; root, the cpu controller and --mode enforcing), cpu-stress",
        "(stress-ng --cpu 4 on the whole machine for 2 leases; stress-ng installed),",
        "store-crash and store-hang (postgresql), sqlite-lock, sqlite-disk-full (sqlite;",
        "as root: the file on a small tmpfs the fault fills) and sqlite-unreadable (mode",
        "000 on the file while the node's agent is SIGKILLed; agents then run without",
        "CAP_DAC_OVERRIDE), zk-minority-loss and zk-quorum-loss (zookeeper: servers",
        "SIGKILLed), store-cut, store-cut-replies and store-lossy (postgresql and",
        "zookeeper, root, iproute2 and nftables: every node then runs in a network",
        "namespace of its own, and nftables drops the store's traffic, only its replies,",
        "or 30%% of its packets, for 2 leases), slow-link (tc tbf: the node's link at 8",
        "kbit/s for 2 leases; same conditions), store-delay and store-resets (postgresql",
        "and zookeeper: the agents reach the store through a proxy that holds every byte",
        "back L/10 each way for 2 leases, or resets every connection 4 times half a",
        "lease apart), disable-cut-owner (the owner cut while its service is disabled",
        "through another node, enabled after the heal; same conditions),",
        "agent-clock-jump (libfaketime: every node runs on a fake wall clock of its own,",
        "and the node's jumps an hour ahead or back for 2 leases), store-clock-jump",
        "(postgresql with libfaketime: the server's clock an hour ahead for 2 leases)."})
final class BenchFaultsCommand implements Callable<Integer> {
  static final String SERVICE_PREFIX = "checked-";
  private static final Duration SETTLE = Duration.ofSeconds(120);
  private static final long FRESH_NANOS = TimeUnit.MILLISECONDS.toNanos(500);
  private static final String[] CHECKS = {
      "1-one-process-per-epoch", "2-epochs-never-decrease", "3-no-write-from-an-older-epoch", "4-never-two-alive",
      "5-provided-again-within-bound", "6-one-writer-then-none", "7-status-never-goes-back",
      "8-store-down-no-start-new-epochs"};

  @Option(names = "--store", defaultValue = "sqlite",
      description = {"sqlite, postgresql or zookeeper, or a hot-backup pair of two nodes: pair (no witness) or",
          "pair-witness (a SQLite witness file); a pair's interval is --heartbeat, its threshold --lease / --heartbeat,",
          "and it runs the pair's kinds only: pair-live-killed, pair-backup-killed, and pair-link-cut (with",
          "pair-witness; with pair only when --kinds names it, to see the documented split-brain)",
          "(default: ${DEFAULT-VALUE})"})
  String store;

  @Option(names = "--faults", defaultValue = "60", description = "faults to inject (default: ${DEFAULT-VALUE})")
  int faults;

  @Option(names = "--seed", description = "the schedule's seed (default: random, printed)")
  Long seed;

  @Option(names = "--nodes", defaultValue = "3", description = "agents in the group, 2 to 5 (default: ${DEFAULT-VALUE})")
  int nodes;

  @Option(names = "--services", defaultValue = "2", description = "checked services, 1 to 9 (default: ${DEFAULT-VALUE})")
  int services;

  @Option(names = "--heartbeat", defaultValue = "500ms", description = "timing.heartbeat (default: ${DEFAULT-VALUE})")
  String heartbeat;

  @Option(names = "--lease", defaultValue = "3s", description = "timing.lease (default: ${DEFAULT-VALUE})")
  String lease;

  @Option(names = "--mode", defaultValue = "audit",
      description = "the checker: audit (record only) or enforcing (also refuse old epochs; allows node-freeze) (default: ${DEFAULT-VALUE})")
  String mode;

  @Option(names = "--kinds", split = ",", description = "only these fault kinds (default: every kind that can run here)")
  List<String> kinds;

  @Option(names = "--samples", paramLabel = "FILE",
      description = "also write every fault's recovery time as CSV (series,trial,millis; series = the kind) to FILE")
  Path samples;

  @Option(names = "--keep", description = "keep the run directory also when every check holds")
  boolean keep;

  @Option(names = "--clock-rate", defaultValue = "1",
      description = {"the last node's clocks, wall and monotonic, run at this many times real time, 0.5 to 2",
          "(libfaketime; docs/reliability.md, \"Clock rate skew\"; agent-clock-jump does not run then) (default: ${DEFAULT-VALUE})"})
  double clockRate;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    if (!List.of("sqlite", "postgresql", "zookeeper", "pair", "pair-witness").contains(store)) {
      throw new InvalidInputException("--store \"" + store + "\": expected sqlite, postgresql, zookeeper, pair or pair-witness"
          + " (the suite owns its store)");
    }
    boolean pair = PairFaults.isPair(store);
    if (pair) {
      nodes = 2; // a pair is two nodes
    }
    if (faults < 0 || nodes < 2 || nodes > 5 || services < 1 || services > 9) {
      throw new InvalidInputException("--faults must be 0 or more (got " + faults + "), --nodes 2 to 5 (got " + nodes
          + ") and --services 1 to 9 (got " + services + ")");
    }
    BenchFiles.writable("--samples", samples, null);
    FencingChecker.Mode checkerMode;
    try {
      checkerMode = FencingChecker.Mode.of(mode);
    } catch (IllegalArgumentException e) {
      throw new InvalidInputException("--mode \"" + mode + "\": expected audit or enforcing");
    }
    if (clockRate < 0.5 || clockRate > 2) {
      throw new InvalidInputException("--clock-rate must be 0.5 to 2 (got " + clockRate + ")");
    }
    if (clockRate != 1 && FakeClock.unavailableReason() != null) {
      throw new InvalidInputException("--clock-rate: " + FakeClock.unavailableReason());
    }
    Set<Fault.Setup> setUp = setUp(asked(), store, Processes.isRoot());
    if (clockRate != 1) {
      setUp.remove(Fault.Setup.NODE_CLOCKS); // the skewed node's clock cannot also jump by a file
    }
    Duration leaseD = Durations.parse(lease);
    Duration heartbeatD = Durations.parse(heartbeat);
    int threshold = 0;
    if (pair) {
      threshold = (int) (leaseD.toMillis() / Math.max(1, heartbeatD.toMillis()));
      if (leaseD.toMillis() % Math.max(1, heartbeatD.toMillis()) != 0 || threshold < 3 || threshold > 100) {
        throw new InvalidInputException("--store " + store + ": the pair's threshold is --lease / --heartbeat, a whole number"
            + " from 3 to 100 (got " + lease + " / " + heartbeat + ")");
      }
    }
    long theSeed = seed != null ? seed : new Random().nextLong();
    // The private PostgreSQL server's start and stop lines would interleave with the fault lines.
    ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(LocalPostgres.class)).setLevel(ch.qos.logback.classic.Level.WARN);
    PrintWriter out = spec.commandLine().getOut();
    List<String> names = IntStream.rangeClosed(1, services).mapToObj(i -> SERVICE_PREFIX + i).toList();
    Path dir = Files.createTempDirectory("baton-faults-");
    Duration bound = leaseD.multipliedBy(2).plusSeconds(10);
    Duration quiet = heartbeatD.multipliedBy(2).compareTo(Duration.ofSeconds(1)) > 0 ? heartbeatD.multipliedBy(2) : Duration.ofSeconds(1);
    Run run = new Run();
    Random random = new Random(theSeed);
    long began = System.nanoTime();
    Netns network = setUp.contains(Fault.Setup.NETWORK) ? Netns.create() : null;
    SmallDisk sqliteDisk = setUp.contains(Fault.Setup.SMALL_DISK) ? SmallDisk.mount(dir.resolve("sqlite-disk"), 256, dir) : null;
    Thread cleanUp = new Thread(() -> {
      if (network != null) {
        network.close();
      }
      if (sqliteDisk != null) {
        sqliteDisk.close();
      }
    }, "baton-faults-cleanup-on-exit");
    Runtime.getRuntime().addShutdownHook(cleanUp);
    FakeClock storeClock = setUp.contains(Fault.Setup.STORE_CLOCK) ? new FakeClock(dir.resolve("postgres.clock")) : null;
    boolean refused = false;
    List<Fault> chosenKinds = new ArrayList<>();
    try (FencingChecker checker = new FencingChecker(dir.resolve("checker.sock"), dir.resolve("checker.log"), checkerMode, leaseD)) {
      // A pair has no shared store: the SQLite file is its witness (pair-witness) or unused (pair).
      try (LocalStore shared = LocalStore.create(pair ? "sqlite" : store, sqliteDisk != null ? sqliteDisk.path() : dir, network, storeClock,
          setUp.contains(Fault.Setup.STORE_PROXY))) {
        FaultContext context = new FaultContext(checker, heartbeatD, leaseD, store, checkerMode, Processes.isRoot(), setUp, shared.sqliteFile(),
            Optional.ofNullable(sqliteDisk),
            shared.postgres(), shared.zookeeper(), Optional.ofNullable(network), Optional.ofNullable(storeClock), shared.proxy(), random);
        List<Fault> chosen = choose(context, out);
        chosenKinds.addAll(chosen);
        Path script = writeService(dir);
        List<LocalGroup.ServiceSpec> specs = names.stream().map(n -> new LocalGroup.ServiceSpec(n, List.of(script.toString()),
            Map.of("FAULTS_CHECKER_SOCKET", checker.socket().toString()), Duration.ofSeconds(2),
            List.of("recovery: {restarts: 2, window: 1m, backoff: 500ms..2s, ban: 10s}"))).toList();
        LocalGroup group = new LocalGroup(dir, "faults", nodes, shared.url(),
            pair ? List.of() : List.of("heartbeat: " + heartbeat, "lease: " + lease), specs);
        if (network != null) {
          group.runIn(network);
        }
        String description = shared.description();
        if (pair) {
          Path key = Files.writeString(dir.resolve("pair.key"), "fault suite pair " + java.util.UUID.randomUUID() + "\n");
          group.pairUp(key, heartbeat, threshold, store.equals("pair-witness") ? shared.url() : null, network);
          description = "a hot-backup pair (interval " + heartbeat + " x threshold " + threshold + ", "
              + (store.equals("pair-witness") ? "witness " + shared.description() : "no witness") + ")";
        }
        List<NodeCgroup> cgroups = new ArrayList<>();
        // A Ctrl-C during a freeze must not leave the node frozen (a frozen process cannot even die).
        Thread removeCgroups = new Thread(() -> closeAll(cgroups), "baton-faults-cgroups-on-exit");
        if (chosen.stream().anyMatch(f -> f.needs().contains(Fault.Setup.NODE_CGROUPS))) {
          group.nodes().forEach(n -> {
            NodeCgroup cg = NodeCgroup.create(dir.getFileName() + "-" + n.name());
            cgroups.add(cg);
            n.startIn(cg);
          });
          Runtime.getRuntime().addShutdownHook(removeCgroups);
        }
        if (chosen.stream().anyMatch(f -> f.needs().contains(Fault.Setup.FILE_PERMISSIONS))) {
          group.nodes().forEach(LocalGroup.Node::obeyFilePermissions);
        }
        if (chosen.stream().anyMatch(f -> f.needs().contains(Fault.Setup.NODE_CLOCKS))) {
          group.nodes().forEach(n -> n.startOn(new FakeClock(dir.resolve(n.name() + ".clock"))));
        }
        LocalGroup.Node skewed = group.nodes().get(group.nodes().size() - 1);
        if (clockRate != 1) {
          skewed.startAtClockRate(clockRate);
        }
        boolean completed = false;
        try {
          out.printf("fault suite: seed %d, %d faults, %d agents (heartbeat %s, lease %s), %d services, checker %s, on %s;"
                  + " run directory %s%n", theSeed, faults, nodes, heartbeat, lease, services, checkerMode, description, dir);
          if (clockRate != 1) {
            out.printf("the clocks of %s run at %s x real time%n", skewed.name(), clockRate);
          }
          out.println("kinds: " + chosen.stream().map(Fault::kind).collect(Collectors.joining(", ")));
          out.flush();
          if (pair) {
            // node-a, the live member, first; node-b joins as its backup
            group.nodes().get(0).start();
            awaitProviding(checker, names);
            group.nodes().get(1).start();
          } else {
            group.nodes().forEach(LocalGroup.Node::start);
          }
          Optional<Map<String, FencingChecker.Life>> settled = awaitSettled(group, checker, names, quiet);
          if (settled.isEmpty()) {
            checker.violation("5-provided-again-within-bound", "the group did not settle within " + SETTLE.toSeconds() + "s after starting");
          }
          List<Fault> bag = new ArrayList<>();
          Progress progress = new Progress("bench faults", faults);
          for (int i = 1; i <= faults && checker.violationCounts().isEmpty() && settled.isPresent(); i++) {
            if (bag.isEmpty()) {
              bag.addAll(chosen);
              Collections.shuffle(bag, random);
            }
            Fault fault = bag.remove(0);
            Map<String, FencingChecker.Life> before = settled.get();
            FaultTarget target = PairFaults.aim(fault, aim(fault, before, group, names, random));
            Fault.Injected injected = fault.inject(context, target);
            run.byKind.merge(fault.kind(), 1, Integer::sum);
            settled = awaitSettled(group, checker, names, quiet);
            if (settled.isEmpty()) {
              checker.violation("5-provided-again-within-bound", "fault " + i + " (" + fault.kind() + " on " + target.who()
                  + "): the group did not settle within " + SETTLE.toSeconds() + "s");
              break;
            }
            judge(i, fault, target, injected, before, settled.get(), checker, bound, run, out);
            progress.step();
          }
          checker.oneWriterEach(names);
          completed = true;
        } finally {
          stopAll(group, checker, names);
          if (!cgroups.isEmpty()) {
            closeAll(cgroups);
            try {
              Runtime.getRuntime().removeShutdownHook(removeCgroups);
            } catch (IllegalStateException e) {
              // the JVM is exiting: the hook finds the cgroups removed already
            }
          }
          if (!pair && (!completed || !checker.violationCounts().isEmpty())) {
            StoreDump.write(shared.url(), "faults", heartbeatD, leaseD, dir.resolve("store-dump.json"));
          }
        }
      }
      checker.flush();
      List<String> warnings = chosenKinds.stream().flatMap(f -> f.warnings().stream()).toList();
      report(out, theSeed, (System.nanoTime() - began) / 1e9, run, checker, bound, warnings);
      if (samples != null) {
        Map<String, Stats> series = new java.util.LinkedHashMap<>(run.recovery);
        series.put("all", run.all);
        Samples.csv(samples, series);
        out.println("samples: " + samples);
        out.flush();
      }
      if (!checker.violationCounts().isEmpty()) {
        out.printf("VIOLATIONS: run directory kept: %s (checker.log, node-*/agent.log, store-dump.json%s)%n", dir,
            store.equals("sqlite") ? ", group.db" : "");
        out.flush();
        return ExitCodes.FAILED;
      }
    } catch (InvalidInputException e) {
      refused = true;
      throw e;
    } finally {
      cleanUp.run();
      try {
        Runtime.getRuntime().removeShutdownHook(cleanUp);
      } catch (IllegalStateException e) {
        // the JVM is exiting: the hook finds the network removed and the disk unmounted already
      }
      if (refused) {
        LocalGroup.deleteTree(dir); // no kind can run: the input was wrong, nothing ran, nothing is left behind
      }
    }
    if (keep) {
      out.printf("run directory kept: %s%n", dir);
      out.flush();
    } else {
      LocalGroup.deleteTree(dir);
    }
    return ExitCodes.OK;
  }

  /** Thaws and removes the node cgroups (killing what still runs in them). */
  private static void closeAll(List<NodeCgroup> cgroups) {
    for (NodeCgroup cg : cgroups) {
      try {
        cg.close();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** The kinds asked for with --kinds (checked against the known ones), or every kind. */
  private List<Fault> asked() {
    List<Fault> all = Faults.all();
    if (PairFaults.isPair(store)) {
      // A pair runs its own kinds only; its link cut without a witness only when asked for by name.
      List<String> pairKinds = all.stream().map(Fault::kind).filter(k -> k.startsWith("pair-")).toList();
      List<String> others = kinds == null ? List.of() : kinds.stream().filter(k -> !pairKinds.contains(k)).toList();
      if (!others.isEmpty()) {
        throw new InvalidInputException("--kinds: " + others + " do not run on a pair; expected some of " + pairKinds);
      }
      return all.stream().filter(f -> kinds != null ? kinds.contains(f.kind())
          : pairKinds.contains(f.kind()) && !(store.equals("pair") && f.kind().equals("pair-link-cut"))).toList();
    }
    all = all.stream().filter(f -> !f.kind().startsWith("pair-")).toList();
    if (kinds == null) {
      return all;
    }
    List<String> known = all.stream().map(Fault::kind).toList();
    List<String> unknown = kinds.stream().filter(k -> !known.contains(k)).toList();
    if (!unknown.isEmpty()) {
      throw new InvalidInputException("--kinds: unknown " + unknown + "; expected some of " + known);
    }
    return all.stream().filter(f -> kinds.contains(f.kind())).toList();
  }

  /**
   * What to set up for a run: what the asked kinds that run with {@code store} need ({@link Fault#needs()}),
   * less what cannot be set up here (those kinds then say why in {@link #choose}).
   */
  static Set<Fault.Setup> setUp(List<Fault> asked, String store, boolean root) {
    Set<Fault.Setup> setUp = EnumSet.noneOf(Fault.Setup.class);
    asked.stream().filter(f -> f.runsWith(store)).forEach(f -> setUp.addAll(f.needs()));
    setUp.removeIf(s -> s.unavailable(store, root).isPresent());
    return setUp;
  }

  /** The kinds this run injects: those asked for (or all), less those that cannot run here, which it names. */
  private List<Fault> choose(FaultContext context, PrintWriter out) {
    List<Fault> chosen = new ArrayList<>();
    for (Fault f : asked()) {
      Optional<String> why = f.unavailable(context);
      if (why.isPresent()) {
        if (kinds != null || f.runsWith(store)) {
          out.printf("not run: %s: %s%n", f.kind(), why.get());
        }
      } else {
        chosen.add(f);
      }
    }
    if (chosen.isEmpty() && faults > 0) {
      throw new InvalidInputException("no fault kind can run with --store " + store + " --mode " + mode
          + (kinds != null ? " --kinds " + String.join(",", kinds) : ""));
    }
    return chosen;
  }

  /**
   * Draws the fault's aim from the schedule: a service, whether to hit its owner (two times in three)
   * or another node; the draws are made for every kind so that one seed gives one schedule.
   */
  private static FaultTarget aim(Fault fault, Map<String, FencingChecker.Life> settled, LocalGroup group, List<String> names,
      Random random) {
    String service = names.get(random.nextInt(names.size()));
    boolean onOwner = random.nextInt(3) < 2;
    int otherIndex = random.nextInt(group.nodes().size() - 1);
    FencingChecker.Life provider = settled.get(service);
    FaultNode owner = group.node(provider.node).orElseThrow();
    FaultNode other = group.nodes().stream().filter(n -> !n.name().equals(provider.node)).toList().get(otherIndex);
    return switch (fault.aim()) {
      case OWNER -> new FaultTarget(owner, "owner", provider, other);
      case STORE -> new FaultTarget(owner, "store", provider, other);
      case MACHINE -> new FaultTarget(owner, "machine", provider, other);
      case NODE -> onOwner ? new FaultTarget(owner, "owner", provider, other) : new FaultTarget(other, "other", provider, owner);
    };
  }

  /** Per-run tallies for the report. */
  private static final class Run {
    final Map<String, Integer> byKind = new TreeMap<>();
    final Map<String, Integer> moved = new TreeMap<>();
    final Map<String, Stats> recovery = new TreeMap<>();
    final Stats all = new Stats();
  }

  /** Judges one fault once the group has settled: checks 5 and 8, the recovery time, and the line it prints. */
  private void judge(int i, Fault fault, FaultTarget target, Fault.Injected injected, Map<String, FencingChecker.Life> before,
      Map<String, FencingChecker.Life> after, FencingChecker checker, Duration bound, Run run, PrintWriter out) {
    String label = "fault " + i + " (" + fault.kind() + " on " + target.who() + ")";
    double ms = checker.settled(label, injected, fault.storeDown(), before, after, bound);
    List<String> moves = new ArrayList<>();
    for (Map.Entry<String, FencingChecker.Life> e : after.entrySet()) {
      FencingChecker.Life was = before.get(e.getKey());
      FencingChecker.Life now = e.getValue();
      if (now.epoch != was.epoch) {
        moves.add(e.getKey() + " " + was.node + "@" + was.epoch + " -> " + now.node + "@" + now.epoch);
      }
    }
    run.recovery.computeIfAbsent(fault.kind(), k -> new Stats()).add(ms);
    run.all.add(ms);
    if (!moves.isEmpty()) {
      run.moved.merge(fault.kind(), 1, Integer::sum);
    }
    checker.note("settled after fault " + i + ": " + after.values());
    checker.flush(); // a run killed from outside still leaves its log up to here
    out.printf("fault %3d/%d %-17s on %s (%s): %s%s%n", i, faults, fault.kind(), target.node().name(), target.role(),
        moves.isEmpty() ? "nothing moved" : String.join(", ", moves),
        ms > 0 ? String.format(", provided again in %.0f ms", ms) : "");
    out.flush();
  }

  /**
   * Stops the agents (SIGTERM to each launcher) and checks that no service, agent or guardian is left
   * (check 6). Nothing here signals a pid recorded earlier in the run: with pid_max at 32768 and
   * thousands of processes a run, such a pid may by now belong to an unrelated process (it once
   * SIGKILLed another benchmark running beside this one). A service counts as left while its
   * connection to the checker is open (the kernel closes it when the process dies, so the pid is
   * still its own), and the node's processes are held as handles taken before the stop, which
   * know their start time.
   */
  private static void stopAll(LocalGroup group, FencingChecker checker, List<String> names) throws InterruptedException {
    List<ProcessHandle> nodeProcesses = new ArrayList<>();
    group.nodes().forEach(n -> n.pids().forEach(pid -> ProcessHandle.of(pid).ifPresent(nodeProcesses::add)));
    group.close();
    Duration grace = Duration.ofSeconds(20);
    long deadline = System.nanoTime() + grace.toNanos();
    while (System.nanoTime() < deadline
        && (names.stream().anyMatch(n -> !checker.alive(n).isEmpty()) || nodeProcesses.stream().anyMatch(ProcessHandle::isAlive))) {
      Thread.sleep(50);
    }
    checker.noneLeft(names, nodeProcesses, grace);
    names.forEach(n -> checker.alive(n).forEach(l -> ProcessHandle.of(l.pid).ifPresent(ProcessHandle::destroyForcibly)));
    nodeProcesses.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
  }

  private static void report(PrintWriter out, long seed, double seconds, Run run, FencingChecker checker, Duration bound,
      List<String> warnings) {
    Map<String, Long> counts = checker.violationCounts();
    out.printf("%nseed %d, %.0f s, %d faults, %d service processes, %d writes checked, %d refused, %d status reads%n", seed,
        seconds, run.byKind.values().stream().mapToInt(Integer::intValue).sum(), checker.lives().size(), checker.writes(),
        checker.refusals(), checker.statusReads());
    out.println("faults by kind:");
    run.byKind.forEach((k, n) -> out.printf("  %-18s %d%n", k, n));
    out.println("checks (checker " + checker.mode() + "):");
    for (String c : CHECKS) {
      out.printf("  %-34s %s%n", c, counts.containsKey(c) ? "FAIL (" + counts.get(c) + ")"
          + (warnings.isEmpty() ? "" : ": the documented split-brain of a pair without a witness, see the warnings") : "ok");
    }
    for (String w : warnings) {
      out.println("WARNING: SPLIT-BRAIN, documented for a pair without a witness (docs/pair.md): " + w);
    }
    Map<String, List<String>> examples = checker.violations();
    if (!examples.isEmpty()) {
      out.println("violations:");
      Arrays.stream(CHECKS).filter(examples::containsKey).forEach(c -> examples.get(c).forEach(v -> out.println("  " + c + ": " + v)));
    }
    out.printf("recovery (fault -> every service provided again; 0 = never interrupted), bound %d ms (+ store outage):%n",
        bound.toMillis());
    out.println("  kind                  n  moved      p50      p90      p99      max");
    run.recovery.forEach((k, s) -> row(out, k, run.moved.getOrDefault(k, 0), s));
    if (run.all.count() > 0) {
      row(out, "all", run.moved.values().stream().mapToInt(Integer::intValue).sum(), run.all);
    }
    List<Double> thaw = checker.thawToEndMillis();
    if (!thaw.isEmpty()) {
      Stats s = new Stats();
      thaw.forEach(s::add);
      out.printf("thawed old service -> its end: n %d, p50 %.0f ms, max %.0f ms%n", s.count(), s.percentile(50), s.max());
    }
    out.println("longest gap without a write: " + checker.longestGap());
    out.flush();
  }

  private static void row(PrintWriter out, String kind, int moved, Stats s) {
    out.printf("  %-18s %4d %6d %6.0fms %6.0fms %6.0fms %6.0fms%n", kind, s.count(), moved, s.percentile(50), s.percentile(90),
        s.percentile(99), s.max());
  }

  /**
   * Waits until every node's launcher, guardian and agent run, the whiteboard shows every node alive, and for
   * every service exactly one process provides it, the one the whiteboard names (owner and epoch),
   * and all this has held with the same processes for {@code quiet} (so that what a continued agent
   * does just after SIGCONT counts for its fault, not the next one); returns those processes, or
   * nothing if the group did not settle within {@link #SETTLE}.
   */
  private static Optional<Map<String, FencingChecker.Life>> awaitSettled(LocalGroup group, FencingChecker checker,
      List<String> names, Duration quiet) throws InterruptedException {
    long deadline = System.nanoTime() + SETTLE.toNanos();
    Map<String, FencingChecker.Life> candidate = null;
    long since = 0;
    while (System.nanoTime() < deadline) {
      Optional<Map<String, FencingChecker.Life>> now = settledNow(group, checker, names);
      if (now.isEmpty()) {
        candidate = null;
      } else if (!sameLives(now.get(), candidate)) {
        candidate = now.get();
        since = System.nanoTime();
      } else if (System.nanoTime() - since >= quiet.toNanos()) {
        return now;
      }
      Thread.sleep(100);
    }
    return Optional.empty();
  }

  /** Waits (up to {@link #SETTLE}) until one process provides every service. */
  private static void awaitProviding(FencingChecker checker, List<String> names) throws InterruptedException {
    long deadline = System.nanoTime() + SETTLE.toNanos();
    while (System.nanoTime() < deadline && !names.stream().allMatch(n -> checker.provider(n, FRESH_NANOS).isPresent())) {
      Thread.sleep(100);
    }
  }

  private static boolean sameLives(Map<String, FencingChecker.Life> a, Map<String, FencingChecker.Life> b) {
    return b != null && a.keySet().equals(b.keySet()) && a.keySet().stream().allMatch(k -> a.get(k) == b.get(k));
  }

  /** One look at the group; every status read also feeds check 7. */
  private static Optional<Map<String, FencingChecker.Life>> settledNow(LocalGroup group, FencingChecker checker, List<String> names) {
    if (!group.nodes().stream().allMatch(n -> n.alive() && n.agentPid() > 0 && n.guardianPid() > 0)) {
      return Optional.empty();
    }
    Optional<StatusResponse> s = group.status();
    if (s.isEmpty()) {
      return Optional.empty();
    }
    s.get().services().forEach(x -> checker.statusRead(s.get().node(), x.name(), x.epoch()));
    if (s.get().nodes().stream().filter(n -> n.state().equals("alive")).count() != group.nodes().size()) {
      return Optional.empty();
    }
    Map<String, FencingChecker.Life> lives = new LinkedHashMap<>();
    for (String name : names) {
      Optional<FencingChecker.Life> p = checker.provider(name, FRESH_NANOS);
      Optional<ServiceStatus> svc = s.get().services().stream().filter(x -> x.name().equals(name)).findFirst();
      if (p.isEmpty() || svc.isEmpty() || !p.get().node.equals(svc.get().owner()) || svc.get().epoch() != p.get().epoch) {
        return Optional.empty();
      }
      lives.put(name, p.get());
    }
    return Optional.of(lives);
  }

  /**
   * The service command: a shell script, the service's leader, that forks {@link
   * dev.baton.lab.faults.CheckedService} on this JVM's classpath as its worker (no {@code exec}: the
   * service is a process tree), passes SIGTERM, SIGINT and SIGHUP on to it, and exits with its exit
   * code. The worker dates its life from the leader's start.
   */
  private static Path writeService(Path dir) throws IOException {
    String java = ProcessHandle.current().info().command().orElse("java");
    Path script = dir.resolve("checked-service.sh");
    Files.writeString(script, String.join("\n",
        "#!/bin/sh",
        "'" + java + "' -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto -Xmx32m -Xss256k -cp '"
            + System.getProperty("java.class.path") + "' dev.baton.lab.faults.CheckedService &",
        "worker=$!",
        "trap 'kill -TERM \"$worker\" 2>/dev/null' TERM INT HUP",
        "while :; do",
        "  wait \"$worker\"; code=$?",
        "  kill -0 \"$worker\" 2>/dev/null || exit \"$code\"",
        "done",
        ""));
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    return script;
  }
}
