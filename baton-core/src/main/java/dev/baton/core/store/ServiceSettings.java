package dev.baton.core.store;

import dev.baton.core.NodeName;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * Operator settings of one service, kept in the store so that they survive every agent.
 *
 * @param ranking preferred owners, best first; nodes not listed come after them
 * @param disabled a disabled service is owned by nobody
 * @param move a planned move an operator asked for, or null
 * @param pausedSince when an operator paused the service (Baton takes no decision about it while
 *     paused), or null when it is not paused
 * @param failback what happens when a better-ranked node becomes a candidate again
 * @param failbackDelay how long that node must have been a candidate (and the owner must have held
 *     the service) before a {@link Failback#RANK} failback; null for {@link #DEFAULT_FAILBACK_DELAY}
 */
public record ServiceSettings(List<NodeName> ranking, boolean disabled, Move move, Instant pausedSince,
    Failback failback, Duration failbackDelay) {
  /** The failback delay when an operator set none. */
  public static final Duration DEFAULT_FAILBACK_DELAY = Duration.ofSeconds(30);
  public static final ServiceSettings DEFAULT = new ServiceSettings(List.of(), false, null);

  public ServiceSettings {
    ranking = List.copyOf(Objects.requireNonNull(ranking, "ranking"));
    Objects.requireNonNull(failback, "failback");
    if (failbackDelay != null && (failbackDelay.isNegative() || failbackDelay.isZero())) {
      throw new IllegalArgumentException("a failback delay is above zero, got " + failbackDelay);
    }
  }

  /** Settings without a planned move. */
  public ServiceSettings(List<NodeName> ranking, boolean disabled) {
    this(ranking, disabled, null);
  }

  /** Settings that are not paused, with the default (sticky) failback. */
  public ServiceSettings(List<NodeName> ranking, boolean disabled, Move move) {
    this(ranking, disabled, move, null, Failback.STICKY, null);
  }

  /** These settings with another ranking; a planned move stays. */
  public ServiceSettings withRanking(List<NodeName> newRanking) {
    return new ServiceSettings(newRanking, disabled, move, pausedSince, failback, failbackDelay);
  }

  /** These settings disabled or enabled; either way a planned move is dropped. */
  public ServiceSettings withDisabled(boolean newDisabled) {
    return new ServiceSettings(ranking, newDisabled, null, pausedSince, failback, failbackDelay);
  }

  /** These settings with {@code newMove} (null: none). */
  public ServiceSettings withMove(Move newMove) {
    return new ServiceSettings(ranking, disabled, newMove, pausedSince, failback, failbackDelay);
  }

  /** These settings paused since {@code since} (null: resumed). */
  public ServiceSettings withPausedSince(Instant since) {
    return new ServiceSettings(ranking, disabled, move, since, failback, failbackDelay);
  }

  /** These settings with another failback policy and delay (null delay: the default). */
  public ServiceSettings withFailback(Failback newFailback, Duration newDelay) {
    return new ServiceSettings(ranking, disabled, move, pausedSince, newFailback, newDelay);
  }

  public boolean paused() {
    return pausedSince != null;
  }

  /** The failback delay in force: the operator's, else {@link #DEFAULT_FAILBACK_DELAY}. */
  public Duration effectiveFailbackDelay() {
    return failbackDelay != null ? failbackDelay : DEFAULT_FAILBACK_DELAY;
  }

  /** The move planned for the service while its epoch is {@code epoch}, or null. */
  public NodeName moveTarget(long epoch) {
    return move != null && move.epoch() == epoch ? move.to() : null;
  }

  /**
   * What happens when a node ranked better than the owner becomes a candidate again (say the
   * preferred node is back after a crash).
   */
  public enum Failback {
    /** The owner keeps the service until it cannot run it (the default). */
    STICKY,
    /**
     * The best-ranked candidate takes the service back by a graceful handover (a planned move),
     * once it has been a candidate for the failback delay without a break and the owner has held
     * the service that long.
     */
    RANK;

    /** The word operators use: {@code sticky} or {@code rank}. */
    public String word() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }

    /**
     * The policy a store holds as {@code word}: null (a row written before failback existed) reads
     * as {@link #STICKY}.
     *
     * @throws IllegalArgumentException for any other word
     */
    public static Failback stored(String word) {
      if (word == null) {
        return STICKY;
      }
      Failback f = parse(word);
      if (f == null) {
        throw new IllegalArgumentException("unknown failback policy " + word + " (sticky or rank)");
      }
      return f;
    }

    /** Parses {@code sticky} or {@code rank}; null for anything else. */
    public static Failback parse(String word) {
      for (Failback f : values()) {
        if (f.word().equals(word)) {
          return f;
        }
      }
      return null;
    }
  }

  /**
   * A planned, graceful move of a service to node {@code to}, asked for while the service's epoch
   * was {@code epoch}. It holds only as long as that epoch does: the owner at that epoch stops the
   * service and releases it, and {@code to} claims it with the next epoch. Any grant (the move
   * done, or a failover elsewhere) raises the epoch and so ends the move; nobody has to clear it.
   */
  public record Move(NodeName to, long epoch) {
    public Move {
      Objects.requireNonNull(to, "to");
      if (epoch < 0) {
        throw new IllegalArgumentException("a move's epoch is at least 0, got " + epoch);
      }
    }
  }
}
