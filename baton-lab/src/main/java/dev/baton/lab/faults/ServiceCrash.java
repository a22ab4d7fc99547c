package dev.baton.lab.faults;

import java.util.List;

/**
 * SIGKILL of the chosen service's leader (the process Baton started; its worker is left to Baton's
 * containment), its agent alive: the recovery ladder restarts it in place, then fails it over.
 */
final class ServiceCrash extends Fault {
  ServiceCrash() {
    super("service-crash", Aim.OWNER, false, "SIGKILL of the service's leader process");
  }

  @Override
  public Injected inject(FaultContext context, FaultTarget target) {
    long at = context.checker().fault(kind(), "SIGKILL of the leader of " + target.provider());
    Processes.signal("KILL", List.of(target.provider().leaderPid));
    return Injected.at(at);
  }
}
