package dev.baton.api;

import java.util.List;

/**
 * {@code GET /v1/status}: the whole whiteboard as the answering node sees it.
 *
 * @param version the Baton version of the answering agent; null when unknown (a development build)
 */
public record StatusResponse(String group, String node, List<NodeStatus> nodes, List<ServiceStatus> services,
    String version) {
  /** A whiteboard without the answering agent's version. */
  public StatusResponse(String group, String node, List<NodeStatus> nodes, List<ServiceStatus> services) {
    this(group, node, nodes, services, null);
  }
}
