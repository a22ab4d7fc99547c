package dev.baton.api;

/**
 * One node's provider of a service.
 *
 * @param state {@code providing}, {@code starting}, {@code stopping}, {@code waiting} or {@code unavailable}
 * @param bannedUntil when the node's ban from the service ends (ISO-8601, the deciding node's clock),
 *     or null when the node is not banned; kept in the store, so shown for a node that is down too
 * @param failed whether this node declared the service failed (no eligible candidate was left when
 *     it banned itself); it stays so until the ban ends or {@code baton clear}
 */
public record ProviderEntry(String node, String state, String reason, String bannedUntil, boolean failed) {
  /** A provider with no ban. */
  public ProviderEntry(String node, String state, String reason) {
    this(node, state, reason, null, false);
  }
}
