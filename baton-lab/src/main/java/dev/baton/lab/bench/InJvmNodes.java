package dev.baton.lab.bench;

import dev.baton.agent.Agent;
import dev.baton.agent.config.AgentConfig;
import dev.baton.core.BatonException;
import dev.baton.core.store.Stores;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Logical nodes in this JVM: real agents built through {@code Agent.Embedding}, each with a store
 * counted by {@link CountingStore}, their services run by one {@link InProcessServices}. All the
 * nodes of {@code bench scale} by default, or one child JVM's share of them ({@link ScaleWorker}).
 */
final class InJvmNodes implements ScaleNodes {
  private final List<AgentConfig> configs;
  private final InProcessServices runner;
  private final CountingStore.Calls calls = new CountingStore.Calls();
  private final Map<String, Agent> agents = new ConcurrentHashMap<>();
  private final Consumer<String> progress;
  private ExecutorService starter;
  private long heapBefore;
  private int threadsBefore;

  /**
   * @param configs the nodes, in the order {@link #join} starts them
   * @param listener told of every service run's start and end
   * @param progress where a line of progress goes (a join retried, nodes that did not stop)
   */
  InJvmNodes(List<AgentConfig> configs, InProcessServices.Listener listener, Consumer<String> progress) {
    this.configs = List.copyOf(configs);
    this.runner = new InProcessServices(listener);
    this.progress = progress;
  }

  @Override
  public void prepare() {
    heapBefore = usedHeapAfterGc();
    threadsBefore = Thread.activeCount();
  }

  @Override
  public void join(Progress joining) throws Exception {
    starter = Executors.newFixedThreadPool(4);
    List<Future<Agent>> starting = new ArrayList<>();
    for (AgentConfig config : configs) {
      starting.add(starter.submit(() -> startAgent(config)));
    }
    for (Future<Agent> f : starting) {
      f.get();
      joining.step();
    }
  }

  /** Starts the node of {@code config}, trying again up to 5 times when a busy store times its join out. */
  Agent startAgent(AgentConfig config) throws InterruptedException {
    for (int attempt = 1; ; attempt++) {
      Agent agent = new Agent(config, new Agent.Embedding(o -> new CountingStore(Stores.open(o), calls), runner, null));
      try {
        agent.start();
        agents.put(agent.nodeName(), agent);
        return agent;
      } catch (BatonException failed) {
        // A busy store can time out a join: try again, as a restarted agent would.
        if (attempt == 5) {
          throw failed;
        }
        progress.accept(config.node() + " could not join (" + failed.getMessage() + "); trying again");
        Thread.sleep(1000);
      }
    }
  }

  @Override
  public LiveRuns runs() {
    return runner.runs();
  }

  @Override
  public Map<String, Long> calls() {
    return calls.snapshot();
  }

  @Override
  public long[] heapAndThreadsGrowth() {
    return new long[] {usedHeapAfterGc() - heapBefore, Thread.activeCount() - threadsBefore};
  }

  @Override
  public long crash(String node) {
    Agent agent = agents.get(node);
    if (agent == null) {
      throw new IllegalArgumentException("no node " + node + " runs here");
    }
    long crashAt = System.nanoTime();
    agent.crash();
    return crashAt;
  }

  @Override
  public void stopAll() throws InterruptedException {
    stopAll(8);
  }

  /** Stops every node that runs, {@code threads} at a time. */
  void stopAll(int threads) throws InterruptedException {
    if (starter != null) {
      starter.shutdownNow();
    }
    ExecutorService stopper = Executors.newFixedThreadPool(threads);
    new TreeMap<>(agents).values().forEach(a -> stopper.execute(a::stop));
    stopper.shutdown();
    if (!stopper.awaitTermination(5, TimeUnit.MINUTES)) {
      progress.accept("some nodes did not stop within 5 minutes");
    }
  }

  @Override
  public long overlaps() {
    return runner.overlaps();
  }

  @Override
  public String mode() {
    return "in this JVM";
  }

  @Override
  public void close() {
    if (starter != null) {
      starter.shutdownNow();
    }
  }

  static long usedHeapAfterGc() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }
}
