package dev.baton.core.store;

import dev.baton.core.NodeName;
import dev.baton.core.ServiceName;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** One consistent read of a group: nodes, ownerships and settings as of one instant of the store. */
public record Snapshot(List<NodeRecord> nodes, Map<ServiceName, Ownership> ownerships, GroupSettings settings) {
  public Snapshot {
    nodes = List.copyOf(nodes);
    ownerships = Map.copyOf(ownerships);
  }

  public Optional<NodeRecord> node(NodeName name) {
    return nodes.stream().filter(n -> n.info().name().equals(name)).findFirst();
  }

  public Ownership ownership(ServiceName service) {
    return ownerships.getOrDefault(service, Ownership.unclaimed(service));
  }
}
