package dev.baton.api;

import java.util.List;

/**
 * A service on the whiteboard: its valid owner (null when none), its current epoch, every
 * provider's state and the line they wait in. {@code GET /v1/services/{name}} returns one of these.
 *
 * @param state {@code provided} (a valid owner runs it), {@code placing} (no valid owner yet, a
 *     candidate is chosen), {@code failed} (no eligible candidate: every provider is banned,
 *     unavailable or on a lost or drained node) or {@code disabled}
 * @param moving the target of a planned move under way ({@code baton move}), or null
 * @param ranking the effective ranking placement applies, most preferred first (see
 *     {@link RankingResponse}); empty when nothing ranks the service
 * @param next the node next in line: the one that would get the service if its owner (or the node
 *     placement chose) went now; null when no other candidate is left
 * @param takeoverIn while the owner's node has stopped renewing its session but its lease has not
 *     passed yet: the time left until it passes and the next in line takes over (a duration such
 *     as {@code 1.2s}, on the answering node's clock); null otherwise (and while paused: no takeover
 *     happens until the service is resumed)
 * @param pausedSince when an operator paused the service ({@code baton pause}; ISO-8601), or null
 *     when it is not paused
 * @param pausedFor how long it has been paused (a duration such as {@code 3m12s}), or null
 * @param failback {@code sticky} (the owner keeps the service) or {@code rank} (a better-ranked
 *     candidate takes it back after {@code failbackDelay}); see {@code baton failback}
 * @param failbackDelay the failback delay in force (a duration such as {@code 30s})
 */
public record ServiceStatus(String name, String state, String owner, long epoch, List<ProviderEntry> providers,
    String moving, List<RankingEntry> ranking, String next, String takeoverIn, String pausedSince, String pausedFor,
    String failback, String failbackDelay) {
  /** A service without its line (as older agents answer). */
  public ServiceStatus(String name, String state, String owner, long epoch, List<ProviderEntry> providers,
      String moving) {
    this(name, state, owner, epoch, providers, moving, List.of(), null, null, null, null, "sticky", "30s");
  }
}
