package dev.baton.lab.faults;

import dev.baton.agent.supervisor.ServiceTrees;
import java.util.List;
import java.util.Optional;

/** SIGKILL of a node's launcher, guardian and agent together (its services die with the guardian); the node starts again at once. */
final class NodeCrash extends Fault {
  NodeCrash() {
    super("node-crash", Aim.NODE, false,
        "SIGSTOP then SIGKILL of launcher, guardian and agent together; the node is started again at once, same name");
  }

  /** Where each service gets a PID namespace of its own; {@link GuardianCrash} needs it too. */
  @Override
  public Optional<String> unavailable(FaultContext context) {
    return super.unavailable(context).or(NodeCrash::withoutPidNamespaces);
  }

  /**
   * Why a crashed guardian would leave service processes behind here: without a PID namespace per
   * service (process-group containment) only a service's first process dies with the guardian, and
   * the workers it forked live on (docs/guardian.md, "Containment").
   */
  static Optional<String> withoutPidNamespaces() {
    return ServiceTrees.probePidNamespace().map(why -> "services run in process groups here, whose workers outlive a"
        + " crashed guardian; a PID namespace per service needs root and tini (Debian package tini): " + why);
  }

  @Override
  public Injected inject(FaultContext context, FaultTarget target) throws InterruptedException {
    List<Long> pids = target.node().pids();
    long at = context.checker().fault(kind(), target.who() + " SIGKILL of launcher, guardian and agent " + pids);
    target.node().kill();
    Processes.awaitGone(pids);
    target.node().start();
    return Injected.at(at);
  }
}
