package dev.baton.lab.faults;

import java.util.List;

/** SIGKILL of a node's launcher, guardian and agent together (its services die with the guardian); the node starts again at once. */
final class NodeCrash extends Fault {
  NodeCrash() {
    super("node-crash", Aim.NODE, false,
        "SIGSTOP then SIGKILL of launcher, guardian and agent together; the node is started again at once, same name");
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
