package dev.baton.core.store;

import dev.baton.core.ServiceName;
import java.util.Map;
import java.util.Objects;

/**
 * A node as the store holds it: its latest session, how many times that session was renewed (the
 * counter a claimant names in its compare-and-set) and the providers it published.
 */
public record NodeRecord(
    NodeInfo info,
    SessionId session,
    long renewals,
    SessionState state,
    Map<ServiceName, ProviderStatus> providers) {
  public NodeRecord {
    Objects.requireNonNull(info, "info");
    Objects.requireNonNull(session, "session");
    Objects.requireNonNull(state, "state");
    providers = Map.copyOf(providers);
  }
}
