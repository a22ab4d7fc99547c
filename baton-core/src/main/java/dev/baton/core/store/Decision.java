package dev.baton.core.store;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * What a node's recovery ladder decided about one of its providers, kept in the store so that it
 * outlives the agent that decided it: a restarted agent resumes from it, and every node (and
 * {@code baton status}) sees it. Absent means nothing decided: no ban, a full restart budget, not
 * failed.
 *
 * <p>The instants are the deciding node's wall clock: an agent restart loses its monotonic clock,
 * so a ban that must outlive one can only end at a wall-clock instant. They decide no lease, only
 * when a node offers itself again; a clock jump lengthens or shortens a ban by the jump. They are
 * kept to the millisecond.
 *
 * @param bannedUntil the end of the node's ban from the service, or null when not banned
 * @param banReason why the node was banned (as the whiteboard shows it), or null
 * @param restarts restarts in place used of the budget of the current window (0 or more)
 * @param restartsSince when the first of those restarts happened, or null when {@code restarts} is 0
 * @param failedDetail the detail of the {@code failed} verdict (no eligible candidate was left),
 *     or null when the service was not declared failed by this node
 */
public record Decision(Instant bannedUntil, String banReason, int restarts, Instant restartsSince,
    String failedDetail) {
  public static final Decision NONE = new Decision(null, null, 0, null, null);

  public Decision {
    if (restarts < 0) {
      throw new IllegalArgumentException("restarts used is at least 0, got " + restarts);
    }
    if (restarts > 0 && restartsSince == null) {
      throw new IllegalArgumentException(restarts + " restart(s) used needs the instant of the first of them");
    }
    if (restarts == 0) {
      restartsSince = null;
    }
    // Kept to the millisecond, as every store keeps them, so a decision reads back equal.
    bannedUntil = bannedUntil == null ? null : bannedUntil.truncatedTo(ChronoUnit.MILLIS);
    restartsSince = restartsSince == null ? null : restartsSince.truncatedTo(ChronoUnit.MILLIS);
  }

  /** A ban until {@code until}, with {@code reason}; the restart budget starts afresh. */
  public static Decision ban(Instant until, String reason) {
    return new Decision(until, reason, 0, null, null);
  }

  /** Whether the ban is still running at {@code now}. */
  public boolean bannedAt(Instant now) {
    return bannedUntil != null && now.isBefore(bannedUntil);
  }

  /** Time left of the ban at {@code now}; zero when it ended or there is none. */
  public Duration banLeft(Instant now) {
    return bannedAt(now) ? Duration.between(now, bannedUntil) : Duration.ZERO;
  }

  public boolean failed() {
    return failedDetail != null;
  }

  /** This decision with the failed verdict set ({@code detail}) or dropped (null). */
  public Decision withFailed(String detail) {
    return new Decision(bannedUntil, banReason, restarts, restartsSince, detail);
  }

  /** This decision with {@code used} restarts counted since {@code since}. */
  public Decision withRestarts(int used, Instant since) {
    return new Decision(bannedUntil, banReason, used, since, failedDetail);
  }

  /** Whether this decision says nothing (the same as no decision at all). */
  public boolean isNone() {
    return bannedUntil == null && restarts == 0 && failedDetail == null;
  }
}
