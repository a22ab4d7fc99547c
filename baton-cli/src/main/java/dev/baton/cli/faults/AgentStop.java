package dev.baton.cli.faults;

import java.util.List;
import java.util.Optional;

/**
 * SIGSTOP of the agent alone for {@code factor} x lease, then SIGCONT. Its guardian keeps running:
 * once the fence deadline (last renewal sent + lease - fence-margin) passes it kills the services,
 * and the continued agent drops the old epoch.
 */
final class AgentStop implements Fault {
  private final double factor;
  private final String label;

  AgentStop(double factor, String label) {
    this.factor = factor;
    this.label = label;
  }

  @Override
  public String kind() {
    return "agent-stop-" + label + "L";
  }

  @Override
  public String how() {
    return "SIGSTOP of the agent for " + label + " x lease, then SIGCONT";
  }

  @Override
  public Optional<String> unavailable(FaultContext context) {
    return Optional.empty();
  }

  @Override
  public Aim aim() {
    return Aim.NODE;
  }

  @Override
  public Injected inject(FaultContext context, FaultTarget target) throws InterruptedException {
    long pid = target.node().agentPid();
    long millis = Math.round(context.lease().toMillis() * factor);
    long at = context.checker().fault(kind(), target.who() + " SIGSTOP of agent " + pid + " for " + millis + " ms");
    Processes.signal("STOP", List.of(pid));
    try {
      context.hold(factor);
    } finally {
      Processes.signal("CONT", List.of(pid));
    }
    context.checker().note("SIGCONT of agent " + pid + " on " + target.node().name());
    return Injected.at(at);
  }
}
