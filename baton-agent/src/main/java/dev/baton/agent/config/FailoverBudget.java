package dev.baton.agent.config;

import dev.baton.core.Durations;
import dev.baton.core.ServiceName;
import java.time.Duration;
import java.util.stream.Collectors;

/**
 * What a config means in time, for {@code baton validate}: how long a failover takes at worst and
 * when an owner cut off from the store stops its services. Every number is derived from the
 * config's {@link Timing}; what the config cannot know (the command's start-up time) is named, not
 * guessed.
 */
public final class FailoverBudget {
  private FailoverBudget() {}

  /**
   * A few lines, newline-separated (no trailing newline):
   *
   * <ul>
   *   <li>detection: the lease plus one heartbeat. A peer reads the owner's renewal counter once a
   *       heartbeat, so it may first see the last renewal up to a heartbeat after it was made, and
   *       judges the owner dead a full lease after that (the observed-time rule).</li>
   *   <li>reaction: placement is computed locally; the claim is one store call, at most the store
   *       call timeout.</li>
   *   <li>that a claimant waits for the longer of its own lease and the owner's, so detection
   *       takes the longer lease where the nodes of a group have different ones.</li>
   *   <li>the fencing timeline of a cut-off owner, from its last successful renewal sent.</li>
   * </ul>
   */
  public static String describe(AgentConfig config) {
    Timing t = config.timing();
    Duration detection = t.lease().plus(t.heartbeat());
    Duration reaction = t.storeCallTimeout();
    Duration total = detection.plus(reaction);
    Duration spare = t.lease().minus(t.killAfter());
    Duration harmlessOutage = t.terminateAfter().minus(t.heartbeat());
    int n = config.services().size();
    String services = n == 0
        ? "no services (it takes part in the group only)"
        : n + (n == 1 ? " service (" : " services (")
            + config.services().keySet().stream().map(ServiceName::value).collect(Collectors.joining(", ")) + ")";

    StringBuilder out = new StringBuilder();
    line(out, "config " + (config.file() == null ? "(built in code)" : config.file()) + " is valid: group "
        + config.group() + ", node " + config.node() + ", " + services);
    line(out, "store " + config.store() + "; every store call times out after " + f(t.storeCallTimeout())
        + ", min(heartbeat, (lease - fence-margin - heartbeat)/2)");
    line(out, "failover budget after the owner crashes (worst case):");
    row(out, "detection", f(detection), "the lease (" + f(t.lease()) + ") plus one heartbeat (" + f(t.heartbeat())
        + ") before a peer has seen the last renewal unchanged for a full lease");
    row(out, "reaction", f(reaction), "placement and the claim: one store call, at most the store call timeout");
    row(out, "stop", "0s", "the crashed owner's services die with it");
    row(out, "start", "...", "your command's own start-up time");
    row(out, "total", f(total), "+ start-up");
    line(out, "  a claimant waits for the longer of its own lease and the owner's (each node's lease is recorded"
        + " with its session; `baton status` shows them): where the nodes' leases differ, detection takes the longer");
    line(out, "fencing timeline of an owner cut off from the store (from its last successful renewal sent):");
    timeline(out, t.terminateAfter(), "SIGTERM to its services", "(lease - fence-margin)");
    timeline(out, t.killAfter(), "SIGKILL", "(lease - fence-margin/2)");
    timeline(out, t.lease(), "lease ends at the store; peers may take over", "(" + f(spare) + " after SIGKILL)");
    out.append("  store outages shorter than ").append(f(harmlessOutage))
        .append(" (lease - fence-margin - heartbeat) stop nothing");
    return out.toString();
  }

  private static void line(StringBuilder out, String text) {
    out.append(text).append('\n');
  }

  private static void row(StringBuilder out, String phase, String time, String why) {
    out.append(String.format("  %-10s %-7s %s", phase, time, why)).append('\n');
  }

  private static void timeline(StringBuilder out, Duration at, String what, String why) {
    out.append(String.format("  %-7s %-45s %s", "+" + f(at), what, why)).append('\n');
  }

  private static String f(Duration d) {
    return Durations.format(d);
  }
}
