package dev.baton.lab.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.agent.config.AgentConfig;
import dev.baton.agent.config.Timing;
import dev.baton.core.Durations;
import dev.baton.core.ServiceName;
import dev.baton.core.store.StoreOptions;
import dev.baton.core.store.Stores;
import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Internal: one child JVM of {@code bench scale --jvms N}, started by {@link ChildJvmNodes} on the
 * parent's classpath; not a command of its own. It runs its share of the logical nodes
 * ({@link InJvmNodes}) against the store the parent keeps, and speaks with the parent in lines:
 *
 * <p>In, on stdin: first the setup as one JSON object ({@code nodes}, {@code services},
 * {@code providers}, {@code heartbeat}, {@code lease}, {@code dir}, {@code urls}: the store URL of
 * every node, {@code mine}: the nodes this JVM runs); then commands: {@code join NODE},
 * {@code calls}, {@code heap}, {@code crash NODE}, {@code stop THREADS} (its nodes, that many at a
 * time). When stdin ends (the parent is gone) the JVM halts at once. Before it says {@code ready} it opens and closes the store once (its
 * driver loaded, as part of the JVM's start-up) and measures its heap for the baseline.
 *
 * <p>Out, on stdout: one JSON object a line, {@code "e"} says what: {@code ready}, {@code joined}
 * / {@code joinFailed} ({@code node}), {@code start} / {@code stop} of a service run ({@code svc},
 * {@code node}, {@code epoch}, {@code t}: its start, and {@code end}: its end, each
 * {@link System#nanoTime()}), {@code calls} ({@code counts} by kind), {@code heap} ({@code bytes},
 * {@code threads}: growth since before the first node started), {@code crashed} ({@code node},
 * {@code t}), {@code progress} ({@code text}), {@code stopped}, {@code error} ({@code text}). Logs
 * go to stderr.
 */
public final class ScaleWorker {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final PrintStream out;

  private ScaleWorker(PrintStream out) {
    this.out = out;
  }

  public static void main(String[] args) {
    // stdout is the parent's channel: anything else that would print there (logs) goes to stderr.
    PrintStream channel = new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.UTF_8);
    System.setOut(System.err);
    BenchScaleCommand.quietAgents();
    ScaleWorker worker = new ScaleWorker(channel);
    try {
      worker.serve(new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)));
    } catch (Throwable t) {
      worker.send(Map.of("e", "error", "text", String.valueOf(t)));
      t.printStackTrace();
      Runtime.getRuntime().halt(2);
    }
    // stdin ended: the parent is gone (or done with us). Its nodes are not left behind.
    Runtime.getRuntime().halt(0);
  }

  private void serve(BufferedReader in) throws Exception {
    String first = in.readLine();
    if (first == null) {
      return;
    }
    JsonNode setup = JSON.readTree(first);
    int nodes = setup.get("nodes").asInt();
    int services = setup.get("services").asInt();
    int providers = setup.get("providers").asInt();
    Duration lease = Durations.parse(setup.get("lease").asText());
    Timing timing = new Timing(Durations.parse(setup.get("heartbeat").asText()), lease,
        Duration.ofMillis(lease.toMillis() / 3));
    Map<String, String> urls = new TreeMap<>();
    setup.get("urls").fields().forEachRemaining(e -> urls.put(e.getKey(), e.getValue().asText()));
    Set<String> mine = new HashSet<>();
    setup.get("mine").forEach(n -> mine.add(n.asText()));
    List<AgentConfig> configs = BenchScaleCommand.configs(BenchScaleCommand.spread(nodes, services, providers), urls,
        timing, Path.of(setup.get("dir").asText())).stream().filter(c -> mine.contains(c.node().value())).toList();

    InJvmNodes local = new InJvmNodes(configs, new InProcessServices.Listener() {
      @Override
      public void started(ServiceName service, InProcessServices.Run run) {
        send(Map.of("e", "start", "svc", service.value(), "node", run.node(), "epoch", run.epoch(),
            "t", run.startedNanos()));
      }

      @Override
      public void stopped(ServiceName service, InProcessServices.Run run, long stoppedNanos) {
        send(Map.of("e", "stop", "svc", service.value(), "node", run.node(), "epoch", run.epoch(),
            "t", run.startedNanos(), "end", stoppedNanos));
      }
    }, text -> send(Map.of("e", "progress", "text", text)));
    Map<String, AgentConfig> byNode = new LinkedHashMap<>();
    configs.forEach(c -> byNode.put(c.node().value(), c));
    // Load the store's driver (and on SQLite its native library) once, as part of this JVM's start-up,
    // which the parent does not time: else the first join of each child JVM would pay it.
    if (!configs.isEmpty()) {
      Stores.open(new StoreOptions(configs.get(0).store(), configs.get(0).group(), timing.heartbeat(), timing.lease(),
          Duration.ofSeconds(30), null)).close();
    }
    // Joins run on these threads, started before the baseline so that they are not counted as the nodes'.
    ThreadPoolExecutor joiner = new ThreadPoolExecutor(4, 4, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>());
    joiner.prestartAllCoreThreads();
    local.prepare();
    send(Map.of("e", "ready"));
    for (String line; (line = in.readLine()) != null; ) {
      String[] command = line.trim().split(" ", 2);
      switch (command[0]) {
        case "join" -> {
          AgentConfig config = byNode.get(command[1]);
          joiner.execute(() -> {
            try {
              local.startAgent(config);
              send(Map.of("e", "joined", "node", command[1]));
            } catch (Exception | Error e) {
              send(Map.of("e", "joinFailed", "node", command[1], "text", String.valueOf(e)));
            }
          });
        }
        case "calls" -> send(Map.of("e", "calls", "counts", local.calls()));
        case "heap" -> {
          long[] growth = local.heapAndThreadsGrowth();
          send(Map.of("e", "heap", "bytes", growth[0], "threads", growth[1]));
        }
        case "crash" -> send(Map.of("e", "crashed", "node", command[1], "t", local.crash(command[1])));
        case "stop" -> {
          joiner.shutdownNow();
          local.stopAll(command.length > 1 ? Integer.parseInt(command[1]) : 8);
          send(Map.of("e", "stopped"));
          return;
        }
        default -> send(Map.of("e", "error", "text", "unknown command: " + line));
      }
    }
  }

  private synchronized void send(Map<String, Object> message) {
    try {
      out.println(JSON.writeValueAsString(message));
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
