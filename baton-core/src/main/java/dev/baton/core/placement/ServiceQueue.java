package dev.baton.core.placement;

import dev.baton.core.NodeName;
import dev.baton.core.ServiceName;
import java.util.List;
import java.util.Objects;

/**
 * The line of one service's providers, as the placement function decided it: who gets the service,
 * who would take it over next, and why every other provider waits or cannot take it.
 *
 * @param target the node placement gives the service to, or null (disabled, or no candidate)
 * @param nextInLine the candidate that would get the service if {@code target} went now, or null
 *     when there is none
 * @param from the node the line's nearness is measured from: {@code target} (who would hand the
 *     service on), else the previous owner; null when neither is known
 * @param ranking the service's effective ranking
 * @param line every provider: the candidates in order of preference ({@code target} first when
 *     there is one), then the providers that are no candidate, by node name
 * @param disabled whether the service is disabled (then no provider gets it)
 */
public record ServiceQueue(ServiceName service, NodeName target, NodeName nextInLine, NodeName from,
    EffectiveRanking ranking, List<Candidate> line, boolean disabled) {
  public ServiceQueue {
    Objects.requireNonNull(service, "service");
    Objects.requireNonNull(ranking, "ranking");
    line = List.copyOf(line);
  }

  /**
   * The 1-based place of {@code node} among the candidates ({@code target} is 1), or 0 when it is
   * no candidate or not in line.
   */
  public int placeOf(NodeName node) {
    int place = 0;
    for (Candidate c : line) {
      if (c.eligible()) {
        place++;
        if (c.node().equals(node)) {
          return place;
        }
      }
    }
    return 0;
  }

  /** The entry of {@code node}, or null when it has no provider of the service. */
  public Candidate of(NodeName node) {
    return line.stream().filter(c -> c.node().equals(node)).findFirst().orElse(null);
  }
}
