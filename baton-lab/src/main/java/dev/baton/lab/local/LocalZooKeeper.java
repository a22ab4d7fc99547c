package dev.baton.lab.local;

import dev.baton.core.BatonException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.zookeeper.client.FourLetterWordMain;

/**
 * A ZooKeeper ensemble on this machine for the demo and the benchmarks: three servers, each a child
 * JVM running ZooKeeper's own {@code QuorumPeerMain} with a {@code zoo.cfg} and a data directory of
 * its own under the group's directory, and its output in {@code zk-N/server.log}.
 *
 * <p>Servers are processes, not threads of this JVM, for two reasons. A fault kills a server for
 * real (SIGKILL), as a crashed machine would. And an embedded ZooKeeper server that fails on its
 * way up calls {@code System.exit}, which would end the benchmark that hosts it: curator-test's
 * in-process ensemble gives its servers no other exit handler.
 *
 * <p>The servers tick every {@value #TICK_MILLIS} ms: ZooKeeper expires sessions in ticks and grants
 * none shorter than two, so a short lease is honoured closely. Their client ports listen on every
 * address, so an agent in a network namespace reaches them on the private network's store address.
 */
public final class LocalZooKeeper implements AutoCloseable {
  public static final int TICK_MILLIS = 100;
  private static final int SERVERS = 3;

  private final List<Server> servers = new ArrayList<>();
  /** Forks every server: the parent-death signal follows the forking thread, so it must outlive them. */
  private final ExecutorService launcher = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "baton-zookeeper-launcher");
    t.setDaemon(true);
    return t;
  });

  private LocalZooKeeper() {}

  /** Writes the servers' configurations under {@code dir}, starts them and waits until they serve. */
  public static LocalZooKeeper start(Path dir) {
    LocalZooKeeper ensemble = new LocalZooKeeper();
    try {
      int[] ports = freePorts(3 * SERVERS);
      StringBuilder peers = new StringBuilder();
      for (int id = 1; id <= SERVERS; id++) {
        peers.append("server.").append(id).append("=127.0.0.1:").append(ports[3 * id - 2]).append(':')
            .append(ports[3 * id - 1]).append('\n');
      }
      for (int id = 1; id <= SERVERS; id++) {
        ensemble.servers.add(ensemble.new Server(id, ports[3 * id - 3], dir.resolve("zk-" + id), peers.toString()));
      }
      for (Server s : ensemble.servers) {
        s.start();
      }
      ensemble.awaitServing(Duration.ofSeconds(60));
      return ensemble;
    } catch (RuntimeException e) {
      ensemble.close();
      throw e;
    }
  }

  public List<Server> servers() {
    return List.copyOf(servers);
  }

  /** {@code host:port,...} of every server, reached at {@code host} (loopback or the store address). */
  /** The servers' client ports, in server order. */
  public List<Integer> clientPorts() {
    return servers.stream().map(s -> s.clientPort).toList();
  }

  public String connectString(String host) {
    return servers.stream().map(s -> host + ":" + s.clientPort).collect(Collectors.joining(","));
  }

  /**
   * Waits until every server answers as a leader or follower. A server whose process exited on its
   * way up (its ports not yet free, say) is started again, twice at most; throws, with the ends of
   * the servers' logs, if the ensemble still does not serve.
   */
  public void awaitServing(Duration atMost) {
    long deadline = System.nanoTime() + atMost.toNanos();
    int restarts = 0;
    while (!servers.stream().allMatch(Server::serves)) {
      List<Server> exited = servers.stream().filter(s -> !s.running()).toList();
      boolean late = System.nanoTime() > deadline;
      if (late || restarts + exited.size() > 2 * SERVERS) {
        throw new BatonException("the ZooKeeper ensemble does not serve " + (late ? "within " + atMost.toSeconds() + " s"
            : "after " + restarts + " restarts of exited servers") + ": "
            + servers.stream().map(Server::describe).collect(Collectors.joining("; ")));
      }
      for (Server s : exited) {
        s.start();
        restarts++;
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new BatonException("interrupted while waiting for the ZooKeeper ensemble", e);
      }
    }
  }

  /** Kills every server and waits for them to be gone. */
  @Override
  public void close() {
    for (Server s : servers) {
      s.kill();
    }
    launcher.shutdownNow();
  }

  /** One server of the ensemble. */
  public final class Server {
    private final int id;
    private final int clientPort;
    private final Path dir;
    private Process process;

    private Server(int id, int clientPort, Path dir, String peers) {
      this.id = id;
      this.clientPort = clientPort;
      this.dir = dir;
      try {
        Files.createDirectories(dir.resolve("data"));
        Files.writeString(dir.resolve("data").resolve("myid"), id + "\n");
        Files.writeString(dir.resolve("zoo.cfg"), "tickTime=" + TICK_MILLIS + "\n"
            + "initLimit=50\nsyncLimit=20\n"
            + "dataDir=" + dir.resolve("data") + "\n"
            + "clientPort=" + clientPort + "\n"
            + "maxSessionTimeout=60000\n"
            + "4lw.commands.whitelist=srvr,cons\n"
            + "admin.enableServer=false\n"
            + peers);
      } catch (IOException e) {
        throw new BatonException("cannot write the configuration of ZooKeeper server " + id + " in " + dir + ": "
            + e.getMessage(), e);
      }
    }

    public int id() {
      return id;
    }

    public int clientPort() {
      return clientPort;
    }

    /** Starts the server's process (again, after {@link #kill}); it joins the ensemble with its data. */
    public synchronized void start() {
      if (process != null && process.isAlive()) {
        return;
      }
      String java = ProcessHandle.current().info().command().orElse("java");
      List<String> command = List.of("setpriv", "--pdeathsig", "KILL", "--", "setsid", "--", java,
          "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xmx256m", "-Dzookeeper.jmx.log4j.disable=true",
          "-cp", System.getProperty("java.class.path"), "org.apache.zookeeper.server.quorum.QuorumPeerMain",
          dir.resolve("zoo.cfg").toString());
      try {
        process = launcher.submit(() -> new ProcessBuilder(command).redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("server.log").toFile())).start()).get();
      } catch (ExecutionException e) {
        throw new BatonException("cannot start ZooKeeper server " + id + ": " + e.getCause().getMessage(), e.getCause());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new BatonException("interrupted while starting ZooKeeper server " + id, e);
      }
    }

    /** SIGKILLs the server, as a crash of its machine would, and waits for it to be gone. */
    public synchronized void kill() {
      if (process == null) {
        return;
      }
      process.destroyForcibly();
      try {
        process.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    public synchronized boolean running() {
      return process != null && process.isAlive();
    }

    /** Whether the server answers as the ensemble's leader or a follower. */
    public boolean serves() {
      String answer = fourLetterWord("srvr");
      return answer.contains("Mode: leader") || answer.contains("Mode: follower");
    }

    public boolean isLeader() {
      return fourLetterWord("srvr").contains("Mode: leader");
    }

    /** The server's answer to a four-letter command ({@code srvr} or {@code cons}), or "" if it gives none. */
    public String fourLetterWord(String word) {
      try {
        return FourLetterWordMain.send4LetterWord("127.0.0.1", clientPort, word, false, 2000);
      } catch (Exception e) {
        return "";
      }
    }

    @Override
    public String toString() {
      return "zk-" + id + " (127.0.0.1:" + clientPort + ")";
    }

    private String describe() {
      if (!running()) {
        return this + " exited: " + logTail();
      }
      return this + (serves() ? " serves" : " does not serve yet");
    }

    private String logTail() {
      try {
        List<String> lines = Files.readAllLines(dir.resolve("server.log"), StandardCharsets.UTF_8);
        return String.join(" | ", lines.subList(Math.max(0, lines.size() - 3), lines.size()));
      } catch (IOException e) {
        return "(no log: " + e.getMessage() + ")";
      }
    }
  }

  private static int[] freePorts(int n) {
    List<ServerSocket> sockets = new ArrayList<>();
    try {
      int[] ports = new int[n];
      for (int i = 0; i < n; i++) {
        ServerSocket s = new ServerSocket(0);
        sockets.add(s);
        ports[i] = s.getLocalPort();
      }
      return ports;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot find free ports for ZooKeeper", e);
    } finally {
      for (ServerSocket s : sockets) {
        try {
          s.close();
        } catch (IOException ignored) {
          // a port we only looked up
        }
      }
    }
  }
}
