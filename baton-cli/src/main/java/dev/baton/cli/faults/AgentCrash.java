package dev.baton.cli.faults;

import java.util.List;
import java.util.Optional;

/** SIGKILL of the agent alone: its guardian restarts it, and the new agent re-adopts the running services. */
final class AgentCrash implements Fault {
  @Override
  public String kind() {
    return "agent-crash";
  }

  @Override
  public String how() {
    return "SIGKILL of the agent alone";
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
    long at = context.checker().fault(kind(), target.who() + " SIGKILL of agent " + pid);
    Processes.signal("KILL", List.of(pid));
    Processes.awaitGone(List.of(pid));
    return Injected.at(at);
  }
}
