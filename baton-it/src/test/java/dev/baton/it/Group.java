package dev.baton.it;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.api.ServiceStatus;
import dev.baton.api.StatusResponse;
import dev.baton.core.GroupName;
import dev.baton.core.store.Event;
import dev.baton.core.store.Store;
import dev.baton.core.store.StoreOptions;
import dev.baton.core.store.Stores;
import dev.baton.lab.faults.Netns;
import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * A Baton group of real agent processes on one machine, for integration tests. Every node is a
 * child JVM running {@code baton agent -c FILE} on the test's classpath, killed by the kernel if
 * the test JVM dies. With the guardian on (the default) that process is the launcher: it starts
 * the node's guardian, which starts the agent (docs/guardian.md); {@link Node#agentPid()} and
 * {@link Node#guardianPid()} find them. The group's one service is {@code svc}: a shell script that
 * appends {@code epoch node pid start-nanos now-nanos} to a shared epoch log every 50 ms, and exits
 * with code 1 when the test creates the file {@code exit-now} in the group's directory.
 */
final class Group implements AutoCloseable {
  static final String SERVICE = "svc";
  private static final ObjectMapper JSON = new ObjectMapper()
      .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
  private static final java.util.Random RANDOM = new java.util.Random();
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

  final Path dir;
  final String store;
  final Duration heartbeat;
  final Duration lease;
  final Map<String, Node> nodes = new LinkedHashMap<>();
  /** More YAML at the top level of the config of each node started from now on; empty for none. */
  String topYaml = "";
  /**
   * The command that runs {@code baton} for the nodes started from now on (an installed archive's
   * {@code bin/baton}); null for a JVM on the test's classpath.
   */
  List<String> launcher;

  Group(Path dir, String store, Duration heartbeat, Duration lease) throws IOException {
    this.dir = dir;
    this.store = store;
    this.heartbeat = heartbeat;
    this.lease = lease;
    Path script = dir.resolve("epoch-writer.sh");
    Files.writeString(script, String.join("\n",
        "#!/bin/sh",
        "start=$(date +%s%N)",
        "read -r pid rest < /proc/self/stat # the machine's pid; $$ is the PID namespace's",
        // With TREE_LOG set, the service is a process tree, as real ones are: a worker child, and a
        // daemon that forks twice into a session of its own and ignores SIGTERM; both log their lives.
        "if [ -n \"$TREE_LOG\" ]; then",
        "  sh -c 'read -r p r < /proc/self/stat; while :; do echo \"$BATON_EPOCH $BATON_NODE $p worker $(date +%s%N)\" >> \"$TREE_LOG\"; sleep 0.05; done' &",
        "  (setsid sh -c 'trap \"\" TERM HUP; read -r p r < /proc/self/stat; while :; do echo \"$BATON_EPOCH $BATON_NODE $p daemon $(date +%s%N)\" >> \"$TREE_LOG\"; sleep 0.05; done' &)",
        "fi",
        "while :; do",
        "  if [ -e \"$EXIT_TRIGGER\" ]; then rm -f \"$EXIT_TRIGGER\"; exit 1; fi",
        "  echo \"$BATON_EPOCH $BATON_NODE $pid $start $(date +%s%N)\" >> \"$EPOCH_LOG\"",
        "  sleep 0.05",
        "done",
        ""));
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  /** A group on a fresh SQLite file in {@code dir}; heartbeat 500ms, lease 3s. */
  static Group sqlite(Path dir) throws IOException {
    return onStore(dir, "sqlite:" + dir.resolve("group.db"), Duration.ofMillis(500), Duration.ofSeconds(3));
  }

  /** A group on the store at {@code url}, which must not hold a group {@code it} yet. */
  static Group onStore(Path dir, String url, Duration heartbeat, Duration lease) throws IOException {
    return new Group(dir, url, heartbeat, lease);
  }

  EpochLog epochLog() {
    return new EpochLog(dir.resolve("epochs.log"));
  }

  Node start(String name) throws IOException {
    return start(name, null, Map.of());
  }

  /** Starts {@code name} with a timing of its own instead of the group's. */
  Node start(String name, Duration heartbeat, Duration lease) throws IOException {
    Node node = nodes.computeIfAbsent(name, n -> new Node(n, freePort()));
    node.heartbeat = heartbeat;
    node.lease = lease;
    return start(name, null, Map.of());
  }

  /**
   * Starts {@code name} with {@code env} added to its environment and, when {@code host} is given,
   * inside that network namespace (its API then listens on the namespace's address).
   */
  Node start(String name, Netns.Host host, Map<String, String> env) throws IOException {
    Node node = nodes.computeIfAbsent(name, n -> new Node(n, freePort()));
    node.host = host;
    node.env = Map.copyOf(env);
    node.writeConfig();
    node.start();
    return node;
  }

  /** Makes the running service process exit with code 1 on its next loop. */
  void makeServiceExit() throws IOException {
    Files.writeString(dir.resolve("exit-now"), "");
  }

  /** The whiteboard as the first answering agent sees it. */
  Optional<StatusResponse> status() {
    for (Node n : nodes.values()) {
      if (n.alive()) {
        Optional<StatusResponse> s = n.status();
        if (s.isPresent()) {
          return s;
        }
      }
    }
    return Optional.empty();
  }

  /**
   * Whether the last process in the epoch log provides the service as the whiteboard says (same
   * owner) and the whiteboard shows {@code alive} nodes alive.
   */
  boolean providedWithNodesAlive(int alive) {
    EpochLog.Life last = epochLog().last();
    return last != null && service().map(ServiceStatus::owner).orElse("").equals(last.node())
        && status().map(s -> s.nodes().stream().filter(n -> n.state().equals("alive")).count()).orElse(0L) == alive;
  }

  Optional<ServiceStatus> service() {
    return status().flatMap(s -> s.services().stream().filter(x -> x.name().equals(SERVICE)).findFirst());
  }

  /** The events of the group's store, oldest first. */
  List<Event> events() {
    try (Store s = Stores.open(new StoreOptions(store, GroupName.of("it"), heartbeat, lease, Duration.ofSeconds(2), null))) {
      return s.events(0, 10_000);
    }
  }

  /** Kills every node (launcher, guardian and agent); their services die with their guardians. */
  @Override
  public void close() {
    for (Node n : nodes.values()) {
      n.killNode();
    }
  }

  /** Sends {@code signal} (e.g. STOP, CONT, KILL) to one process; never to 0 or less (kill's own group, or all). */
  static void signal(long pid, String signal) {
    if (pid <= 0) {
      throw new IllegalArgumentException("refusing to send SIG" + signal + " to pid " + pid);
    }
    try {
      Process kill = new ProcessBuilder("kill", "-s", signal, Long.toString(pid)).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      kill.waitFor(5, TimeUnit.SECONDS);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * A free port below Linux's ephemeral range (32768 and up), so that no outgoing connection of
   * this machine takes it between this check and the agent's bind; never one this group uses.
   */
  int freePort() {
    while (true) {
      int port = 20_000 + RANDOM.nextInt(12_000);
      if (nodes.values().stream().noneMatch(n -> n.port == port)) {
        try (ServerSocket s = new ServerSocket(port)) {
          return s.getLocalPort();
        } catch (IOException e) {
          // taken: try another
        }
      }
    }
  }

  final class Node {
    final String name;
    final int port;
    final Path config;
    final Path log;
    Netns.Host host;
    Map<String, String> env = Map.of();
    /** Arguments after {@code agent -c FILE} at the next start. */
    List<String> args = List.of();
    boolean guardian = true;
    /** Whether the node provides the group's service; when false it provides only {@code other} (a sleep). */
    boolean providesService = true;
    /** More YAML keys of the service (indented by four spaces), e.g. its recovery; empty for none. */
    String serviceYaml = "";
    /** The node's location ({@code node.location}), or null for the root. */
    String location;
    /** More services of the node (YAML indented by two spaces, under {@code services:}); empty for none. */
    String moreServicesYaml = "";
    /** More YAML at the top level of the node's config (e.g. its {@code on:} commands); empty for none. */
    String topYaml = Group.this.topYaml;
    Duration heartbeat = Group.this.heartbeat;
    Duration lease = Group.this.lease;
    /**
     * The node's store and timing YAML (a pair member's {@code store:} and {@code pair:}), or null for
     * the group's store with the node's heartbeat and lease.
     */
    String storeYaml;
    Process process;

    Node(String name, int port) {
      this.name = name;
      this.port = port;
      this.config = dir.resolve(name + ".yaml");
      this.log = dir.resolve(name + ".log");
    }

    void writeConfig() throws IOException {
      Files.writeString(config, String.join("\n",
          "group: it",
          "node:",
          "  name: " + name,
          location == null ? "" : "  location: " + location,
          "api:",
          "  listen: " + listenHost() + ":" + port,
          "  insecure: " + (host != null), // a namespace's address, on a test network of its own
          storeYaml != null ? storeYaml : String.join("\n",
              "store: " + store,
              "timing:",
              "  heartbeat: " + heartbeat.toMillis() + "ms",
              "  lease: " + lease.toMillis() + "ms"),
          "state-dir: " + dir.resolve(name),
          "guardian: " + guardian,
          "services:",
          providesService ? String.join("\n",
              "  " + SERVICE + ":",
              "    command: [" + dir.resolve("epoch-writer.sh") + "]",
              "    env: {EPOCH_LOG: " + dir.resolve("epochs.log") + ", EXIT_TRIGGER: " + dir.resolve("exit-now") + "}",
              "    stop-timeout: 2s",
              serviceYaml)
              : String.join("\n",
              "  other:",
              "    command: [sleep, '3600']",
              "    stop-timeout: 2s"),
          moreServicesYaml,
          topYaml,
          ""));
    }

    void start() throws IOException {
      String java = ProcessHandle.current().info().command().orElse("java");
      // `ip netns exec` execs the command in place: the pid and the parent-death signal stay.
      List<String> cmd = new ArrayList<>(List.of("setpriv", "--pdeathsig", "KILL", "--"));
      if (host != null) {
        cmd.addAll(host.exec());
      }
      if (launcher != null) {
        cmd.addAll(launcher);
      } else {
        cmd.addAll(List.of(java, "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xmx128m",
            "-cp", System.getProperty("java.class.path"), "dev.baton.cli.Main"));
      }
      cmd.addAll(List.of("agent", "-c", config.toString()));
      cmd.addAll(args);
      ProcessBuilder builder = new ProcessBuilder(cmd).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
      builder.environment().putAll(env);
      process = builder.start();
    }

    private String listenHost() {
      return host == null ? "127.0.0.1" : host.address();
    }

    boolean alive() {
      return process != null && process.isAlive();
    }

    String api() {
      return "http://" + listenHost() + ":" + port;
    }

    Optional<StatusResponse> status() {
      try {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(api() + "/v1/status"))
            .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
        return r.statusCode() == 200 ? Optional.of(JSON.readValue(r.body(), StatusResponse.class)) : Optional.empty();
      } catch (IOException e) {
        return Optional.empty();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return Optional.empty();
      }
    }

    /** The node's state dir: its mirror, fence deadline, guardian pid, service logs. */
    Path stateDir() {
      return dir.resolve(name);
    }

    /**
     * The agent's pid as its mirror says (the agent of the moment: a restarted one has a new pid), or
     * 0 when none runs. Pids read from files count only while the process's command line names this
     * node's config: a stale one may be an unrelated process's by now (pid_max is 32768 here).
     */
    long agentPid() {
      Properties p = new Properties();
      try {
        p.load(new StringReader(Files.readString(stateDir().resolve("agent-state.properties"))));
        return ours(Long.parseLong(p.getProperty("agent.pid", "0")));
      } catch (IOException | NumberFormatException e) {
        return 0;
      }
    }

    /** The pid of the node's guardian of the moment, or 0 when none runs. */
    long guardianPid() {
      try {
        return ours(Long.parseLong(Files.readString(stateDir().resolve("guardian.pid")).trim()));
      } catch (IOException | NumberFormatException e) {
        return 0;
      }
    }

    private long ours(long pid) {
      return dev.baton.lab.faults.Processes.runningWith(pid, config.toString()) ? pid : 0;
    }

    /**
     * Kills the whole node at once, as a crash of its machine would: stops the launcher, the
     * guardian and the agent (so none of them reacts to another's death), then SIGKILLs them, and
     * waits until they are gone. Their services die with the guardian (parent-death signal).
     */
    void killNode() {
      List<Long> pids = new ArrayList<>();
      for (long pid : new long[] {agentPid(), guardianPid(), process == null ? 0 : process.pid()}) {
        if (pid > 0 && Processes.running(pid)) {
          pids.add(pid);
        }
      }
      pids.forEach(pid -> signal(pid, "STOP"));
      pids.forEach(pid -> signal(pid, "KILL"));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (pids.stream().anyMatch(Processes::running) && System.nanoTime() < deadline) {
        try {
          Thread.sleep(20);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
      if (process != null) {
        try {
          process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }

    /** Kills the whole node ({@link #killNode()}). */
    void kill() {
      killNode();
    }

    /** SIGTERM; returns at once. */
    void terminate() {
      process.destroy();
    }

    String logText() {
      try {
        return Files.readString(log);
      } catch (IOException e) {
        return "(no log: " + e + ")";
      }
    }
  }
}
