package dev.baton.lab.faults;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The whole node frozen (cgroup v1 or v2 freezer: launcher, guardian, agent and its services' whole trees) for 2 x lease,
 * then thawed. Nothing on the node can act while frozen, not even the guardian, so another node
 * takes over while the old service process still exists: only a downstream that honours epochs can
 * refuse what it does after the thaw. Hence enforcing mode only.
 */
final class NodeFreeze extends Fault {
  NodeFreeze() {
    super("node-freeze", Aim.NODE, false,
        "cgroup freezer (v1 freezer.state FROZEN, v2 cgroup.freeze 1) on the node's launcher, guardian, agent and services for 2 x lease, then THAWED", Setup.NODE_CGROUPS);
  }

  @Override
  public Optional<String> unavailable(FaultContext context) {
    return super.unavailable(context).or(() -> enforcingOnly(context));
  }

  /**
   * Why a node cannot be frozen in {@code context}'s checker mode (audit), or empty: the kinds that
   * freeze or starve a whole node run only where old epochs are refused.
   */
  static Optional<String> enforcingOnly(FaultContext context) {
    return context.mode() == FencingChecker.Mode.ENFORCING ? Optional.empty()
        : Optional.of("needs --mode enforcing (a thawed node's old service can write before anything on it runs"
            + " again; only a downstream that refuses old epochs stops that write)");
  }

  /**
   * Checks that the node's cgroups hold every process of every service tree the checker knows alive
   * on {@code node}, leaders and workers, before they are frozen or starved with it.
   */
  static void requireWholeTrees(FaultContext context, String node, NodeCgroup cgroup) {
    List<Long> pids = new ArrayList<>();
    context.checker().lives().stream().filter(l -> l.node.equals(node) && !l.ended()).forEach(l -> {
      pids.add(l.pid);
      pids.add(l.leaderPid);
    });
    cgroup.requireHolds("a service of " + node, pids);
  }

  @Override
  public Injected inject(FaultContext context, FaultTarget target) throws Exception {
    String node = target.node().name();
    NodeCgroup cgroup = target.node().requireCgroup();
    return Injected.at(breakFor(context, target.who() + " FROZEN " + cgroup.path() + " for 2 x lease", 2,
        () -> {
          requireWholeTrees(context, node, cgroup);
          context.checker().frozen(node);
          cgroup.freeze();
        },
        () -> {
          context.checker().thawed(node);
          cgroup.thaw();
        }));
  }
}
