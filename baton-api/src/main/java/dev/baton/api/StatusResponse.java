package dev.baton.api;

import java.util.List;

/**
 * {@code GET /v1/status}: the whole whiteboard as the answering node sees it.
 *
 * @param viewAgeMillis how long ago the answering node last read the store, on its clock (null when
 *     not known: an older agent)
 * @param stale whether that is older than the node's passes allow (3 heartbeats and a store call's
 *     timeout): the node cannot read the store, and what it shows may be out of date
 */
public record StatusResponse(String group, String node, List<NodeStatus> nodes, List<ServiceStatus> services,
    Long viewAgeMillis, boolean stale) {
  /** A whiteboard without its age (as older agents answer). */
  public StatusResponse(String group, String node, List<NodeStatus> nodes, List<ServiceStatus> services) {
    this(group, node, nodes, services, null, false);
  }
}
