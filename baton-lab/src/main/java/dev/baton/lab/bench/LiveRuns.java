package dev.baton.lab.bench;

import dev.baton.core.ServiceName;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** The services running now, by service, with their runs: what the scale benchmark asks of its nodes. Thread-safe. */
final class LiveRuns {
  private final Map<ServiceName, InProcessServices.Run> live = new ConcurrentHashMap<>();

  /** Records {@code run} as {@code service}'s live run; returns the run it replaced, or null. */
  InProcessServices.Run started(ServiceName service, InProcessServices.Run run) {
    return live.put(service, run);
  }

  /** Forgets {@code run}, unless a later run of {@code service} replaced it already. */
  void ended(ServiceName service, InProcessServices.Run run) {
    live.remove(service, run);
  }

  /** The services running now, with their runs. */
  Map<ServiceName, InProcessServices.Run> live() {
    return Map.copyOf(live);
  }

  /** The live run of {@code service}, or null. */
  InProcessServices.Run run(ServiceName service) {
    return live.get(service);
  }

  int running() {
    return live.size();
  }

  /** The services that {@code node} runs now. */
  Set<ServiceName> runningOn(String node) {
    Set<ServiceName> on = ConcurrentHashMap.newKeySet();
    live.forEach((s, r) -> {
      if (r.node().equals(node)) {
        on.add(s);
      }
    });
    return on;
  }
}
