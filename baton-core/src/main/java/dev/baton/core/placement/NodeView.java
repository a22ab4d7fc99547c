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
 * @param ranks the default rank its config gives each of its providers (1 is the most preferred);
 *     services without one are absent. See {@link EffectiveRanking}
 */
public record NodeView(NodeName name, Location location, boolean alive, boolean drained,
    Map<ServiceName, ProviderState> providers, Map<ServiceName, Integer> ranks) {
  public NodeView {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(location, "location");
    providers = Map.copyOf(providers);
    ranks = Map.copyOf(ranks);
  }

  /** A node whose providers have no default rank. */
  public NodeView(NodeName name, Location location, boolean alive, boolean drained,
      Map<ServiceName, ProviderState> providers) {
    this(name, location, alive, drained, providers, Map.of());
  }

  boolean canRun(ServiceName service) {
    return whyNot(service) == null;
  }

  /** Why this node is not a candidate for {@code service}, or null when it is one. */
  Candidate.Blocked whyNot(ServiceName service) {
    ProviderState state = providers.get(service);
    return state == null ? Candidate.Blocked.NO_PROVIDER
        : !alive ? Candidate.Blocked.NODE_DOWN
        : drained ? Candidate.Blocked.DRAINED
        : state == ProviderState.UNAVAILABLE ? Candidate.Blocked.UNAVAILABLE
        : null;
  }
}
