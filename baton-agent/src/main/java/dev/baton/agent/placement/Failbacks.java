package dev.baton.agent.placement;

import dev.baton.core.NodeName;
import dev.baton.core.ServiceName;
import dev.baton.core.placement.Candidate;
import dev.baton.core.placement.ServiceQueue;
import dev.baton.core.store.ServiceSettings;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Failback {@code rank}, as the owner of a service judges it. The rule: the owner hands the service
 * to a candidate ranked strictly better than itself (in the service's effective ranking) once
 *
 * <ul>
 *   <li>that candidate has been a candidate (alive, undrained, its provider not unavailable) for
 *       the failback delay without a break, as this owner saw it on every pass; and</li>
 *   <li>this owner has held the service, at the current epoch, for the failback delay.</li>
 * </ul>
 *
 * <p>Of several such candidates the best-ranked wins (then the name). Only rank counts: nearness
 * and load, which decide among equals at a failover, never move a running service. A node that
 * flaps (its session lost, its provider unavailable, drained, even once) starts its delay again
 * when it is back, so a flapping node never gets the service; the owner's own delay keeps a
 * service from being handed on again right after a failover or a failback. Any pass in which this
 * node is not the service's steady owner ({@link #forget}) starts both delays again.
 *
 * <p>Not thread-safe: the reconciler thread owns it. Times are monotonic nanoseconds.
 */
final class Failbacks {
  private record Held(long epoch, long sinceNanos) {}

  private final Map<ServiceName, Held> held = new HashMap<>();
  private final Map<ServiceName, Map<NodeName, Long>> candidateSince = new HashMap<>();

  /**
   * Takes one pass's view of a service that {@code self} owns at {@code epoch} and runs: returns
   * the node to hand it back to now, or null.
   */
  NodeName due(ServiceName s, long epoch, ServiceSettings settings, ServiceQueue queue, NodeName self, long now) {
    if (settings.failback() != ServiceSettings.Failback.RANK || queue == null) {
      forget(s);
      return null;
    }
    Held h = held.get(s);
    if (h == null || h.epoch() != epoch) {
      h = new Held(epoch, now);
      held.put(s, h);
    }
    Set<NodeName> candidates = queue.line().stream().filter(Candidate::eligible).map(Candidate::node)
        .filter(n -> !n.equals(self)).collect(Collectors.toSet());
    Map<NodeName, Long> since = candidateSince.computeIfAbsent(s, k -> new HashMap<>());
    since.keySet().retainAll(candidates);
    candidates.forEach(n -> since.putIfAbsent(n, now));

    long delay = settings.effectiveFailbackDelay().toNanos();
    if (now - h.sinceNanos() < delay) {
      return null;
    }
    int mine = queue.ranking().rankOf(self);
    return candidates.stream()
        .filter(n -> queue.ranking().rankOf(n) < mine)
        .filter(n -> now - since.get(n) >= delay)
        .min(Comparator.comparingInt((NodeName n) -> queue.ranking().rankOf(n)).thenComparing(n -> n))
        .orElse(null);
  }

  /** Drops what was seen of {@code s}: the next {@link #due} starts both delays again. */
  void forget(ServiceName s) {
    held.remove(s);
    candidateSince.remove(s);
  }
}
