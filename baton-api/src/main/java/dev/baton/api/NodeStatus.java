package dev.baton.api;

/**
 * A node on the whiteboard.
 *
 * @param state {@code alive}, {@code lost} (lease passed), {@code left} (closed its session) or
 *     {@code drained}
 * @param lease the lease of the node's session as the store recorded it ({@code "3s"}): the node
 *     fences itself by it, and peers wait at least this long before they take over from it. Null
 *     when unknown (a session opened by an older version of Baton)
 * @param heartbeat the renewal interval of the node's session ({@code "500ms"}); null when unknown
 * @param version the Baton version of the node's agent; null when unknown (a development build, an
 *     older agent)
 * @param renewalAgeMillis how long ago the node last renewed its session, as the answering node
 *     saw it: milliseconds on the answering node's monotonic clock since its first store read that
 *     showed the session's current renewal count (the renewal came between that read and the one
 *     before it; the answering node reads every heartbeat). Null until the answering node has seen the count change
 *     (it just started, or the session is new), and from an older agent. No wall clocks of two hosts
 *     are compared
 */
public record NodeStatus(String name, String location, String state, String api, String lease, String heartbeat,
    String version, Long renewalAgeMillis) {
  /** A node whose last renewal's age is unknown. */
  public NodeStatus(String name, String location, String state, String api, String lease, String heartbeat,
      String version) {
    this(name, location, state, api, lease, heartbeat, version, null);
  }

  /** A node whose version is unknown. */
  public NodeStatus(String name, String location, String state, String api, String lease, String heartbeat) {
    this(name, location, state, api, lease, heartbeat, null, null);
  }
}
