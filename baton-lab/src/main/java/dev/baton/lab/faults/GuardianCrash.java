package dev.baton.lab.faults;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * SIGKILL of the guardian alone (docs/guardian.md): the node's services die with it (they are its
 * children, under its parent-death signal); the agent, still owning them, starts a new guardian and
 * restarts them in place, same epoch. Returns once the new guardian runs.
 */
final class GuardianCrash extends Fault {
  private static final long NEW_GUARDIAN_SECONDS = 20;

  GuardianCrash() {
    super("guardian-crash", Aim.NODE, false, "SIGKILL of the guardian alone; the agent starts a new one");
  }

  @Override
  public Optional<String> unavailable(FaultContext context) {
    return super.unavailable(context).or(NodeCrash::withoutPidNamespaces);
  }

  @Override
  public Injected inject(FaultContext context, FaultTarget target) throws InterruptedException {
    FaultNode node = target.node();
    long pid = node.guardianPid();
    long at = context.checker().fault(kind(), target.who() + " SIGKILL of guardian " + pid);
    Processes.signal("KILL", List.of(pid));
    Processes.awaitGone(List.of(pid));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(NEW_GUARDIAN_SECONDS);
    while (node.guardianPid() == pid || node.guardianPid() == 0) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("node " + node.name() + " has no new guardian " + NEW_GUARDIAN_SECONDS
            + " s after its guardian " + pid + " was killed");
      }
      Thread.sleep(20);
    }
    return Injected.at(at);
  }
}
