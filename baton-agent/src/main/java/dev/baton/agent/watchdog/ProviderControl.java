package dev.baton.agent.watchdog;

import dev.baton.core.ServiceName;

/** What rules and operators may ask of this node's provider of a service. */
public interface ProviderControl {
  /** Restarts this node's provider of the service in place (same epoch) if it runs here. */
  void restart(ServiceName service, String reason);

  /**
   * Stops this node's provider, releases the service and bans this node from it for the
   * recovery's ban time, so the next candidate takes over.
   */
  void failover(ServiceName service, String reason);
}
