package dev.baton.lab.faults;

import java.time.Duration;

/**
 * A node's wall clock an hour ahead or an hour back (drawn from the schedule) for 2 x lease, then
 * right again (docs/reliability.md, "agent clock jump"): every process of the node (launcher, guardian,
 * agent, services) runs under libfaketime with its own offset file ({@link FakeClock}), the
 * monotonic clock left alone. Leases are timed on monotonic clocks and judged by the store, so
 * nothing may move: neither jump, nor the jump back, may fence the owner, expire a lease or start
 * a claim.
 */
final class AgentClockJump extends Fault {
  AgentClockJump() {
    super("agent-clock-jump", Aim.NODE, false,
        "the node's wall clock (libfaketime, monotonic clock not faked) jumps an hour ahead or back for 2 x lease, then right again", Setup.NODE_CLOCKS);
  }

  @Override
  public Injected inject(FaultContext context, FaultTarget target) throws Exception {
    FakeClock clock = target.node().requireClock();
    Duration offset = Duration.ofHours(context.random().nextBoolean() ? 1 : -1);
    return Injected.at(breakFor(context, target.who() + " wall clock " + (offset.isNegative() ? "-" : "+") + "1h for 2 x lease", 2,
        () -> clock.jump(offset), () -> clock.jump(Duration.ZERO)));
  }
}
