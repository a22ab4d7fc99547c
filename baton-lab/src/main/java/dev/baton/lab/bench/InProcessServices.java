package dev.baton.lab.bench;

import dev.baton.agent.supervisor.ServiceRunner;
import dev.baton.core.ServiceName;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Trivial services inside this JVM, for many logical nodes at once ({@code bench scale}): a run
 * does nothing but exist from its start to its stop. Records, across every node that shares it,
 * which node runs each service, when the latest run started, and every moment two runs of one
 * service were alive at once (which Baton must never allow). Thread-safe.
 */
final class InProcessServices implements ServiceRunner {
  /** A live run: the node and epoch it runs at, and when it started ({@link System#nanoTime()}). */
  record Run(String node, long epoch, long startedNanos) {}

  /**
   * Told of every run's start and end, on the thread that starts or ends it (a child JVM of {@code
   * bench scale --jvms} reports them to its parent). Times are {@link System#nanoTime()}.
   */
  interface Listener {
    void started(ServiceName service, Run run);

    void stopped(ServiceName service, Run run, long stoppedNanos);
  }

  static final Listener NONE = new Listener() {
    @Override
    public void started(ServiceName service, Run run) {}

    @Override
    public void stopped(ServiceName service, Run run, long stoppedNanos) {}
  };

  private final LiveRuns live = new LiveRuns();
  private final AtomicLong overlaps = new AtomicLong();
  private final Listener listener;

  InProcessServices() {
    this(NONE);
  }

  InProcessServices(Listener listener) {
    this.listener = listener;
  }

  @Override
  public Provided start(ServiceName service, long epoch, Map<String, String> env) {
    Run run = new Run(env.get("BATON_NODE"), epoch, System.nanoTime());
    if (live.started(service, run) != null) {
      overlaps.incrementAndGet();
    }
    listener.started(service, run);
    CompletableFuture<Integer> exit = new CompletableFuture<>();
    exit.thenRun(() -> {
      long stopped = System.nanoTime();
      live.ended(service, run);
      listener.stopped(service, run, stopped);
    });
    return new Provided() {
      @Override
      public CompletableFuture<Integer> exit() {
        return exit;
      }

      @Override
      public void stop() {
        exit.complete(0);
      }

      @Override
      public void kill() {
        exit.complete(137);
      }
    };
  }

  /** The services running now, with their runs. */
  LiveRuns runs() {
    return live;
  }

  /** How many times a run started while another run of the same service was alive. */
  long overlaps() {
    return overlaps.get();
  }
}
