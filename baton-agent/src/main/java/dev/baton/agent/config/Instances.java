package dev.baton.agent.config;

import dev.baton.core.NodeName;
import dev.baton.core.ServiceName;
import java.util.ArrayList;
import java.util.List;

/**
 * How many copies of a service the group runs at once ({@code services.<name>.instances}), and
 * what the instances are called. Each instance is a service of its own in the store, with its own
 * owner and epoch; placement never gives one node two instances of a service.
 *
 * <ul>
 *   <li>{@code instances: all}: every node that provides the service runs its own instance,
 *       {@code service@<node>}. No other node provides it, so it never moves: it runs while its
 *       node can run it, and again when the node comes back.</li>
 *   <li>{@code instances: N}: the instances {@code service@1} to {@code service@N}, which every
 *       providing node offers to run; a failed owner's instance goes to a node that runs none.</li>
 * </ul>
 *
 * @param count the number of instances, or 0 for {@link #ALL}
 */
public record Instances(int count) {
  /** One instance on every providing node. */
  public static final Instances ALL = new Instances(0);
  /** The most instances a service may ask for: more is a typo rather than a group. */
  public static final int MAX = 64;
  /** What a config may write, for its error messages. */
  static final String EXPECTED = "all (one instance on every node that provides the service) or a whole number of"
      + " instances from 1 to " + MAX;

  public Instances {
    if (count < 0 || count > MAX) {
      throw new IllegalArgumentException("instances " + count + " is not from 1 to " + MAX + " (0: all)");
    }
  }

  /** Parses {@code all} or a count from 1 to {@link #MAX}; null for anything else. */
  static Instances parse(String text) {
    if (text.equals("all")) {
      return ALL;
    }
    if (!text.matches("[1-9][0-9]{0,2}")) {
      return null;
    }
    int n = Integer.parseInt(text);
    return n <= MAX ? new Instances(n) : null;
  }

  /** The instances of {@code service} that {@code node} provides. */
  public List<ServiceName> of(ServiceName service, NodeName node) {
    if (count == 0) {
      return List.of(service.instance(node.value()));
    }
    List<ServiceName> names = new ArrayList<>();
    for (int i = 1; i <= count; i++) {
      names.add(service.instance(Integer.toString(i)));
    }
    return names;
  }
}
