package dev.baton.core.store;

import java.util.Objects;

/**
 * A provider's state and, where there is one, the reason for it.
 *
 * @param rank the default rank its node's config gives it ({@code services.<name>.rank}: 1 is the
 *     most preferred), or null when it has none. It orders the service's owners until an operator
 *     sets a ranking; see {@link dev.baton.core.placement.EffectiveRanking}
 * @param endpoint the address the service's clients use on this node ({@code services.<name>.endpoint},
 *     {@code host:port}), or null when its config declares none. Published for {@code resolve}
 */
public record ProviderStatus(ProviderState state, String reason, Integer rank, String endpoint) {
  public static final ProviderStatus WAITING = new ProviderStatus(ProviderState.WAITING, null);

  public ProviderStatus {
    Objects.requireNonNull(state, "state");
    if (rank != null && rank < 1) {
      throw new IllegalArgumentException("rank " + rank + " must be at least 1 (or null for none)");
    }
    if (endpoint != null && endpoint.isBlank()) {
      endpoint = null;
    }
  }

  /** A provider without an endpoint. */
  public ProviderStatus(ProviderState state, String reason, Integer rank) {
    this(state, reason, rank, null);
  }

  /** A provider without a default rank or an endpoint. */
  public ProviderStatus(ProviderState state, String reason) {
    this(state, reason, null, null);
  }

  public static ProviderStatus of(ProviderState state) {
    return new ProviderStatus(state, null);
  }

  /** This status with {@code rank} as its default rank (null for none). */
  public ProviderStatus withRank(Integer rank) {
    return new ProviderStatus(state, reason, rank, endpoint);
  }

  /** This status with {@code endpoint} as its clients' address (null for none). */
  public ProviderStatus withEndpoint(String endpoint) {
    return new ProviderStatus(state, reason, rank, endpoint);
  }
}
