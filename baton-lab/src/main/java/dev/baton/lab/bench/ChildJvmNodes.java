package dev.baton.lab.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.core.BatonException;
import dev.baton.core.ServiceName;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The logical nodes of {@code bench scale --jvms N} in N child JVMs ({@link ScaleWorker}), so that
 * the figures are not an artefact of one shared heap and garbage collector. Node i (1-based) runs
 * in child (i - 1) mod N, so the first nodes to join, which own most services, are spread over the
 * children. This JVM keeps the store and tells the children what to do; they report every service
 * run's start and end ({@link RunLedger}), their store calls and their heap.
 *
 * <p>Each child gets this JVM's {@code -X} and {@code -XX} options (so {@code BATON_JAVA_OPTS}'s
 * stack size and collector), with the maximum heap this JVM has divided by N (at least 64 MB)
 * instead of its own {@code -Xmx}. The children die with this JVM: they are destroyed when the run
 * ends and by a shutdown hook, and each halts when its stdin (a pipe from this JVM) ends, which it
 * does when this JVM dies however it dies.
 */
final class ChildJvmNodes implements ScaleNodes {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration REPLY_TIMEOUT = Duration.ofMinutes(5);

  /** One child JVM: the process, its stdin, and the replies its stdout brought. */
  private static final class Child {
    final int index;
    final List<String> nodes;
    final Process process;
    final Writer in;
    final BlockingQueue<JsonNode> replies = new LinkedBlockingQueue<>();
    volatile boolean gone;

    Child(int index, List<String> nodes, Process process) {
      this.index = index;
      this.nodes = nodes;
      this.process = process;
      this.in = new java.io.OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    }

    synchronized void send(String line) throws IOException {
      in.write(line);
      in.write('\n');
      in.flush();
    }

    /** The next reply of kind {@code e}; the others before it (none are expected) are dropped. */
    JsonNode await(String e) throws InterruptedException {
      long deadline = System.nanoTime() + REPLY_TIMEOUT.toNanos();
      while (true) {
        JsonNode m = replies.poll(200, TimeUnit.MILLISECONDS);
        if (m != null && m.path("e").asText().equals(e)) {
          return m;
        }
        if (m == null && gone && replies.isEmpty()) {
          throw new BatonException("child JVM " + index + " (pid " + process.pid() + ") ended before it answered ("
              + e + "), exit code " + exitCode());
        }
        if (System.nanoTime() > deadline) {
          throw new BatonException("child JVM " + index + " did not answer (" + e + ") within "
              + REPLY_TIMEOUT.toMinutes() + " minutes");
        }
      }
    }

    String exitCode() {
      return process.isAlive() ? "none yet" : Integer.toString(process.exitValue());
    }
  }

  private final int jvms;
  private final List<String> order;
  private final Map<String, Object> setup;
  private final Consumer<String> progress;
  private final RunLedger ledger = new RunLedger();
  private final List<Child> children = new ArrayList<>();
  private final Map<String, Child> byNode = new TreeMap<>();
  private final BlockingQueue<JsonNode> joins = new LinkedBlockingQueue<>();
  private final Thread onExit = new Thread(this::destroyAll, "bench-scale-children-on-exit");

  /**
   * @param order every node, in the order they join
   * @param urls the store URL of every node
   */
  ChildJvmNodes(int jvms, List<String> order, int services, int providers, String heartbeat, String lease,
      Map<String, String> urls, Path dir, Consumer<String> progress) {
    this.jvms = jvms;
    this.order = List.copyOf(order);
    this.progress = progress;
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("nodes", order.size());
    s.put("services", services);
    s.put("providers", providers);
    s.put("heartbeat", heartbeat);
    s.put("lease", lease);
    s.put("dir", dir.toString());
    s.put("urls", urls);
    this.setup = s;
  }

  /** "10 JVMs of 10 nodes", or "3 JVMs of 3 to 4 nodes". */
  static String mode(int jvms, int nodes) {
    int least = nodes / jvms;
    int most = (nodes + jvms - 1) / jvms;
    return jvms + " JVM" + (jvms == 1 ? "" : "s") + " of " + (least == most ? least : least + " to " + most) + " node"
        + (most == 1 ? "" : "s");
  }

  @Override
  public String mode() {
    return "as " + mode(jvms, order.size());
  }

  /** The options of a child JVM: this JVM's -X and -XX options with the heap divided among the children. */
  List<String> childOptions() {
    List<String> options = new ArrayList<>();
    for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      boolean heap = arg.startsWith("-Xmx") || arg.startsWith("-Xms") || arg.startsWith("-XX:MaxHeapSize")
          || arg.startsWith("-XX:InitialHeapSize") || arg.startsWith("-XX:MaxRAMPercentage")
          || arg.startsWith("-XX:InitialRAMPercentage");
      boolean debug = arg.startsWith("-Xdebug") || arg.startsWith("-Xrun");
      if ((arg.startsWith("-X") && !heap && !debug)) {
        options.add(arg);
      }
    }
    long mb = Math.max(64, Runtime.getRuntime().maxMemory() / jvms / (1024 * 1024));
    options.add("-Xmx" + mb + "m");
    return options;
  }

  @Override
  public void prepare() throws Exception {
    Runtime.getRuntime().addShutdownHook(onExit);
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> options = childOptions();
    for (int j = 0; j < jvms; j++) {
      List<String> mine = new ArrayList<>();
      for (int i = j; i < order.size(); i += jvms) {
        mine.add(order.get(i));
      }
      List<String> command = new ArrayList<>();
      command.add(java);
      command.addAll(options);
      command.addAll(List.of("-cp", System.getProperty("java.class.path"), ScaleWorker.class.getName()));
      Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
      Child child = new Child(j, mine, p);
      children.add(child);
      mine.forEach(n -> byNode.put(n, child));
      Thread reader = new Thread(() -> read(child), "bench-scale-child-" + j);
      reader.setDaemon(true);
      reader.start();
      Map<String, Object> s = new LinkedHashMap<>(setup);
      s.put("mine", mine);
      child.send(JSON.writeValueAsString(s));
    }
    for (Child c : children) {
      c.await("ready");
    }
    progress.accept(jvms + " child JVMs ready (options " + String.join(" ", options) + ")");
  }

  private void read(Child child) {
    try (BufferedReader r = new BufferedReader(new InputStreamReader(child.process.getInputStream(),
        StandardCharsets.UTF_8))) {
      for (String line; (line = r.readLine()) != null; ) {
        JsonNode m;
        try {
          m = JSON.readTree(line);
        } catch (IOException notJson) {
          System.err.println("[child JVM " + child.index + "] " + line);
          continue;
        }
        switch (m.path("e").asText()) {
          case "start" -> ledger.started(ServiceName.of(m.get("svc").asText()), run(m));
          case "stop" -> ledger.stopped(ServiceName.of(m.get("svc").asText()), run(m), m.get("end").asLong());
          case "joined", "joinFailed" -> joins.add(m);
          case "progress" -> progress.accept(m.get("text").asText());
          case "error" -> {
            progress.accept("child JVM " + child.index + ": " + m.get("text").asText());
            child.replies.add(m);
          }
          default -> child.replies.add(m);
        }
      }
    } catch (IOException e) {
      // the child is gone
    } finally {
      child.gone = true;
    }
  }

  private static InProcessServices.Run run(JsonNode m) {
    return new InProcessServices.Run(m.get("node").asText(), m.get("epoch").asLong(), m.get("t").asLong());
  }

  @Override
  public void join(Progress joining) throws Exception {
    int next = 0;
    int outstanding = 0;
    while (next < order.size() || outstanding > 0) {
      // Four joins at a time over all children, in node order, as the nodes in one JVM join.
      while (outstanding < 4 && next < order.size()) {
        String node = order.get(next++);
        byNode.get(node).send("join " + node);
        outstanding++;
      }
      JsonNode m = joins.poll(REPLY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      if (m == null) {
        throw new BatonException("no node joined within " + REPLY_TIMEOUT.toMinutes() + " minutes");
      }
      outstanding--;
      if (m.get("e").asText().equals("joinFailed")) {
        throw new BatonException(m.get("node").asText() + " could not join: " + m.path("text").asText());
      }
      joining.step();
    }
  }

  @Override
  public LiveRuns runs() {
    return ledger.runs();
  }

  @Override
  public Map<String, Long> calls() throws Exception {
    for (Child c : children) {
      c.send("calls");
    }
    Map<String, Long> sum = new TreeMap<>();
    for (Child c : children) {
      c.await("calls").get("counts").fields().forEachRemaining(e -> sum.merge(e.getKey(), e.getValue().asLong(),
          Long::sum));
    }
    return sum;
  }

  @Override
  public long[] heapAndThreadsGrowth() throws Exception {
    for (Child c : children) {
      c.send("heap");
    }
    long[] sum = new long[2];
    for (Child c : children) {
      JsonNode m = c.await("heap");
      sum[0] += m.get("bytes").asLong();
      sum[1] += m.get("threads").asLong();
    }
    return sum;
  }

  @Override
  public long crash(String node) throws Exception {
    Child c = byNode.get(node);
    c.send("crash " + node);
    return c.await("crashed").get("t").asLong();
  }

  @Override
  public void stopAll() throws InterruptedException {
    List<Child> asked = new ArrayList<>();
    for (Child c : children) {
      try {
        c.send("stop " + Math.max(1, 8 / jvms)); // about 8 at a time over all, as in one JVM
        asked.add(c);
      } catch (IOException gone) {
        // nothing of it left to stop
      }
    }
    for (Child c : asked) {
      try {
        c.await("stopped");
        c.process.waitFor(30, TimeUnit.SECONDS);
      } catch (BatonException e) {
        progress.accept(e.getMessage());
      }
    }
  }

  @Override
  public long overlaps() {
    return ledger.overlaps();
  }

  @Override
  public void close() {
    destroyAll();
    try {
      Runtime.getRuntime().removeShutdownHook(onExit);
    } catch (IllegalStateException | IllegalArgumentException shuttingDownOrNotAdded) {
      // the hook runs (or ran) anyway
    }
  }

  private void destroyAll() {
    for (Child c : children) {
      c.process.destroyForcibly();
    }
    for (Child c : children) {
      try {
        c.process.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
