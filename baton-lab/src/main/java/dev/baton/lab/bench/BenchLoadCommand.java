package dev.baton.lab.bench;

import dev.baton.agent.Agent;
import dev.baton.agent.config.AgentConfig;
import dev.baton.agent.config.ApiListen;
import dev.baton.agent.config.ServiceConfig;
import dev.baton.agent.config.Timing;
import dev.baton.agent.http.HttpApi;
import dev.baton.api.ServiceStatus;
import dev.baton.api.StatusResponse;
import dev.baton.cli.BatonClient;
import dev.baton.cli.ExitCodes;
import dev.baton.core.BatonException;
import dev.baton.core.Durations;
import dev.baton.core.GroupName;
import dev.baton.core.InvalidInputException;
import dev.baton.core.Location;
import dev.baton.core.NodeName;
import dev.baton.core.ServiceName;
import dev.baton.lab.local.LocalGroup;
import dev.baton.lab.local.LocalStore;
import dev.baton.store.postgresql.LocalPostgres;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "load", mixinStandardHelpOptions = true,
    description = {"Measure the statements per second the store executes at steady state.",
        "Runs --nodes agents in this JVM that all provide --services services (sleep 3600) on a private PostgreSQL"
            + " server, waits until every service is placed and running, then counts the statements the database"
            + " executes over --duration (pg_stat_statements: every statement a client sends; each node connects as"
            + " a database role of its own, so the count splits by node)."})
final class BenchLoadCommand implements Callable<Integer> {
  private static final Duration PLACEMENT_TIMEOUT = Duration.ofMinutes(5);

  @Option(names = "--store", defaultValue = "postgresql",
      description = "postgresql: a private PostgreSQL server started for the benchmark (the only choice so far)")
  String store;

  @Option(names = "--nodes", defaultValue = "1", description = "agents in the group, 1 to 50 (default: ${DEFAULT-VALUE})")
  int nodes;

  @Option(names = "--services", defaultValue = "1", description = "services every node provides, 1 to 5000 (default: ${DEFAULT-VALUE})")
  int services;

  @Option(names = "--duration", defaultValue = "30s", description = "how long to count at steady state (default: ${DEFAULT-VALUE})")
  String duration;

  @Option(names = "--heartbeat", defaultValue = "500ms", description = "timing.heartbeat (default: ${DEFAULT-VALUE})")
  String heartbeat;

  @Option(names = "--lease", defaultValue = "3s", description = "timing.lease (default: ${DEFAULT-VALUE})")
  String lease;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    if (!store.equals("postgresql")) {
      throw new InvalidInputException("--store \"" + store + "\": bench load counts PostgreSQL statements on a server"
          + " it starts itself; expected postgresql");
    }
    if (nodes < 1 || nodes > 50 || services < 1 || services > 5000) {
      throw new InvalidInputException("--nodes " + nodes + " --services " + services
          + ": expected --nodes 1 to 50 and --services 1 to 5000");
    }
    Duration measure = Durations.parse(duration);
    Duration heartbeatD = Durations.parse(heartbeat);
    Duration leaseD = Durations.parse(lease);
    Timing timing = new Timing(heartbeatD, leaseD, Duration.ofMillis(leaseD.toMillis() / 3));
    PrintWriter out = spec.commandLine().getOut();
    Path dir = Files.createTempDirectory("baton-bench-load-");
    List<Agent> agents = new ArrayList<>();
    try (LocalStore shared = LocalStore.create(store, dir)) {
      LocalPostgres pg = shared.postgres().orElseThrow();
      List<String> names = new ArrayList<>();
      for (int i = 1; i <= nodes; i++) {
        names.add(nodeName(i));
      }
      Map<String, String> urlOfNode;
      try (PgStatements counter = new PgStatements(pg)) {
        urlOfNode = counter.rolesFor(names);
      }
      Map<ServiceName, ServiceConfig> provided = new TreeMap<>();
      for (int s = 1; s <= services; s++) {
        ServiceName name = ServiceName.of(String.format(Locale.ROOT, "svc-%04d", s));
        provided.put(name, new ServiceConfig(name, List.of("sleep", "3600"), Map.of(), null, Duration.ofSeconds(2)));
      }
      out.printf("starting %d agent(s) with %d service(s) each on %s%n", nodes, services, shared.description());
      out.flush();
      try {
        run(out, pg, urlOfNode, provided, timing, dir, agents, measure);
      } finally {
        stopAll(agents); // before the server stops, so that every agent closes its session
      }
    } finally {
      LocalGroup.deleteTree(dir);
    }
    return ExitCodes.OK;
  }

  private void run(PrintWriter out, LocalPostgres pg, Map<String, String> urlOfNode, Map<ServiceName, ServiceConfig> provided,
      Timing timing, Path dir, List<Agent> agents, Duration measure) throws Exception {
    // The first node places every service before the others join: with all of them present, each of
    // the M claims would make every node read the whole group again (see docs/performance.md).
    long placing = System.nanoTime();
    Progress joining = new Progress("bench load: nodes joined", urlOfNode.size());
    for (Map.Entry<String, String> e : urlOfNode.entrySet()) {
      if (agents.size() == 1) {
        awaitPlaced(agents.get(0), services);
      }
      String url = e.getValue();
      Path state = dir.resolve(e.getKey());
      AgentConfig config = new AgentConfig(null, GroupName.of("load"), NodeName.of(e.getKey()),
          Location.parse("local/rack-" + (agents.size() % 2 + 1)), new ApiListen("127.0.0.1", 0), url, null, timing,
          state, provided);
      for (int attempt = 1; ; attempt++) {
        Agent agent = new Agent(config, Agent.Embedding.withApi(HttpApi::start));
        try {
          agent.start();
          agents.add(agent);
          joining.step();
          break;
        } catch (BatonException failed) {
          // The first agents are busy claiming and starting services: a join can time out. Try again.
          if (attempt == 10) {
            throw failed;
          }
          out.printf("%s could not join (%s); trying again%n", e.getKey(), failed.getMessage());
          out.flush();
          Thread.sleep(1000);
        }
      }
    }
    Map<String, Integer> owned = awaitPlaced(agents.get(0), services);
    out.printf("all %d service(s) placed and running after %.1f s%n", services, (System.nanoTime() - placing) / 1e9);
    Thread.sleep(timing.heartbeat().multipliedBy(4).toMillis()); // let the last provider states be published

    try (PgStatements counter = new PgStatements(pg)) {
      counter.reset();
      long commitsBefore = counter.commits();
      long started = System.nanoTime();
      Progress.sleep("bench load: measuring", measure);
      double seconds = (System.nanoTime() - started) / 1e9;
      long commits = counter.commits() - commitsBefore;
      report(out, counter, urlOfNode.keySet(), owned, seconds, commits);
    }
    out.printf("%nstore postgresql, %d node(s), %d service(s), heartbeat %s, lease %s, measured over %s%n", nodes, services,
        heartbeat, lease, duration);
    out.flush();
  }

  private static String nodeName(int i) {
    return String.format(Locale.ROOT, "node-%02d", i);
  }

  /** Waits until every service has an owner that provides it; returns the services owned per node. */
  private static Map<String, Integer> awaitPlaced(Agent any, int services) throws InterruptedException {
    BatonClient client = new BatonClient(any.apiAddress());
    long deadline = System.nanoTime() + PLACEMENT_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      try {
        StatusResponse status = client.status();
        Map<String, Integer> owned = new TreeMap<>();
        int running = 0;
        for (ServiceStatus s : status.services()) {
          if (s.owner() != null && s.providers().stream()
              .anyMatch(p -> p.node().equals(s.owner()) && p.state().equals("providing"))) {
            running++;
            owned.merge(s.owner(), 1, Integer::sum);
          }
        }
        if (running == services) {
          return owned;
        }
      } catch (BatonException e) {
        // not ready yet
      }
      Thread.sleep(500);
    }
    throw new BatonException("not every service was placed and running within " + PLACEMENT_TIMEOUT.toMinutes() + " minutes");
  }

  private static void report(PrintWriter out, PgStatements counter, Collection<String> nodes, Map<String, Integer> owned,
      double seconds, long commits) throws SQLException {
    Map<String, long[]> byRole = counter.byRole();
    out.printf("%nnode        owns   statements/s   rows/s%n");
    long calls = 0;
    long rows = 0;
    for (String node : nodes) {
      long[] c = byRole.getOrDefault(PgStatements.role(node), new long[2]);
      calls += c[0];
      rows += c[1];
      out.printf("%-10s %5d %14.1f %8.0f%n", node, owned.getOrDefault(node, 0), c[0] / seconds, c[1] / seconds);
    }
    out.printf("%-10s %5d %14.1f %8.0f%n", "all nodes", owned.values().stream().mapToInt(Integer::intValue).sum(),
        calls / seconds, rows / seconds);
    out.printf("transactions committed/s in the database (pg_stat_database, all clients): %.1f%n", commits / seconds);

    out.printf("%nstatements of all nodes, most frequent first (per second):%n");
    counter.printTop(out, nodes.stream().map(PgStatements::role).toList(), seconds, 12);
  }

  private static void stopAll(List<Agent> agents) throws InterruptedException {
    List<Thread> stopping = new ArrayList<>();
    for (Agent a : agents) {
      Thread t = new Thread(a::stop, "baton-bench-stop-" + a.nodeName());
      t.start();
      stopping.add(t);
    }
    for (Thread t : stopping) {
      t.join();
    }
  }
}
