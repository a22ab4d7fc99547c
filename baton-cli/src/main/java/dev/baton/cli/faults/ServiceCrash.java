package dev.baton.cli.faults;

import java.util.List;
import java.util.Optional;

/** SIGKILL of the chosen service's process, its agent alive: the recovery ladder restarts it in place, then fails it over. */
final class ServiceCrash implements Fault {
  @Override
  public String kind() {
    return "service-crash";
  }

  @Override
  public String how() {
    return "SIGKILL of the service process";
  }

  @Override
  public Optional<String> unavailable(FaultContext context) {
    return Optional.empty();
  }

  @Override
  public Aim aim() {
    return Aim.OWNER;
  }

  @Override
  public Injected inject(FaultContext context, FaultTarget target) {
    long at = context.checker().fault(kind(), "SIGKILL of " + target.provider());
    Processes.signal("KILL", List.of(target.provider().pid));
    return Injected.at(at);
  }
}
