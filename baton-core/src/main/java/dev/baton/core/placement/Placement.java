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
 *   <li>Otherwise the best candidate wins: explicit ranking first (ranked before unranked); then
 *       nearness in the location tree to the previous owner (longest common prefix); then fewest
 *       services owned, counting the ones this pass has already placed; then node name.</li>
 * </ol>
 */
public final class Placement {
  private Placement() {}

  /** Returns the chosen owner per service; services without an eligible candidate are absent. */
  public static Map<ServiceName, NodeName> place(List<NodeView> nodes, List<ServiceView> services) {
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
    // Planned moves and sticky owners first, so that the load the others are balanced against is
    // what stays put.
    for (ServiceView s : sorted.values()) {
      if (s.settings().disabled()) {
        continue;
      }
      NodeName target = s.settings().moveTarget(s.epoch());
      NodeName keeper = target != null && canRun(byName, target, s.name()) ? target
          : s.owner() != null && canRun(byName, s.owner(), s.name()) ? s.owner()
          : null;
      if (keeper != null) {
        result.put(s.name(), keeper);
        load.merge(keeper, 1, Integer::sum);
      }
    }
    for (ServiceView s : sorted.values()) {
      if (s.settings().disabled() || result.containsKey(s.name())) {
        continue;
      }
      Location near = Optional.ofNullable(s.previousOwner()).map(byName::get)
          .map(NodeView::location).orElse(null);
      List<NodeName> ranking = s.settings().ranking();
      Comparator<NodeView> order = Comparator
          .comparingInt((NodeView n) -> rank(ranking, n.name()))
          .thenComparingInt(n -> near == null ? 0 : -near.commonPrefixLength(n.location()))
          .thenComparingInt(n -> load.getOrDefault(n.name(), 0))
          .thenComparing(NodeView::name);
      providersOf.getOrDefault(s.name(), List.of()).stream()
          .filter(n -> n.canRun(s.name()))
          .min(order)
          .ifPresent(best -> {
            result.put(s.name(), best.name());
            load.merge(best.name(), 1, Integer::sum);
          });
    }
    return result;
  }

  private static boolean canRun(Map<NodeName, NodeView> byName, NodeName node, ServiceName service) {
    NodeView view = byName.get(node);
    return view != null && view.canRun(service);
  }

  private static int rank(List<NodeName> ranking, NodeName node) {
    int i = ranking.indexOf(node);
    return i < 0 ? Integer.MAX_VALUE : i;
  }
}
