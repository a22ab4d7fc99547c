package dev.baton.lab.local;

import dev.baton.agent.Agent;
import dev.baton.api.ServiceStatus;
import dev.baton.api.StatusResponse;
import dev.baton.cli.BatonClient;
import dev.baton.core.BatonException;
import dev.baton.lab.faults.FakeClock;
import dev.baton.lab.faults.FaultNode;
import dev.baton.lab.faults.Netns;
import dev.baton.lab.faults.NodeCgroup;
import dev.baton.lab.faults.Processes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A group of real agent processes on this machine, for the demo and the benchmarks: writes one
 * config per node into a directory, starts each agent as a child JVM on this JVM's classpath, and
 * kills or stops them. Not thread-safe: drive it from one long-lived thread, which also forks the
 * agents (their parent-death signal follows that thread).
 */
public final class LocalGroup implements AutoCloseable {
  private static final String[] RACKS = {"local/rack-1", "local/rack-1", "local/rack-2"};

  /** A service every node of the group provides. */
  public record ServiceSpec(String name, List<String> command, Map<String, String> env, Duration stopTimeout, List<String> settings) {
    public ServiceSpec(String name, List<String> command, Map<String, String> env, Duration stopTimeout) {
      this(name, command, env, stopTimeout, List.of());
    }
  }

  final Path dir;
  final List<Node> nodes = new ArrayList<>();

  /**
   * @param timing extra {@code timing:} lines (e.g. {@code heartbeat: 200ms}), or empty for the defaults
   */
  public LocalGroup(Path dir, String group, int count, String store, List<String> timing, ServiceSpec service) throws IOException {
    this(dir, group, count, store, timing, List.of(service));
  }

  /**
   * @param timing extra {@code timing:} lines (e.g. {@code heartbeat: 200ms}), or empty for the defaults
   * @param services what every node provides
   */
  public LocalGroup(Path dir, String group, int count, String store, List<String> timing, List<ServiceSpec> services) throws IOException {
    this.dir = dir;
    for (int i = 0; i < count; i++) {
      String name = "node-" + (char) ('a' + i);
      Path state = dir.resolve(name);
      Files.createDirectories(state);
      List<String> lines = new ArrayList<>(List.of(
          "# Written by baton for a group of agents on one machine.",
          "group: " + group,
          "node:",
          "  name: " + name,
          "  location: " + RACKS[i % RACKS.length],
          "api:",
          "  listen: 127.0.0.1:" + freePort(),
          "store: " + store));
      if (!timing.isEmpty()) {
        lines.add("timing:");
        timing.forEach(t -> lines.add("  " + t));
      }
      lines.addAll(List.of("state-dir: " + state, "services:"));
      for (ServiceSpec service : services) {
        lines.addAll(List.of(
            "  " + service.name() + ":",
            "    command: [" + String.join(", ", service.command()) + "]",
            "    env: {" + service.env().entrySet().stream().map(e -> e.getKey() + ": " + e.getValue())
                .collect(Collectors.joining(", ")) + "}",
            "    stop-timeout: " + service.stopTimeout().toMillis() + "ms"));
        service.settings().forEach(s -> lines.add("    " + s));
      }
      lines.add("");
      Path config = dir.resolve(name + ".yaml");
      Files.writeString(config, String.join("\n", lines));
      nodes.add(new Node(name, config, state.resolve("agent.log"), readListen(config)));
    }
  }

  /**
   * Puts every node in a network namespace of its own on {@code network} (its API then listens on
   * the namespace's address): call before the nodes start, with a store URL at the network's store
   * address.
   */
  public void runIn(Netns network) throws IOException {
    for (Node n : nodes) {
      Netns.Host host = network.addHost();
      String listen = host.address() + ":" + n.api.substring(n.api.lastIndexOf(':') + 1);
      List<String> lines = Files.readAllLines(n.config).stream()
          // A test network of its own, reachable from nothing else: no token needed.
          .map(l -> l.trim().startsWith("listen:") ? "  listen: " + listen + "\n  insecure: true" : l).toList();
      Files.writeString(n.config, String.join("\n", lines) + "\n");
      n.host = host;
      n.api = listen;
    }
  }

  /**
   * Makes the group's first two nodes a hot-backup pair (docs/pair.md): node-a the live member,
   * node-b the backup ({@code pair.role: backup}), each listening for its peer on a free port (at its
   * namespace's address after {@link #runIn}). Replaces the {@code store:} line and adds the
   * {@code pair:} section; the group's timing must be empty (the pair sets it). Call before the
   * nodes start.
   *
   * @param witness a witness store URL, or null for none
   */
  public void pairUp(Path keyFile, String interval, int threshold, String witness) throws IOException {
    pairUp(keyFile, interval, threshold, witness, null);
  }

  /**
   * As {@link #pairUp(Path, String, int, String)}, the members listening at the addresses of a
   * direct link between their namespaces ({@link Netns#link}) when {@code network} is given.
   */
  public void pairUp(Path keyFile, String interval, int threshold, String witness, Netns network) throws IOException {
    if (nodes.size() != 2) {
      throw new IllegalStateException("a pair has two nodes, not " + nodes.size());
    }
    List<String> addresses = network == null ? List.of("127.0.0.1", "127.0.0.1")
        : network.link(nodes.get(0).host, nodes.get(1).host);
    String[] listen = new String[2];
    for (int i = 0; i < 2; i++) {
      listen[i] = addresses.get(i) + ":" + freePort();
      nodes.get(i).pairAddress = addresses.get(i);
    }
    for (int i = 0; i < 2; i++) {
      Node n = nodes.get(i);
      List<String> pair = new ArrayList<>(List.of("pair:", "  listen: " + listen[i], "  interval: " + interval,
          "  threshold: " + threshold, "  key-file: " + keyFile, "  role: " + (i == 0 ? "live" : "backup")));
      if (witness != null) {
        pair.add("  witness: " + witness);
      }
      List<String> lines = new ArrayList<>();
      for (String l : Files.readAllLines(n.config)) {
        if (l.startsWith("store:")) {
          lines.add("store: pair://" + listen[1 - i]);
          lines.addAll(pair);
        } else {
          lines.add(l);
        }
      }
      Files.writeString(n.config, String.join("\n", lines) + "\n");
    }
  }

  /** The group's nodes, node-a first. */
  public List<Node> nodes() {
    return Collections.unmodifiableList(nodes);
  }

  public Optional<Node> node(String name) {
    return nodes.stream().filter(n -> n.name.equals(name)).findFirst();
  }

  /** The whiteboard as the first answering agent sees it. */
  public Optional<StatusResponse> status() {
    for (Node n : nodes) {
      if (n.alive()) {
        try {
          return Optional.of(n.client().status());
        } catch (BatonException e) {
          // try the next one
        }
      }
    }
    return Optional.empty();
  }

  Optional<ServiceStatus> service(String name) {
    return status().flatMap(s -> s.services().stream().filter(x -> x.name().equals(name)).findFirst());
  }

  /** Stops every agent gracefully (SIGTERM), killing those that take longer than 20 s. */
  @Override
  public void close() {
    nodes.forEach(Node::terminate);
    nodes.forEach(Node::awaitExit);
  }

  static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String readListen(Path config) throws IOException {
    return Files.readAllLines(config).stream().filter(l -> l.trim().startsWith("listen:"))
        .map(l -> l.trim().substring("listen:".length()).trim()).findFirst().orElseThrow();
  }

  public static void deleteTree(Path root) throws IOException {
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

  /** One agent process. */
  public static final class Node implements FaultNode {
    final String name;
    final Path config;
    final Path log;
    String api;
    Process process;
    private NodeCgroup cgroup;
    private Netns.Host host;
    private FakeClock clock;
    private Map<String, String> environment = Map.of();
    private boolean withoutDacOverride;
    private String pairAddress;

    Node(String name, Path config, Path log, String api) {
      this.name = name;
      this.config = config;
      this.log = log;
      this.api = api;
    }

    /** The agent's API, host:port. */
    public String api() {
      return api;
    }

    /** The launcher's pid; call while {@link #alive()}. */
    public long pid() {
      return process.pid();
    }

    public BatonClient client() {
      return new BatonClient(api);
    }

    @Override
    public String operator(String method, String path, Object body) {
      try {
        dev.baton.api.OperatorResponse answer = client().operator(method, path, body);
        return "accepted: " + answer.detail() + (answer.changed() ? "" : " (nothing changed)");
      } catch (BatonException e) {
        return "refused: " + e.getMessage();
      }
    }

    public boolean alive() {
      return process != null && process.isAlive();
    }

    @Override
    public String name() {
      return name;
    }

    /** Starts the node's launcher (and so everything it forks) inside {@code cgroup} from now on. */
    public void startIn(NodeCgroup cgroup) {
      this.cgroup = cgroup;
    }

    @Override
    public Optional<NodeCgroup> cgroup() {
      return Optional.ofNullable(cgroup);
    }

    @Override
    public Optional<Netns.Host> netns() {
      return Optional.ofNullable(host);
    }

    /** Starts the node's launcher (and so everything it forks) on {@code clock} from now on. */
    public void startOn(FakeClock clock) {
      this.clock = clock;
      this.environment = clock.environment();
    }

    /**
     * Starts the node's launcher (and so everything it forks) bound by file permissions from now on:
     * as root, without CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH.
     */
    public void obeyFilePermissions() {
      this.withoutDacOverride = Processes.isRoot();
    }

    @Override
    public Optional<String> pairAddress() {
      return Optional.ofNullable(pairAddress);
    }

    /** The node's config file. */
    public Path config() {
      return config;
    }

    @Override
    public Path log() {
      return log;
    }

    /** Starts the node's launcher (and so everything it forks) with clocks that run at {@code rate} from now on. */
    public void startAtClockRate(double rate) {
      this.environment = FakeClock.rateEnvironment(rate);
    }

    @Override
    public Optional<FakeClock> clock() {
      return Optional.ofNullable(clock);
    }

    /** Starts the launcher: inside the node's cgroup and network namespace, and on its fake clock, when it has them. */
    @Override
    public void start() {
      List<String> prefix = new ArrayList<>(cgroup == null ? List.of() : cgroup.launchPrefix());
      if (host != null) {
        prefix.addAll(host.exec()); // execs in place: the launcher keeps the shell's pid
      }
      if (!environment.isEmpty()) {
        prefix.add("env"); // execs in place too; what runs before it (ip netns exec) reads the true clock
        environment.forEach((k, v) -> prefix.add(k + "=" + v));
      }
      if (withoutDacOverride) {
        prefix.addAll(List.of("setpriv", "--bounding-set", "-dac_override,-dac_read_search", "--")); // execs in place
      }
      process = AgentProcess.start(config, log, prefix);
    }

    /**
     * SIGKILL to the whole node at once, as a crash of its machine would do it: the launcher, the
     * guardian and the agent (stopped first, so that none reacts to another's death); the services
     * die with their guardian.
     */
    @Override
    public void kill() {
      if (process == null) {
        return;
      }
      List<Long> pids = pids();
      Processes.signal("STOP", pids);
      Processes.signal("KILL", pids);
      process.destroyForcibly();
      awaitExit();
    }

    /** The node's live processes: its agent, guardian and launcher, as far as they run. */
    @Override
    public List<Long> pids() {
      List<Long> pids = new ArrayList<>();
      for (long pid : new long[] {agentPid(), guardianPid()}) {
        if (pid > 0) {
          pids.add(pid);
        }
      }
      if (alive()) {
        pids.add(process.pid());
      }
      return pids;
    }

    /**
     * The agent of the moment, from the state it mirrors into its state-dir (docs/guardian.md), or 0
     * when none runs. Like every pid read from a file, it counts only while the process's command
     * line names this node's config: a stale pid may be another process's by now (pid_max is 32768
     * here, and a fault run starts thousands of processes).
     */
    @Override
    public long agentPid() {
      return ours(Agent.mirroredPid(log.getParent()).orElse(0));
    }

    /** The node's guardian of the moment, or 0 when none runs. */
    @Override
    public long guardianPid() {
      try {
        return ours(Long.parseLong(Files.readString(log.getParent().resolve("guardian.pid")).trim()));
      } catch (IOException | NumberFormatException e) {
        return 0;
      }
    }

    private long ours(long pid) {
      return Processes.runningWith(pid, config.toString()) ? pid : 0;
    }

    /** SIGTERM: a graceful handover. Returns at once. */
    public void terminate() {
      if (alive()) {
        process.destroy();
      }
    }

    public void awaitExit() {
      if (process == null) {
        return;
      }
      try {
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
          process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      if (!environment.isEmpty()) {
        FakeClock.forget(process.pid());
      }
    }
  }
}
