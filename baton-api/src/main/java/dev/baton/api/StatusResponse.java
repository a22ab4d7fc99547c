package dev.baton.api;

import java.util.List;

/**
 * {@code GET /v1/status}: the whole whiteboard as the answering node sees it.
 *
 * @param viewAgeMillis how old that view is: milliseconds since the node began the store read it
 *     comes from (it reads the store every heartbeat); null when the answer was not made by a node
 */
public record StatusResponse(String group, String node, List<NodeStatus> nodes, List<ServiceStatus> services,
    Long viewAgeMillis) {

  /** A whiteboard whose age is not known. */
  public StatusResponse(String group, String node, List<NodeStatus> nodes, List<ServiceStatus> services) {
    this(group, node, nodes, services, null);
  }

  /** This whiteboard, {@code millis} old. */
  public StatusResponse withViewAge(long millis) {
    return new StatusResponse(group, node, nodes, services, millis);
  }
}
