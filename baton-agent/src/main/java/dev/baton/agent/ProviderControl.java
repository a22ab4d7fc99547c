package dev.baton.agent;

import dev.baton.core.ServiceName;

/**
 * What detector rules ask of this node's providers. Implemented by the agent; the recovery of
 * issue 6 (part B) provides the full version.
 */
interface ProviderControl {
  /** Restarts this node's provider of the service in place (same epoch) if it runs here. */
  void restart(ServiceName service, String reason);

  /** Stops this node's provider, releases the service and bans this node from it for the
      recovery's ban time, so the next candidate takes over. */
  void failover(ServiceName service, String reason);
}
