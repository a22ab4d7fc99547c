package dev.baton.core.store;

import dev.baton.core.NodeName;
import dev.baton.core.ServiceName;
import java.util.Map;

/** All operator settings of a group. Absent entries mean the defaults. */
public record GroupSettings(Map<ServiceName, ServiceSettings> services, Map<NodeName, NodeSettings> nodes) {
  public static final GroupSettings EMPTY = new GroupSettings(Map.of(), Map.of());

  public GroupSettings {
    services = Map.copyOf(services);
    nodes = Map.copyOf(nodes);
  }

  public ServiceSettings service(ServiceName name) {
    return services.getOrDefault(name, ServiceSettings.DEFAULT);
  }

  public NodeSettings node(NodeName name) {
    return nodes.getOrDefault(name, NodeSettings.DEFAULT);
  }
}
