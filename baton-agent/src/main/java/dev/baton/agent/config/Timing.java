package dev.baton.agent.config;

import dev.baton.core.Durations;
import dev.baton.core.InvalidInputException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * How often a node renews its session, how long a session lives without renewal, and how much of
 * the lease an owner cut off from the store keeps in hand to stop its services.
 *
 * <p>All deadlines below are measured on the agent's monotonic clock from the moment the last
 * successful renewal was <em>sent</em>: the store started that lease no earlier, so a service
 * stopped by then is stopped before the store can grant it elsewhere. The constructor refuses
 * timings under which a fenced service could outlive the lease:
 * <ul>
 *   <li>{@code lease > 2 x heartbeat}, so one lost renewal does not end a session;</li>
 *   <li>{@code lease - fenceMargin > heartbeat}, so an owner retries at least one missed renewal
 *       before it sends SIGTERM;</li>
 *   <li>{@code fenceMargin / 2 >= 100ms}, so SIGKILL lands at least that long before the lease
 *       ends.</li>
 * </ul>
 *
 * @param heartbeat the interval between session renewals
 * @param lease how long a session lives without renewal
 * @param fenceMargin how long before the lease ends a cut-off owner has sent SIGTERM
 */
public record Timing(Duration heartbeat, Duration lease, Duration fenceMargin) {
  /** The shortest time allowed between SIGKILL and the end of the lease. */
  static final Duration MIN_KILL_TO_LEASE_END = Duration.ofMillis(100);
  static final Duration DEFAULT_HEARTBEAT = Duration.ofMillis(500);
  static final Duration DEFAULT_LEASE = Duration.ofSeconds(3);

  public Timing {
    Objects.requireNonNull(heartbeat, "heartbeat");
    Objects.requireNonNull(lease, "lease");
    Objects.requireNonNull(fenceMargin, "fenceMargin");
    List<String> problems = new ArrayList<>();
    check(heartbeat, lease, fenceMargin, false, (key, message) -> problems.add(key + ": " + message));
    if (!problems.isEmpty()) {
      throw new InvalidInputException("invalid timing: " + String.join("; ", problems));
    }
  }

  /** The default fence margin for {@code lease}: a third of it, in whole milliseconds. */
  static Duration defaultFenceMargin(Duration lease) {
    return Duration.ofMillis(lease.toMillis() / 3);
  }

  /** After the last successful renewal was SENT: when a cut-off owner sends SIGTERM to its services. */
  public Duration terminateAfter() {
    return lease.minus(fenceMargin);
  }

  /** After the last successful renewal was SENT: when a cut-off owner SIGKILLs its services. */
  public Duration killAfter() {
    return lease.minus(fenceMargin.dividedBy(2));
  }

  /**
   * Timeout for every store call: {@code min(heartbeat, (lease - fenceMargin - heartbeat) / 2)}.
   * Capped at one heartbeat, so each renewal has finished before the next is due; and at half of
   * what is left of the SIGTERM deadline after one heartbeat, so the renewal sent one heartbeat
   * after the last success can time out and be retried once before the owner fences itself.
   * Always below {@link #terminateAfter()} and positive (the constructor ensures
   * {@code lease - fenceMargin > heartbeat}).
   */
  public Duration storeCallTimeout() {
    Duration retryRoom = terminateAfter().minus(heartbeat).dividedBy(2);
    return retryRoom.compareTo(heartbeat) < 0 ? retryRoom : heartbeat;
  }

  /** Where a check failed: the key under {@code timing} and what is wrong. */
  interface Sink {
    void problem(String key, String message);
  }

  /**
   * Reports every way the three durations break the rules in the class comment, each under the
   * key to change. Durations must each be positive; relations are only checked when they are.
   *
   * @param marginIsDefault whether {@code fenceMargin} came from {@link #defaultFenceMargin}, so
   *     the message can say so
   */
  static void check(Duration heartbeat, Duration lease, Duration fenceMargin, boolean marginIsDefault, Sink sink) {
    boolean positive = positive("heartbeat", heartbeat, sink)
        & positive("lease", lease, sink)
        & positive("fence-margin", fenceMargin, sink);
    if (!positive) {
      return;
    }
    String h = Durations.format(heartbeat);
    String l = Durations.format(lease);
    String m = Durations.format(fenceMargin) + (marginIsDefault ? " (the default, lease/3)" : "");
    if (lease.compareTo(heartbeat.multipliedBy(2)) <= 0) {
      sink.problem("lease", l + " must be larger than 2 x heartbeat (" + h + "), so one lost renewal does not"
          + " end the session: raise timing.lease above " + Durations.format(heartbeat.multipliedBy(2))
          + " or lower timing.heartbeat");
      return;
    }
    if (fenceMargin.compareTo(lease) >= 0) {
      sink.problem("fence-margin", m + " must be smaller than the lease (" + l + "), and leave more than one"
          + " heartbeat (" + h + ") of it: set timing.fence-margin below " + Durations.format(lease.minus(heartbeat)));
      return;
    }
    Duration terminate = lease.minus(fenceMargin);
    if (terminate.compareTo(heartbeat) <= 0) {
      sink.problem("fence-margin", m + " leaves " + Durations.format(terminate)
          + " (lease - fence-margin) before a cut-off owner sends SIGTERM, not more than one heartbeat (" + h
          + "), so a single late renewal would stop its services: set timing.fence-margin below "
          + Durations.format(lease.minus(heartbeat)) + " or raise timing.lease above "
          + Durations.format(fenceMargin.plus(heartbeat)));
    }
    Duration killToEnd = fenceMargin.dividedBy(2);
    Duration minMargin = MIN_KILL_TO_LEASE_END.multipliedBy(2);
    if (killToEnd.compareTo(MIN_KILL_TO_LEASE_END) < 0) {
      sink.problem("fence-margin", m + " leaves " + Durations.format(killToEnd)
          + " (fence-margin/2) between SIGKILL and the end of the lease; expected at least "
          + Durations.format(MIN_KILL_TO_LEASE_END) + " so a killed service is gone before a peer may take over:"
          + " set timing.fence-margin to " + Durations.format(minMargin)
          + " or more" + (lease.compareTo(minMargin.plus(heartbeat)) > 0 ? "" : " and raise timing.lease above "
          + Durations.format(minMargin.plus(heartbeat))));
    }
  }

  private static boolean positive(String key, Duration d, Sink sink) {
    if (d.isNegative() || d.isZero()) {
      sink.problem(key, Durations.format(d) + " must be more than 0");
      return false;
    }
    return true;
  }
}
