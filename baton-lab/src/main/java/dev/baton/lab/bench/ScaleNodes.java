package dev.baton.lab.bench;

import java.util.Map;

/**
 * The logical nodes of {@code bench scale}, wherever they run: all in this JVM ({@link InJvmNodes},
 * the default), or spread over child JVMs ({@link ChildJvmNodes}, {@code --jvms N}). The benchmark's
 * phases ({@code BenchScaleCommand.Run}) are the same for both.
 */
interface ScaleNodes extends AutoCloseable {
  /** Before any node starts: measures the heap and threads the nodes will be counted against. */
  void prepare() throws Exception;

  /** Starts every node, four at a time in node order, each step counted on {@code joining}. */
  void join(Progress joining) throws Exception;

  /** The services running now on every node, with their runs. */
  LiveRuns runs();

  /** The store calls of all nodes so far, by kind. */
  Map<String, Long> calls() throws Exception;

  /**
   * Used heap after a full GC now minus before the nodes started, in bytes, summed over the JVMs
   * the nodes run in; and the same for live threads.
   */
  long[] heapAndThreadsGrowth() throws Exception;

  /** Crashes {@code node} ({@code Agent.crash()}); returns {@link System#nanoTime()} just before. */
  long crash(String node) throws Exception;

  /** Stops every node that runs. */
  void stopAll() throws InterruptedException;

  /** How many times a service started while another run of it was alive. */
  long overlaps();

  /** "in this JVM", or "as 10 JVMs of 10 nodes". */
  String mode();

  @Override
  void close();
}
