package dev.baton.core.store;

/** A session's state as the store itself judges it. */
public enum SessionState {
  /**
   * Not closed and, for a store that judges leases by its own clock, renewed within the lease.
   * A store without a clock ({@link Store#judgesLeases()} false) reports every open session as
   * LIVE: its readers judge liveness by the observed-time rule alone.
   */
  LIVE,
  /** The store's clock says the lease passed, or a claim over the session ended it. */
  EXPIRED,
  /** The node closed its session (graceful exit), or it was replaced by a newer session. */
  CLOSED
}
