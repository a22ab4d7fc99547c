package dev.baton.lab.faults;


/**
 * An operator verb during a network fault (docs/reliability.md, "operator verbs during faults: disable
 * while the owner is cut"): the owner is cut off from the store both ways for 2 x lease, and
 * meanwhile an operator disables the chosen service through another node's API; after the heal the
 * operator enables it again. The cut owner cannot hear of the disable: it fences by its own
 * deadline, as for any cut; nobody claims a disabled service; after the enable one node claims it
 * with a higher epoch. Never two runners, never a disabled service running after the owner fenced.
 * The API's answers go to the checker log.
 */
final class DisableCutOwner extends Fault {
  DisableCutOwner() {
    super("disable-cut-owner", Aim.OWNER, false,
        "the owner cut off from the store for 2 x lease while its service is disabled through another node's API;"
            + " enabled again after the heal", Setup.NETWORK);
  }

  @Override
  public Injected inject(FaultContext context, FaultTarget target) throws Exception {
    Netns net = context.network().orElseThrow();
    Netns.Host host = target.node().requireNetns();
    String service = target.provider().service;
    FaultNode operator = target.bystander();
    String[] answers = new String[2];
    long at = breakFor(context, target.who() + " cut both ways for 2 x lease; disable " + service + " through "
            + operator.name() + "'s API", 2,
        () -> {
          net.cut(host, Netns.Cut.BOTH_WAYS);
          answers[0] = operator.operator("POST", "/v1/services/" + service + "/disable", null);
        },
        () -> {
          net.heal(host);
          answers[1] = operator.operator("POST", "/v1/services/" + service + "/enable", null);
        });
    context.checker().note("disable " + service + " while " + target.node().name() + " was cut: " + answers[0]
        + "; enable after the heal: " + answers[1]);
    return Injected.at(at);
  }
}
