package dev.baton.lab.faults;

import java.util.Optional;

/**
 * The whole node starved of CPU (docs/reliability.md, "CPU starvation: a CPU quota on the agent's
 * cgroup"): launcher, guardian, agent and services together get {@value #CPUS} of one CPU for
 * 2 x lease, then the quota is lifted. Like a VM whose host is overcommitted: everything on the node
 * still runs, too slowly to renew, and the guardian is as slow as the agent, so another node can
 * take over while the old service process still writes now and then. Hence enforcing mode only,
 * as for the freeze.
 */
final class NodeCpuStarved extends Fault {
  private static final double CPUS = 0.02;

  NodeCpuStarved() {
    super("node-cpu-starved", Aim.NODE, false,
        "cgroup CPU quota (v1 cpu.cfs_quota_us, v2 cpu.max) of 2 ms per 100 ms on the node's launcher, guardian, agent and services for 2 x lease, then lifted", Setup.NODE_CGROUPS);
  }

  /** Where a node can be frozen (its cgroups, enforcing mode) and also given a CPU quota. */
  @Override
  public Optional<String> unavailable(FaultContext context) {
    return super.unavailable(context)
        .or(() -> Optional.ofNullable(NodeCgroup.cpuUnavailable(context.root())))
        .or(() -> NodeFreeze.enforcingOnly(context));
  }

  @Override
  public Injected inject(FaultContext context, FaultTarget target) throws Exception {
    String node = target.node().name();
    NodeCgroup cgroup = target.node().requireCgroup();
    return Injected.at(breakFor(context, target.who() + " CPU quota " + CPUS + " on " + node + " for 2 x lease", 2,
        () -> {
          // For the checker a starved node is a frozen one: the overlap is allowed while it lasts.
          NodeFreeze.requireWholeTrees(context, node, cgroup);
          context.checker().frozen(node);
          cgroup.limitCpu(CPUS);
        },
        () -> {
          context.checker().thawed(node);
          cgroup.unlimitCpu();
        }));
  }
}
