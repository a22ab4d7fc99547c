package dev.baton.api;

/**
 * One node's provider of a service.
 *
 * @param state {@code providing}, {@code starting}, {@code stopping}, {@code waiting} or {@code unavailable}
 * @param reason why it is in that state, in words: for a waiting provider its place in line and what
 *     decided it (its rank, what its location shares with the owner's), for an unavailable one what
 *     keeps it out (its node lost, left or drained, a ban, a failing check), or null
 * @param bannedUntil when the node's ban from the service ends (ISO-8601, the deciding node's clock),
 *     or null when the node is not banned; kept in the store, so shown for a node that is down too
 * @param failed whether this node declared the service failed (no eligible candidate was left when
 *     it banned itself); it stays so until the ban ends or {@code baton clear}
 * @param place its place in the service's line: 1 for the owner (or the node placement chose), 2 for
 *     the next in line, and so on; null when it is no candidate (drained, lost, unavailable)
 * @param rank its rank in the service's effective ranking, or null when unranked
 */
public record ProviderEntry(String node, String state, String reason, String bannedUntil, boolean failed,
    Integer place, Integer rank) {
  /** A provider with no ban. */
  public ProviderEntry(String node, String state, String reason) {
    this(node, state, reason, null, false);
  }

  /** A provider without its place in line. */
  public ProviderEntry(String node, String state, String reason, String bannedUntil, boolean failed) {
    this(node, state, reason, bannedUntil, failed, null, null);
  }
}
