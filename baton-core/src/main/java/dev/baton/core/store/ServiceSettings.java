package dev.baton.core.store;

import dev.baton.core.NodeName;
import java.util.List;
import java.util.Objects;

/**
 * Operator settings of one service, kept in the store so that they survive every agent.
 *
 * @param ranking preferred owners, best first; nodes not listed come after them
 * @param disabled a disabled service is owned by nobody
 * @param move a planned move an operator asked for, or null
 */
public record ServiceSettings(List<NodeName> ranking, boolean disabled, Move move) {
  public static final ServiceSettings DEFAULT = new ServiceSettings(List.of(), false, null);

  public ServiceSettings {
    ranking = List.copyOf(Objects.requireNonNull(ranking, "ranking"));
  }

  /** Settings without a planned move. */
  public ServiceSettings(List<NodeName> ranking, boolean disabled) {
    this(ranking, disabled, null);
  }

  /** These settings with another ranking; a planned move stays. */
  public ServiceSettings withRanking(List<NodeName> newRanking) {
    return new ServiceSettings(newRanking, disabled, move);
  }

  /** These settings disabled or enabled; either way a planned move is dropped. */
  public ServiceSettings withDisabled(boolean newDisabled) {
    return new ServiceSettings(ranking, newDisabled, null);
  }

  /** These settings with {@code newMove} (null: none). */
  public ServiceSettings withMove(Move newMove) {
    return new ServiceSettings(ranking, disabled, newMove);
  }

  /** The move planned for the service while its epoch is {@code epoch}, or null. */
  public NodeName moveTarget(long epoch) {
    return move != null && move.epoch() == epoch ? move.to() : null;
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
