package dev.baton.agent.watchdog;

import dev.baton.agent.config.RecoveryConfig;
import dev.baton.core.MonotonicClock;
import dev.baton.core.store.Decision;
import java.time.Duration;
import java.time.Instant;
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
    forgetRestartsBefore(now);
    if (restarts.size() < config.restarts()) {
      restarts.addLast(now);
      int attempt = restarts.size();
      return new Restart(attempt, config.restarts(), config.backoff(attempt));
    }
    int used = restarts.size();
    ban();
    return new Ban(config.ban(), used);
  }

  private void forgetRestartsBefore(long now) {
    while (!restarts.isEmpty() && now - restarts.peekFirst() > config.window().toNanos()) {
      restarts.removeFirst();
    }
  }

  /**
   * What of this ladder must outlive the agent, in wall-clock instants measured from {@code now}:
   * the ban's end and the restarts used in the current window. The ban's reason and the failed
   * verdict are the caller's.
   */
  public Decision decision(Instant now, String banReason, String failedDetail) {
    long nanos = clock.nanos();
    forgetRestartsBefore(nanos);
    Instant until = banned() ? now.plusNanos(bannedUntil - nanos) : null;
    Instant since = restarts.isEmpty() ? null : now.minusNanos(nanos - restarts.peekFirst());
    return new Decision(until, until == null ? null : banReason, restarts.size(), since,
        until == null ? null : failedDetail);
  }

  /**
   * Resumes from {@code decision}, stored by an earlier run of the agent: a ban still running at
   * {@code now} keeps the time it has left; restarts used count against the budget until the
   * window passes after the first of them (counted as if all happened then). What has ended by
   * {@code now} is dropped.
   */
  public void restore(Decision decision, Instant now) {
    long nanos = clock.nanos();
    bannedUntil = decision.bannedAt(now) ? nanos + decision.banLeft(now).toNanos() : Long.MIN_VALUE;
    restarts.clear();
    if (decision.restarts() > 0) {
      long ago = Math.max(0, Duration.between(decision.restartsSince(), now).toNanos());
      for (int i = 0; i < decision.restarts(); i++) {
        restarts.addLast(nanos - ago);
      }
      forgetRestartsBefore(nanos);
    }
  }

  /** Restarts used of the budget of the current window. */
  public int restartsUsed() {
    forgetRestartsBefore(clock.nanos());
    return restarts.size();
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
