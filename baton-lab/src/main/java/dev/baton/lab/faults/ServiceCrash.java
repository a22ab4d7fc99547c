package dev.baton.lab.faults;

import java.util.List;

/** SIGKILL of the chosen service's process, its agent alive: the recovery ladder restarts it in place, then fails it over. */
final class ServiceCrash extends Fault {
  ServiceCrash() {
    super("service-crash", Aim.OWNER, false, "SIGKILL of the service process");
  }

  @Override
  public Injected inject(FaultContext context, FaultTarget target) {
    long at = context.checker().fault(kind(), "SIGKILL of " + target.provider());
    Processes.signal("KILL", List.of(target.provider().pid));
    return Injected.at(at);
  }
}
