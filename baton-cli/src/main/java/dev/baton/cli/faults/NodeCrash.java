package dev.baton.cli.faults;

import java.util.List;
import java.util.Optional;

/** SIGKILL of a node's launcher, guardian and agent together (its services die with the guardian); the node starts again at once. */
final class NodeCrash implements Fault {
  @Override
  public String kind() {
    return "node-crash";
  }

  @Override
  public String how() {
    return "SIGSTOP then SIGKILL of launcher, guardian and agent together; the node is started again at once, same name";
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
    List<Long> pids = target.node().pids();
    long at = context.checker().fault(kind(), target.who() + " SIGKILL of launcher, guardian and agent " + pids);
    target.node().kill();
    Processes.awaitGone(pids);
    target.node().start();
    return Injected.at(at);
  }
}
