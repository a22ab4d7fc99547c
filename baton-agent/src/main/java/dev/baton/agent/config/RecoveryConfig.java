package dev.baton.agent.config;

import java.time.Duration;
import java.util.Objects;

/**
 * The multistage answer to a failing provider. Stage 1: restart in place (same epoch), waiting
 * {@code backoffMin}, doubling up to {@code backoffMax}, at most {@code restarts} times within
 * {@code window}. Stage 2: release the service and keep out of it for {@code ban}, so the next
 * candidate takes over with a new epoch. Stage 3 (no eligible candidate left): the service is
 * failed until a ban ends or an operator clears it.
 */
public record RecoveryConfig(int restarts, Duration window, Duration backoffMin, Duration backoffMax, Duration ban) {
  public static final RecoveryConfig DEFAULT = new RecoveryConfig(3, Duration.ofMinutes(10), Duration.ofSeconds(1),
      Duration.ofSeconds(30), Duration.ofMinutes(10));

  public RecoveryConfig {
    Objects.requireNonNull(window, "window");
    Objects.requireNonNull(backoffMin, "backoffMin");
    Objects.requireNonNull(backoffMax, "backoffMax");
    Objects.requireNonNull(ban, "ban");
    if (restarts < 0 || backoffMin.compareTo(backoffMax) > 0) {
      throw new IllegalArgumentException("restarts must be >= 0 and backoff min <= max");
    }
  }

  /** The wait before restart number {@code attempt} (1-based): min, 2 x min, ... up to max. */
  public Duration backoff(int attempt) {
    Duration d = backoffMin;
    for (int i = 1; i < attempt && d.compareTo(backoffMax) < 0; i++) {
      d = d.multipliedBy(2);
    }
    return d.compareTo(backoffMax) > 0 ? backoffMax : d;
  }
}
