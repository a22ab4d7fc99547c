package dev.baton.lab.faults;

import java.util.List;

/** SIGKILL of the agent alone: its guardian restarts it, and the new agent re-adopts the running services. */
final class AgentCrash extends Fault {
  AgentCrash() {
    super("agent-crash", Aim.NODE, false, "SIGKILL of the agent alone");
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
