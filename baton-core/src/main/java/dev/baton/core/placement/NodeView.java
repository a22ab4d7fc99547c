package dev.baton.core.placement;

import dev.baton.core.Location;
import dev.baton.core.NodeName;
import dev.baton.core.ServiceName;
import dev.baton.core.store.ProviderState;
import java.util.Map;
import java.util.Objects;

/**
 * A node as the placement function sees it.
 *
 * @param alive whether the node's session is alive as judged by the caller
 * @param providers the node's providers and their states; a node is a candidate for the services
 *     it has a provider for, unless that provider is {@link ProviderState#UNAVAILABLE}
 */
public record NodeView(NodeName name, Location location, boolean alive, boolean drained,
    Map<ServiceName, ProviderState> providers) {
  public NodeView {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(location, "location");
    providers = Map.copyOf(providers);
  }

  boolean canRun(ServiceName service) {
    ProviderState state = providers.get(service);
    return alive && !drained && state != null && state != ProviderState.UNAVAILABLE;
  }
}
