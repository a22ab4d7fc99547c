package dev.baton.lab.faults;

import java.util.Map;
import java.util.Optional;

/**
 * An operator verb during a fault (docs/reliability.md, "operator verbs during faults: move while the
 * owner is frozen"): the owner's whole node is frozen for 2 x lease, and meanwhile an operator asks
 * another node's API to move the chosen service there. The frozen owner can neither release the
 * service nor answer; the move must end clean, either completed (the target claims a higher epoch
 * once the owner's lease has passed) or abandoned, never with two runners and never half done.
 * Enforcing mode only, as for the freeze; the checker log records the API's answer.
 */
final class MoveFrozenOwner extends Fault {
  MoveFrozenOwner() {
    super("move-frozen-owner", Aim.OWNER, false,
        "the owner's node frozen for 2 x lease while `move` of its service to another node is asked through that node's API", Setup.NODE_CGROUPS);
  }

  @Override
  public Optional<String> unavailable(FaultContext context) {
    return super.unavailable(context).or(() -> NodeFreeze.enforcingOnly(context));
  }

  @Override
  public Injected inject(FaultContext context, FaultTarget target) throws Exception {
    String node = target.node().name();
    String service = target.provider().service;
    FaultNode to = target.bystander();
    NodeCgroup cgroup = target.node().requireCgroup();
    String[] answer = new String[1];
    long at = breakFor(context, target.who() + " FROZEN for 2 x lease; move " + service + " to " + to.name()
            + " through its API", 2,
        () -> {
          NodeFreeze.requireWholeTrees(context, node, cgroup);
          context.checker().frozen(node);
          cgroup.freeze();
          answer[0] = to.operator("POST", "/v1/services/" + service + "/move", Map.of("to", to.name()));
        },
        () -> {
          context.checker().thawed(node);
          cgroup.thaw();
        });
    context.checker().note("move " + service + " to " + to.name() + " while " + node + " was frozen: " + answer[0]);
    return Injected.at(at);
  }
}
