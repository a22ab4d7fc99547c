package dev.baton.store.pair;

import dev.baton.core.BatonException;
import dev.baton.core.store.ClaimRequest;
import dev.baton.core.store.ClaimResult;
import dev.baton.core.store.EventDraft;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** Applies one {@link Op} to a group's state, as the live member does (or the backup, for reads). */
final class Authority {
  private Authority() {}

  /** The answer, and whether the state changed in a way the backup must be sent. */
  record Applied(Op.Result result, boolean changed) {}

  /**
   * Applies {@code op} to {@code g}. With {@code judge}, sessions whose lease passed by this
   * holder's clock are expired first (the live member); without, the copy is read as it is.
   */
  static Applied apply(GroupState g, Op op, long nowNanos, boolean judge) {
    boolean expired = judge && g.expireLapsed(nowNanos);
    try {
      return switch (op.op()) {
        case "snapshot" -> new Applied(Op.Result.of(g.snapshot()), expired);
        case "events" -> new Applied(Op.Result.listed(g.events(op.number(), op.limit())), expired);
        case "identity" -> new Applied(Op.Result.of(g.identity), expired);
        case "createIdentity" -> {
          boolean created = g.identity == null;
          if (created) {
            g.identity = UUID.randomUUID().toString();
          }
          yield new Applied(Op.Result.of(g.identity), created || expired);
        }
        case "openSession" -> new Applied(Op.Result.of(g.openSession(op.info(), op.providers(), op.replacing(),
            op.heartbeatMillis(), op.leaseMillis(), nowNanos)), true);
        case "renew" -> new Applied(Op.Result.of(g.renew(op.session(), nowNanos)), expired);
        case "closeSession" -> {
          g.closeSession(op.session());
          yield new Applied(Op.Result.of(null), true);
        }
        case "publishProviders" -> {
          g.publishProviders(op.session(), op.providers());
          yield new Applied(Op.Result.of(null), true);
        }
        case "claimAll" -> {
          List<ClaimResult> results = new ArrayList<>();
          for (ClaimRequest r : op.claims()) {
            results.add(g.claim(r));
          }
          yield new Applied(Op.Result.claimed(results),
              expired || results.stream().anyMatch(ClaimResult::granted));
        }
        case "release" -> {
          boolean released = g.release(op.service(), op.session(), op.number());
          yield new Applied(Op.Result.of(released), released || expired);
        }
        case "putServiceSettings" -> {
          g.putServiceSettings(op.service(), op.serviceSettings());
          yield new Applied(Op.Result.of(null), true);
        }
        case "putNodeSettings" -> {
          g.putNodeSettings(op.node(), op.nodeSettings());
          yield new Applied(Op.Result.of(null), true);
        }
        case "putDecision" -> {
          g.putDecision(op.node(), op.service(), op.decision());
          yield new Applied(Op.Result.of(null), true);
        }
        case "clearDecision" -> new Applied(Op.Result.of(null), g.clearDecision(op.node(), op.service()) || expired);
        case "appendEvents" -> {
          List<Long> seqs = new ArrayList<>();
          for (EventDraft e : op.events()) {
            seqs.add(g.appendEvent(e));
          }
          yield new Applied(Op.Result.appended(seqs), true);
        }
        default -> new Applied(Op.Result.failed(new IllegalArgumentException("unknown call " + op.op())), false);
      };
    } catch (BatonException | IllegalArgumentException | NullPointerException e) {
      return new Applied(Op.Result.failed(e), expired);
    }
  }
}
