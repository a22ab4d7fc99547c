package dev.baton.core.store;

import dev.baton.core.NodeName;
import dev.baton.core.ServiceName;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One consistent read of a group: nodes, ownerships, settings and the nodes' recovery decisions as
 * of one instant of the store.
 *
 * @param decisions per node, per service: what its recovery ladder decided ({@link Decision}); nodes
 *     and services with nothing decided are absent
 */
public record Snapshot(List<NodeRecord> nodes, Map<ServiceName, Ownership> ownerships, GroupSettings settings,
    Map<NodeName, Map<ServiceName, Decision>> decisions) {
  public Snapshot {
    nodes = List.copyOf(nodes);
    ownerships = Map.copyOf(ownerships);
    Map<NodeName, Map<ServiceName, Decision>> copy = new java.util.HashMap<>();
    decisions.forEach((node, byService) -> {
      if (!byService.isEmpty()) {
        copy.put(node, Map.copyOf(byService));
      }
    });
    decisions = Map.copyOf(copy);
  }

  /** A snapshot without decisions. */
  public Snapshot(List<NodeRecord> nodes, Map<ServiceName, Ownership> ownerships, GroupSettings settings) {
    this(nodes, ownerships, settings, Map.of());
  }

  /** What {@code node} decided about its provider of {@code service}, or null. */
  public Decision decision(NodeName node, ServiceName service) {
    return decisions.getOrDefault(node, Map.of()).get(service);
  }

  /** Whether the group knows {@code service}: it was claimed once, or a node provides it. */
  public boolean knows(ServiceName service) {
    return ownerships.containsKey(service) || nodes.stream().anyMatch(n -> n.providers().containsKey(service));
  }

  /**
   * The instances ({@code service@instance}) of {@code service} that the group knows, in name
   * order; empty when {@code service} runs as no instances (or is an instance itself).
   */
  public List<ServiceName> instancesOf(ServiceName service) {
    java.util.SortedSet<ServiceName> found = new java.util.TreeSet<>();
    java.util.function.Consumer<ServiceName> add = s -> {
      if (s.isInstance() && s.service().equals(service)) {
        found.add(s);
      }
    };
    ownerships.keySet().forEach(add);
    nodes.forEach(n -> n.providers().keySet().forEach(add));
    return List.copyOf(found);
  }

  public Optional<NodeRecord> node(NodeName name) {
    return nodes.stream().filter(n -> n.info().name().equals(name)).findFirst();
  }

  public Ownership ownership(ServiceName service) {
    return ownerships.getOrDefault(service, Ownership.unclaimed(service));
  }
}
