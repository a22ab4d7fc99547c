package dev.baton.core.store;

import java.util.Objects;

/** A provider's state and, where there is one, the reason for it. */
public record ProviderStatus(ProviderState state, String reason) {
  public static final ProviderStatus WAITING = new ProviderStatus(ProviderState.WAITING, null);

  public ProviderStatus {
    Objects.requireNonNull(state, "state");
  }

  public static ProviderStatus of(ProviderState state) {
    return new ProviderStatus(state, null);
  }
}
