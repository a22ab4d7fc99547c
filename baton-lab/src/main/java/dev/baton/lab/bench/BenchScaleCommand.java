package dev.baton.lab.bench;

import dev.baton.agent.config.AgentConfig;
import dev.baton.agent.config.ApiListen;
import dev.baton.agent.config.ServiceConfig;
import dev.baton.agent.config.Timing;
import dev.baton.cli.ExitCodes;
import dev.baton.core.Durations;
import dev.baton.core.GroupName;
import dev.baton.core.InvalidInputException;
import dev.baton.core.Location;
import dev.baton.core.NodeName;
import dev.baton.core.ServiceName;
import dev.baton.core.store.NodeRecord;
import dev.baton.core.store.Ownership;
import dev.baton.core.store.ProviderState;
import dev.baton.core.store.ProviderStatus;
import dev.baton.core.store.SessionState;
import dev.baton.core.store.Snapshot;
import dev.baton.core.store.Store;
import dev.baton.core.store.StoreOptions;
import dev.baton.core.store.Stores;
import dev.baton.lab.local.LocalGroup;
import dev.baton.lab.local.LocalStore;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.function.BooleanSupplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "scale", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Measure Baton as the group grows: many logical nodes in this JVM (or in --jvms child JVMs) against a"
        + " real store.",
        "Each of the --nodes nodes is a real agent (session keeper, reconciler, placement, claims) with a store"
            + " session of its own and no HTTP API; its services run inside this JVM (a trivial in-process service"
            + " instead of a forked process). Each of the --services services has --providers provider nodes, spread"
            + " evenly (service i on nodes i, i+N/K, i+2N/K, ... modulo N).",
        "Prints: the time until every service is placed (owned, its provider running) from the start; the store calls"
            + " per second at steady state (calls the agents make through the store SPI; on PostgreSQL also the"
            + " statements the server executes, by pg_stat_statements); the time until every service of a crashed"
            + " node (it stops renewing and leaves its session open) is owned and running again, as a distribution over"
            + " those services; and the heap per node.",
        "With --jvms N the nodes run in N child JVMs of this one (node i in JVM (i-1) mod N), so that the figures are"
            + " not an artefact of one shared heap and garbage collector; this JVM keeps the store and tells them what"
            + " to do. Each child JVM gets this JVM's -X/-XX options and its maximum heap divided by N.",
        "Log lines of the agents below WARN are left out unless BATON_LOG_LEVEL is set. For 100 nodes and more, give"
            + " the JVM room and its optimising compiler: BATON_JAVA_OPTS='-Xss512k -Xmx8g -XX:+UseParallelGC'."
            + " See docs/performance.md."})
final class BenchScaleCommand implements Callable<Integer> {
  private static final Duration PLACEMENT_TIMEOUT = Duration.ofMinutes(15);

  @Option(names = "--store", defaultValue = "sqlite",
      description = "sqlite (a fresh file in a temp directory), postgresql (a private server), zookeeper"
          + " (a local 3-server ensemble), or a store URL (default: ${DEFAULT-VALUE})")
  String store;

  @Option(names = "--nodes", defaultValue = "10", description = "logical nodes in the group, 2 to 500 (default: ${DEFAULT-VALUE})")
  int nodes;

  @Option(names = "--services", defaultValue = "100", description = "services in the group, 1 to 100000 (default: ${DEFAULT-VALUE})")
  int services;

  @Option(names = "--providers", defaultValue = "3",
      description = "provider nodes per service, 1 to --nodes (default: ${DEFAULT-VALUE}; at most --nodes)")
  int providers;

  @Option(names = "--heartbeat", defaultValue = "500ms", description = "timing.heartbeat of every node (default: ${DEFAULT-VALUE})")
  String heartbeat;

  @Option(names = "--lease", defaultValue = "3s", description = "timing.lease of every node (default: ${DEFAULT-VALUE})")
  String lease;

  @Option(names = "--duration", defaultValue = "30s",
      description = "how long to count store calls at steady state (default: ${DEFAULT-VALUE})")
  String duration;

  @Option(names = "--jvms", defaultValue = "1", paramLabel = "N",
      description = "run the nodes in N child JVMs of about --nodes/N nodes each, 1 to --nodes; 1 runs them all in this"
          + " JVM (default: ${DEFAULT-VALUE})")
  int jvms;

  @Option(names = "--samples", paramLabel = "FILE",
      description = "also write the failover time of every service of the crashed node as CSV (series,trial,millis) to FILE")
  Path samples;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    if (nodes < 2 || nodes > 500) {
      throw new InvalidInputException("--nodes " + nodes + ": expected 2 to 500 (the failover needs a second node)");
    }
    if (services < 1 || services > 100_000) {
      throw new InvalidInputException("--services " + services + ": expected 1 to 100000");
    }
    if (providers < 1 || providers > nodes) {
      throw new InvalidInputException("--providers " + providers + ": expected 1 to --nodes (" + nodes + ")");
    }
    if (jvms < 1 || jvms > nodes) {
      throw new InvalidInputException("--jvms " + jvms + ": expected 1 to --nodes (" + nodes + ")");
    }
    Duration heartbeatD = Durations.parse(heartbeat);
    Duration leaseD = Durations.parse(lease);
    Duration measure = Durations.parse(duration);
    if (measure.toMillis() < 1_000) {
      throw new InvalidInputException("--duration " + duration + ": expected at least 1s");
    }
    BenchFiles.writable("--samples", samples, null);
    Timing timing = new Timing(heartbeatD, leaseD, Duration.ofMillis(leaseD.toMillis() / 3));
    quietAgents();
    PrintWriter out = spec.commandLine().getOut();
    Path dir = Files.createTempDirectory("baton-bench-scale-");
    try (LocalStore shared = LocalStore.create(store, dir)) {
      out.printf("bench scale: %d nodes%s, %d services with %d provider node(s) each, heartbeat %s, lease %s, on %s%n",
          nodes, jvms == 1 ? "" : " as " + ChildJvmNodes.mode(jvms, nodes), services, providers, heartbeat, lease,
          shared.description());
      out.flush();
      Result r = new Run(shared, timing, dir, out).execute(measure);
      r.print(out);
      if (samples != null) {
        Samples.csv(samples, Map.of("failover", r.failover()));
        out.println("samples: " + samples);
        out.flush();
      }
      return r.ok() ? ExitCodes.OK : ExitCodes.FAILED;
    } finally {
      LocalGroup.deleteTree(dir);
    }
  }

  /** Agents log every claim: at this size that is noise, unless asked for with BATON_LOG_LEVEL. */
  static void quietAgents() {
    if (System.getenv("BATON_LOG_LEVEL") == null) {
      ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("dev.baton"))
          .setLevel(ch.qos.logback.classic.Level.WARN);
    }
  }

  static String nodeName(int i) {
    return String.format(Locale.ROOT, "node-%03d", i);
  }

  static ServiceName serviceName(int i) {
    return ServiceName.of(String.format(Locale.ROOT, "svc-%05d", i));
  }

  /**
   * The spread: service {@code s} (0-based) has its providers on nodes {@code s + j * (N / K)}
   * modulo N for j below K, which are K distinct nodes, and every node gets K x M / N services,
   * within one.
   */
  static Map<String, List<ServiceName>> spread(int nodes, int services, int providers) {
    Map<String, List<ServiceName>> byNode = new LinkedHashMap<>();
    for (int n = 0; n < nodes; n++) {
      byNode.put(nodeName(n + 1), new ArrayList<>());
    }
    int stride = Math.max(1, nodes / providers);
    for (int s = 0; s < services; s++) {
      for (int j = 0; j < providers; j++) {
        byNode.get(nodeName((s + j * stride) % nodes + 1)).add(serviceName(s + 1));
      }
    }
    return byNode;
  }

  /** The agents of the nodes of {@code spread}, in its order, each with its store URL from {@code urls}. */
  static List<AgentConfig> configs(Map<String, List<ServiceName>> spread, Map<String, String> urls, Timing timing,
      Path dir) {
    List<AgentConfig> configs = new ArrayList<>();
    int i = 0;
    for (Map.Entry<String, List<ServiceName>> e : spread.entrySet()) {
      Map<ServiceName, ServiceConfig> provided = new TreeMap<>();
      for (ServiceName s : e.getValue()) {
        provided.put(s, new ServiceConfig(s, List.of("in-process"), Map.of(), null, Duration.ofSeconds(1)));
      }
      configs.add(new AgentConfig(null, GroupName.of("scale"), NodeName.of(e.getKey()),
          Location.parse("scale/rack-" + (i++ % 10)), new ApiListen("127.0.0.1", 0), urls.get(e.getKey()), null,
          timing, dir.resolve(e.getKey()), provided));
    }
    return configs;
  }

  /** What a run measured. Times in milliseconds; NaN where a phase did not complete. */
  record Result(String store, int nodes, int jvms, int services, int providers, String heartbeat, String lease,
      double joinedMillis, double placedMillis, double seconds, Map<String, Long> calls, long pgStatements,
      long pgCommits, String killed, int killedServices, Stats failover, double lastOwnedMillis, double heapPerNodeMb,
      double threadsPerNode, long overlaps, List<String> problems) {

    boolean ok() {
      return problems.isEmpty();
    }

    double callsPerSecond() {
      return calls.values().stream().mapToLong(Long::longValue).sum() / seconds;
    }

    void print(PrintWriter out) {
      out.printf("%n");
      out.printf("joined     all %d nodes had opened their sessions after %s%n", nodes, secs(joinedMillis));
      out.printf("placed     all %d services owned and running after %s from the start%n", services, secs(placedMillis));
      if (calls != null) {
        out.printf("steady     %.1f store calls/s from all nodes (%.2f per node), counted over %.0f s at the store SPI:%n",
            callsPerSecond(), callsPerSecond() / nodes, seconds);
        calls.forEach((kind, n) -> out.printf("             %-20s %8.1f/s%n", kind, n / seconds));
        if (pgStatements >= 0) {
          out.printf("           %.1f statements/s executed by PostgreSQL for all nodes (pg_stat_statements; %.2f per"
              + " node), %.1f transactions committed/s (pg_stat_database, all clients)%n", pgStatements / seconds,
              pgStatements / seconds / nodes, pgCommits / seconds);
        }
      }
      if (killed != null) {
        out.printf("failover   %s crashed owning %d services: all owned and running again after %s;"
            + " per service p50 %s, p99 %s, max %s (lease %s)%n", killed, killedServices, secs(lastOwnedMillis),
            secs(failover.percentile(50)), secs(failover.percentile(99)), secs(failover.max()), lease);
      }
      out.printf("heap       %.2f MB per node (used heap after a full GC with the %d nodes running, minus before they"
          + " started, %sdivided by %d); %.1f threads per node%n", heapPerNodeMb, nodes,
          jvms == 1 ? "" : "summed over the " + jvms + " JVMs, ", nodes, threadsPerNode);
      out.printf("safety     %d time(s) a service started while another run of it was alive%n", overlaps);
      out.printf("%n| store | nodes | services | timing | placed after | store calls/s (per node)%s | failover p50 / p99 / max"
          + " | all owned again | heap per node |%n", pgStatements >= 0 ? " | statements/s (per node)" : "");
      out.printf("|---|---|---|---|---|---|%s---|---|---|%n", pgStatements >= 0 ? "---|" : "");
      out.printf("| %s | %s | %,d | %s / %s | %s | %.0f (%.1f)%s | %s / %s / %s | %s | %.2f MB |%n", store,
          jvms == 1 ? Integer.toString(nodes) : nodes + " (" + ChildJvmNodes.mode(jvms, nodes) + ")", services, heartbeat, lease, secs(placedMillis), calls == null ? Double.NaN : callsPerSecond(),
          calls == null ? Double.NaN : callsPerSecond() / nodes,
          pgStatements >= 0 ? String.format(Locale.ROOT, " | %.0f (%.1f)", pgStatements / seconds, pgStatements / seconds / nodes) : "",
          secs(failover.percentile(50)), secs(failover.percentile(99)), secs(failover.max()), secs(lastOwnedMillis),
          heapPerNodeMb);
      problems.forEach(p -> out.printf("FAILED: %s%n", p));
      out.flush();
    }

    private static String secs(double millis) {
      return Double.isNaN(millis) ? "-" : String.format(Locale.ROOT, "%.1f s", millis / 1000);
    }
  }

  private final class Run {
    private final LocalStore shared;
    private final Timing timing;
    private final Path dir;
    private final PrintWriter out;
    private final List<String> problems = new ArrayList<>();
    private ScaleNodes nodesRun;

    Run(LocalStore shared, Timing timing, Path dir, PrintWriter out) {
      this.shared = shared;
      this.timing = timing;
      this.dir = dir;
      this.out = out;
    }

    Result execute(Duration measure) throws Exception {
      Map<String, List<ServiceName>> spread = spread(nodes, services, providers);
      Optional<PgStatements> pg = shared.postgres().isPresent()
          ? Optional.of(new PgStatements(shared.postgres().get())) : Optional.empty();
      Map<String, String> urls = new TreeMap<>();
      if (pg.isPresent()) {
        urls.putAll(pg.get().rolesFor(spread.keySet())); // a role per node: pg_stat_statements counts by role
      } else {
        spread.keySet().forEach(n -> urls.put(n, shared.url()));
      }
      nodesRun = jvms == 1
          ? new InJvmNodes(configs(spread, urls, timing, dir), InProcessServices.NONE,
              text -> progress("%s", text))
          : new ChildJvmNodes(jvms, List.copyOf(spread.keySet()), services, providers, heartbeat, lease, urls, dir,
              text -> progress("%s", text));
      ScaleNodes run = nodesRun;
      String killed = null;
      int killedServices = 0;
      Stats failover = new Stats();
      double lastOwned = Double.NaN;
      double joined;
      double placed = Double.NaN;
      double seconds = Double.NaN;
      Map<String, Long> counted = null;
      long statements = -1;
      long commits = -1;
      double heapPerNode = Double.NaN;
      double threadsPerNode = Double.NaN;
      try {
        run.prepare();
        try (Store observer = Stores.open(new StoreOptions(shared.url(), GroupName.of("scale"), timing.heartbeat(),
            timing.lease(), Duration.ofSeconds(30), null))) {
          long start = System.nanoTime();
          run.join(new Progress("bench scale: nodes joined", nodes));
          joined = millisSince(start);
          progress("all %d nodes joined after %.1f s; placing %d services", nodes, joined / 1000, services);
          if (await(() -> run.runs().running() == services, PLACEMENT_TIMEOUT)) {
            placed = millisSince(start);
            progress("all %d services running after %.1f s", services, placed / 1000);
            verifyPlaced(observer, "after placement");
          } else {
            problems.add("only " + run.runs().running() + " of " + services + " services were running after "
                + PLACEMENT_TIMEOUT.toMinutes() + " minutes");
          }
          if (problems.isEmpty()) {
            // Let the last provider states be published and every node see them before counting.
            Thread.sleep(Math.max(2_000, timing.heartbeat().multipliedBy(4).toMillis()));
            Map<String, Long> before = run.calls();
            if (pg.isPresent()) {
              pg.get().reset();
            }
            long commitsBefore = pg.isPresent() ? pg.get().commits() : 0;
            long measured = System.nanoTime();
            Progress.sleep("bench scale: measuring", measure);
            seconds = (System.nanoTime() - measured) / 1e9;
            counted = minus(run.calls(), before);
            if (pg.isPresent()) {
              commits = pg.get().commits() - commitsBefore;
              statements = pg.get().byRole().entrySet().stream().filter(e -> e.getKey().startsWith("bench_"))
                  .mapToLong(e -> e.getValue()[0]).sum();
            }
            long[] growth = run.heapAndThreadsGrowth();
            heapPerNode = growth[0] / 1e6 / nodes;
            threadsPerNode = growth[1] / (double) nodes;
            progress("counted for %.0f s: %.1f store calls/s; crashing the busiest node", seconds,
                counted.values().stream().mapToLong(Long::longValue).sum() / seconds);

            killed = busiestNode();
            Set<ServiceName> lost = run.runs().runningOn(killed);
            killedServices = lost.size();
            long crashAt = run.crash(killed);
            Duration bound = timing.lease().plus(PLACEMENT_TIMEOUT);
            String victim = killed;
            if (await(() -> lost.stream().allMatch(s -> runsElsewhere(s, victim)), bound)) {
              for (ServiceName s : lost) {
                failover.add((run.runs().run(s).startedNanos() - crashAt) / 1e6);
              }
              lastOwned = failover.max();
              progress("every service of %s runs again elsewhere, the last after %.1f s", killed, lastOwned / 1000);
              verifyPlaced(observer, "after the failover");
            } else {
              problems.add(lost.stream().filter(s -> !runsElsewhere(s, victim)).count() + " of the " + lost.size()
                  + " services of " + killed + " did not run elsewhere within " + bound.toSeconds() + " s");
            }
          }
        }
      } finally {
        try {
          run.stopAll();
        } finally {
          run.close();
          pg.ifPresent(p -> {
            try {
              p.close();
            } catch (Exception e) {
              // the server stops next
            }
          });
        }
      }
      long overlaps = run.overlaps();
      if (overlaps > 0) {
        problems.add(overlaps + " time(s) two runs of one service were alive at once");
      }
      return new Result(store, nodes, jvms, services, providers, heartbeat, lease, joined, placed, seconds, counted,
          statements, commits, killed, killedServices, failover, lastOwned, heapPerNode, threadsPerNode,
          overlaps, problems);
    }

    private boolean runsElsewhere(ServiceName s, String node) {
      InProcessServices.Run r = nodesRun.runs().run(s);
      return r != null && !r.node().equals(node);
    }

    private String busiestNode() {
      Map<String, Integer> count = new TreeMap<>();
      nodesRun.runs().live().values().forEach(r -> count.merge(r.node(), 1, Integer::sum));
      return count.entrySet().stream().max(Map.Entry.<String, Integer>comparingByValue()
          .thenComparing(Map.Entry.comparingByKey(java.util.Comparator.reverseOrder()))).orElseThrow().getKey();
    }

    /**
     * Checks the store agrees with what runs: every service owned at the epoch it runs at, by a live
     * session of the node that runs it, and that node's published provider state says providing.
     */
    private void verifyPlaced(Store observer, String when) throws InterruptedException {
      Map<ServiceName, InProcessServices.Run> live = nodesRun.runs().live();
      String disagreement = null;
      // Provider states are published at the end of each node's pass: give them a few heartbeats.
      for (int attempt = 0; attempt < 20; attempt++) {
        disagreement = disagreement(observer.snapshot(), live);
        if (disagreement == null) {
          return;
        }
        Thread.sleep(timing.heartbeat().toMillis());
      }
      problems.add("the store disagrees with what runs " + when + ": " + disagreement);
    }

    private String disagreement(Snapshot snap, Map<ServiceName, InProcessServices.Run> live) {
      Map<String, NodeRecord> byName = new TreeMap<>();
      snap.nodes().forEach(n -> byName.put(n.info().name().value(), n));
      for (Map.Entry<ServiceName, InProcessServices.Run> e : live.entrySet()) {
        Ownership o = snap.ownership(e.getKey());
        NodeRecord n = byName.get(e.getValue().node());
        if (n == null || o.session() == null || !o.session().equals(n.session()) || n.state() != SessionState.LIVE
            || o.epoch() != e.getValue().epoch()) {
          return e.getKey() + " runs on " + e.getValue().node() + " at epoch " + e.getValue().epoch()
              + " but the store says " + o;
        }
        ProviderStatus p = n.providers().get(e.getKey());
        if (p == null || p.state() != ProviderState.PROVIDING) {
          return e.getKey() + " runs on " + e.getValue().node() + " but its provider state there is " + p;
        }
      }
      return null;
    }

    private void progress(String format, Object... args) {
      out.printf("  " + format + "%n", args);
      out.flush();
    }
  }

  private static boolean await(BooleanSupplier condition, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      Thread.sleep(20);
    }
    return true;
  }

  private static double millisSince(long nanos) {
    return (System.nanoTime() - nanos) / 1e6;
  }

  private static Map<String, Long> minus(Map<String, Long> after, Map<String, Long> before) {
    Map<String, Long> d = new TreeMap<>();
    after.forEach((k, v) -> {
      long n = v - before.getOrDefault(k, 0L);
      if (n > 0) {
        d.put(k, n);
      }
    });
    return d;
  }
}
