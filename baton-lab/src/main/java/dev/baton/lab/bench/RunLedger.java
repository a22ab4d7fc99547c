package dev.baton.lab.bench;

import dev.baton.core.ServiceName;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What runs where when the nodes of {@code bench scale --jvms N} run in child JVMs: the parent's
 * record of the runs its children report ({@link InProcessServices.Listener}'s starts and stops,
 * times by {@link System#nanoTime()}, which is CLOCK_MONOTONIC on Linux and so comparable across
 * the processes of one boot). The reports of different children arrive in any order, so whether a
 * run started while another was alive is judged from the times, not from the order of arrival.
 * Thread-safe.
 */
final class RunLedger {
  /** One run: when it started and, once known, when it ended (else {@link Long#MAX_VALUE}). */
  private static final class Span {
    final InProcessServices.Run run;
    volatile long stopped = Long.MAX_VALUE;

    Span(InProcessServices.Run run) {
      this.run = run;
    }
  }

  private final LiveRuns live = new LiveRuns();
  private final Map<ServiceName, Map<InProcessServices.Run, Span>> history = new ConcurrentHashMap<>();

  void started(ServiceName service, InProcessServices.Run run) {
    live.started(service, run);
    span(service, run);
  }

  void stopped(ServiceName service, InProcessServices.Run run, long stoppedNanos) {
    live.ended(service, run); // a later run's start may have been reported first
    span(service, run).stopped = stoppedNanos;
  }

  private Span span(ServiceName service, InProcessServices.Run run) {
    return history.computeIfAbsent(service, s -> new ConcurrentHashMap<>()).computeIfAbsent(run, Span::new);
  }

  /** The services running now, with their runs, as reported so far. */
  LiveRuns runs() {
    return live;
  }

  /**
   * How many runs started while another run of the same service, in any process, had started and
   * not yet ended (a run whose end was never reported counts as alive from its start on).
   */
  long overlaps() {
    long overlaps = 0;
    for (Map<InProcessServices.Run, Span> runs : history.values()) {
      List<Span> byStart = new ArrayList<>(runs.values());
      byStart.sort(Comparator.comparingLong(s -> s.run.startedNanos()));
      long latestEnd = Long.MIN_VALUE; // of the runs that started before
      for (Span s : byStart) {
        if (latestEnd > s.run.startedNanos()) {
          overlaps++;
        }
        latestEnd = Math.max(latestEnd, s.stopped);
      }
    }
    return overlaps;
  }
}
