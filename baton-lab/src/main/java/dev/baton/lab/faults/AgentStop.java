package dev.baton.lab.faults;

import java.util.List;

/**
 * SIGSTOP of the agent alone for {@code leases} x lease, then SIGCONT. Its guardian keeps running:
 * once the fence point (last renewal sent + lease - fence-margin) passes it kills the services,
 * and the continued agent drops the old epoch.
 */
final class AgentStop extends Fault {
  private final double leases;

  /** @param label {@code leases} as the kind's name shows it, e.g. {@code 0.5} */
  AgentStop(double leases, String label) {
    super("agent-stop-" + label + "L", Aim.NODE, false, "SIGSTOP of the agent for " + label + " x lease, then SIGCONT");
    this.leases = leases;
  }

  @Override
  public Injected inject(FaultContext context, FaultTarget target) throws Exception {
    List<Long> pid = List.of(target.node().agentPid());
    long at = breakFor(context, target.who() + " SIGSTOP of agent " + pid + " for " + Math.round(context.lease().toMillis() * leases)
        + " ms", leases, () -> Processes.signal("STOP", pid), () -> Processes.signal("CONT", pid));
    context.checker().note("SIGCONT of agent " + pid + " on " + target.node().name());
    return Injected.at(at);
  }
}
