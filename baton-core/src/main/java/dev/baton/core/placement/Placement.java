package dev.baton.core.placement;

import dev.baton.core.Location;
import dev.baton.core.NodeName;
import dev.baton.core.ServiceName;
import dev.baton.core.store.ServiceSettings;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The placement function: given the same views, every node computes the same owner for every
 * service, so that only the chosen node claims. It is pure and deterministic: the order of the
 * input lists does not matter.
 *
 * <p>Rules, per service in name order:
 * <ol>
 *   <li>A disabled service has no owner.</li>
 *   <li>Candidates are alive, undrained nodes with a provider that is not unavailable.</li>
 *   <li>A planned move ({@link ServiceSettings#moveTarget}) to a candidate wins while the epoch is
 *       the one it was asked at, over a valid owner too: that owner stops and releases the
 *       service, then the target claims it. A move to a node that is not a candidate is ignored.</li>
 *   <li>A valid owner that is still a candidate keeps the service (sticky failback).</li>
 *   <li>Instances of one service ({@code service@instance}, see {@link ServiceName}) spread: a
 *       node that is given one instance is no candidate for the others. Owners keep their instance
 *       first, then planned moves are honoured where the target holds no other instance.</li>
 *   <li>Otherwise the best candidate wins: the {@link EffectiveRanking} first (ranked before
 *       unranked); then nearness in the location tree to the previous owner (longest common
 *       prefix); then fewest services owned, counting the ones this pass has already placed; then
 *       node name.</li>
 * </ol>
 *
 * <p>{@link #explain} gives the same decision with its reasons: the whole line of each service,
 * ordered by the same rules. The whiteboard shows it, so that what it says is what decides.
 */
public final class Placement {
  private Placement() {}

  /** Returns the chosen owner per service; services without an eligible candidate are absent. */
  public static Map<ServiceName, NodeName> place(List<NodeView> nodes, List<ServiceView> services) {
    Map<ServiceName, NodeName> result = new TreeMap<>();
    explain(nodes, services).forEach((s, q) -> {
      if (q.target() != null) {
        result.put(s, q.target());
      }
    });
    return result;
  }

  /**
   * The line of every service: its target (what {@link #place} returns), the next in line if the
   * target went now (measured from the target's location, with the load of this placement), and
   * every provider's standing.
   */
  public static Map<ServiceName, ServiceQueue> explain(List<NodeView> nodes, List<ServiceView> services) {
    Map<NodeName, NodeView> byName = new TreeMap<>();
    nodes.forEach(n -> byName.put(n.name(), n));
    Map<ServiceName, ServiceView> sorted = new TreeMap<>();
    services.forEach(s -> sorted.put(s.name(), s));

    // The nodes with a provider of each service, so that a service looks at its few providers,
    // not at every node of the group.
    Map<ServiceName, List<NodeView>> providersOf = new HashMap<>();
    for (NodeView n : byName.values()) {
      n.providers().keySet().forEach(s -> providersOf.computeIfAbsent(s, k -> new ArrayList<>()).add(n));
    }
    Map<ServiceName, NodeName> result = new TreeMap<>();
    Map<NodeName, Integer> load = new HashMap<>();
    // Sticky owners, then planned moves, first, so that the load the others are balanced against is
    // what stays put; owners before moves, so that a move never takes a sibling instance's node.
    InstanceSpread spread = new InstanceSpread();
    for (boolean moves : new boolean[] {false, true}) {
      for (ServiceView s : sorted.values()) {
        NodeName target = s.settings().moveTarget(s.epoch());
        boolean moving = target != null && canRun(byName, target, s.name());
        if (s.settings().disabled() || moving != moves) {
          continue;
        }
        NodeName keeper = moving && spread.free(s.name(), target) ? target
            : s.owner() != null && canRun(byName, s.owner(), s.name()) && spread.free(s.name(), s.owner()) ? s.owner()
            : null;
        if (keeper != null) {
          result.put(s.name(), keeper);
          spread.place(s.name(), keeper);
          load.merge(keeper, 1, Integer::sum);
        }
      }
    }
    Map<ServiceName, EffectiveRanking> rankings = new HashMap<>();
    for (ServiceView s : sorted.values()) {
      List<NodeView> providers = providersOf.getOrDefault(s.name(), List.of());
      EffectiveRanking ranking = EffectiveRanking.of(s.name(), s.settings(), providers);
      rankings.put(s.name(), ranking);
      if (s.settings().disabled() || result.containsKey(s.name())) {
        continue;
      }
      providers.stream()
          .filter(n -> n.canRun(s.name()) && spread.free(s.name(), n.name()))
          .min(preference(ranking, locationOf(byName, s.previousOwner()), load))
          .ifPresent(best -> {
            result.put(s.name(), best.name());
            spread.place(s.name(), best.name());
            load.merge(best.name(), 1, Integer::sum);
          });
    }

    Map<ServiceName, ServiceQueue> queues = new TreeMap<>();
    for (ServiceView s : sorted.values()) {
      NodeName target = result.get(s.name());
      NodeName from = target != null ? target : s.previousOwner();
      Location near = locationOf(byName, from);
      EffectiveRanking ranking = rankings.get(s.name());
      List<NodeView> waiting = new ArrayList<>();
      List<Candidate> blocked = new ArrayList<>();
      for (NodeView n : providersOf.getOrDefault(s.name(), List.of())) {
        Candidate.Blocked why = n.whyNot(s.name());
        if (why == null && !n.name().equals(target) && !spread.free(s.name(), n.name())) {
          why = Candidate.Blocked.SIBLING;
        }
        if (why != null) {
          blocked.add(candidate(n, ranking, near, load, why));
        } else if (!n.name().equals(target)) {
          waiting.add(n);
        }
      }
      waiting.sort(preference(ranking, near, load));
      List<Candidate> line = new ArrayList<>();
      if (target != null) {
        line.add(candidate(byName.get(target), ranking, near, load, null));
      }
      waiting.forEach(n -> line.add(candidate(n, ranking, near, load, null)));
      line.addAll(blocked); // providersOf is in name order
      NodeName next = waiting.isEmpty() || s.settings().disabled() ? null : waiting.get(0).name();
      queues.put(s.name(), new ServiceQueue(s.name(), target, next, from, ranking, line, s.settings().disabled()));
    }
    return queues;
  }

  /**
   * The order of preference among candidates: the effective ranking, then nearness to
   * {@code near} (when known), then fewest services in {@code load}, then node name. Total.
   */
  private static Comparator<NodeView> preference(EffectiveRanking ranking, Location near, Map<NodeName, Integer> load) {
    return Comparator
        .comparingInt((NodeView n) -> ranking.rankOf(n.name()))
        .thenComparingInt(n -> near == null ? 0 : -near.commonPrefixLength(n.location()))
        .thenComparingInt(n -> load.getOrDefault(n.name(), 0))
        .thenComparing(NodeView::name);
  }

  private static Candidate candidate(NodeView n, EffectiveRanking ranking, Location near, Map<NodeName, Integer> load,
      Candidate.Blocked blocked) {
    Location shared = near == null ? null
        : new Location(near.segments().subList(0, near.commonPrefixLength(n.location())));
    return new Candidate(n.name(), ranking.rankOf(n.name()), shared, load.getOrDefault(n.name(), 0), blocked);
  }

  private static Location locationOf(Map<NodeName, NodeView> byName, NodeName node) {
    return Optional.ofNullable(node).map(byName::get).map(NodeView::location).orElse(null);
  }

  /**
   * Which node this pass gives each instance of a service to, so that one node gets at most one
   * instance of it. Services that are no instances are always free.
   */
  private static final class InstanceSpread {
    private final Map<ServiceName, Map<NodeName, ServiceName>> placed = new HashMap<>();

    boolean free(ServiceName service, NodeName node) {
      if (!service.isInstance()) {
        return true;
      }
      ServiceName held = placed.getOrDefault(service.service(), Map.of()).get(node);
      return held == null || held.equals(service);
    }

    void place(ServiceName service, NodeName node) {
      if (service.isInstance()) {
        placed.computeIfAbsent(service.service(), k -> new HashMap<>()).put(node, service);
      }
    }
  }

  private static boolean canRun(Map<NodeName, NodeView> byName, NodeName node, ServiceName service) {
    NodeView view = byName.get(node);
    return view != null && view.canRun(service);
  }
}
