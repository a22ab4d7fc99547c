package dev.baton.api;

import java.util.List;

/**
 * {@code GET /v1/status}: the whole whiteboard as the answering node sees it.
 *
 * @param version the Baton version of the answering agent; null when unknown (a development build)
 * @param viewAgeMillis how old that view is: milliseconds since the node began the store read it
 *     comes from (it reads the store every heartbeat); null when not known (not made by a node, an
 *     older agent)
 * @param stale whether that is older than the node's passes allow (3 heartbeats and a store call's
 *     timeout): the node cannot read the store, and what it shows may be out of date
 * @param store what the answering node's store says of its own state (a hot-backup pair member's
 *     role and term); null when it has nothing to say
 */
public record StatusResponse(String group, String node, List<NodeStatus> nodes, List<ServiceStatus> services,
    String version, Long viewAgeMillis, boolean stale, String store) {

  /** A whiteboard without a word from the store. */
  public StatusResponse(String group, String node, List<NodeStatus> nodes, List<ServiceStatus> services,
      String version, Long viewAgeMillis, boolean stale) {
    this(group, node, nodes, services, version, viewAgeMillis, stale, null);
  }

  /** A whiteboard whose version and age are not known. */
  public StatusResponse(String group, String node, List<NodeStatus> nodes, List<ServiceStatus> services) {
    this(group, node, nodes, services, null, null, false);
  }

  /** A whiteboard of the agent of {@code version}, whose age is not known. */
  public StatusResponse(String group, String node, List<NodeStatus> nodes, List<ServiceStatus> services,
      String version) {
    this(group, node, nodes, services, version, null, false);
  }

  /** This whiteboard, {@code millis} old, and whether that is stale. */
  public StatusResponse withViewAge(long millis, boolean isStale) {
    return new StatusResponse(group, node, nodes, services, version, millis, isStale, store);
  }

  /** This whiteboard with what the store says of itself. */
  public StatusResponse withStore(String condition) {
    return new StatusResponse(group, node, nodes, services, version, viewAgeMillis, stale, condition);
  }
}
