package dev.baton.core.store;

import dev.baton.core.NodeName;
import java.util.List;
import java.util.Objects;

/**
 * Operator settings of one service, kept in the store so that they survive every agent.
 *
 * @param ranking preferred owners, best first; nodes not listed come after them
 * @param disabled a disabled service is owned by nobody
 */
public record ServiceSettings(List<NodeName> ranking, boolean disabled) {
  public static final ServiceSettings DEFAULT = new ServiceSettings(List.of(), false);

  public ServiceSettings {
    ranking = List.copyOf(Objects.requireNonNull(ranking, "ranking"));
  }
}
