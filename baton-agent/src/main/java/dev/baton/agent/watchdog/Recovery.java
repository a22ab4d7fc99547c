package dev.baton.agent.watchdog;

import dev.baton.agent.config.RecoveryConfig;
import dev.baton.core.MonotonicClock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The recovery ladder of one provider on this node: restart in place with backoff while the
 * restart budget of the window lasts, then a ban (the node keeps out of the service so the next
 * candidate takes over). Pure state on a monotonic clock; not thread-safe (the reconciler's).
 */
public final class Recovery {
  public sealed interface Step permits Restart, Ban {}

  /** Restart in place, attempt {@code attempt} of {@code of}, after {@code after}. */
  public record Restart(int attempt, int of, Duration after) implements Step {}

  /** Keep out of the service for {@code duration}; {@code restarts} restarts were used up. */
  public record Ban(Duration duration, int restarts) implements Step {}

  private final RecoveryConfig config;
  private final MonotonicClock clock;
  private final Deque<Long> restarts = new ArrayDeque<>();
  private long bannedUntil = Long.MIN_VALUE;

  public Recovery(RecoveryConfig config, MonotonicClock clock) {
    this.config = config;
    this.clock = clock;
  }

  /** The provider failed: decides the next step and records it. */
  public Step failed() {
    long now = clock.nanos();
    while (!restarts.isEmpty() && now - restarts.peekFirst() > config.window().toNanos()) {
      restarts.removeFirst();
    }
    if (restarts.size() < config.restarts()) {
      restarts.addLast(now);
      int attempt = restarts.size();
      return new Restart(attempt, config.restarts(), config.backoff(attempt));
    }
    int used = restarts.size();
    ban();
    return new Ban(config.ban(), used);
  }

  /** Bans now for the configured time (an operator's or a rule's failover). */
  public void ban() {
    bannedUntil = clock.nanos() + config.ban().toNanos();
    restarts.clear();
  }

  public boolean banned() {
    return clock.nanos() < bannedUntil;
  }

  /** Time left of the ban; zero when not banned. */
  public Duration banLeft() {
    return banned() ? Duration.ofNanos(bannedUntil - clock.nanos()) : Duration.ZERO;
  }

  /** Forgets the ban and the restarts used (an operator cleared the provider). */
  public void clear() {
    bannedUntil = Long.MIN_VALUE;
    restarts.clear();
  }
}
