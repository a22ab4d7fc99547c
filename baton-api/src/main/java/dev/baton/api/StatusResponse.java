package dev.baton.api;

import java.util.List;

/**
 * {@code GET /v1/status}: the whole whiteboard as the answering node sees it.
 *
 * @param version the Baton version of the answering agent; null when unknown (a development build)
 * @param viewAgeMillis how old that view is: milliseconds since the node began the store read it
 *     comes from (it reads the store every heartbeat); null when the answer was not made by a node
 */
public record StatusResponse(String group, String node, List<NodeStatus> nodes, List<ServiceStatus> services,
    String version, Long viewAgeMillis) {

  /** A whiteboard whose version and age are not known. */
  public StatusResponse(String group, String node, List<NodeStatus> nodes, List<ServiceStatus> services) {
    this(group, node, nodes, services, null, null);
  }

  /** A whiteboard of the agent of {@code version}, whose age is not known. */
  public StatusResponse(String group, String node, List<NodeStatus> nodes, List<ServiceStatus> services,
      String version) {
    this(group, node, nodes, services, version, null);
  }

  /** This whiteboard, {@code millis} old. */
  public StatusResponse withViewAge(long millis) {
    return new StatusResponse(group, node, nodes, services, version, millis);
  }
}
