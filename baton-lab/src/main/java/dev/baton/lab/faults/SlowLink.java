package dev.baton.lab.faults;

import java.util.Optional;

/**
 * A node's link to everything, the store included, slowed to {@value #RATE} both ways for 2 x lease
 * (docs/reliability.md, "slow network: tc tbf rate limit"): a token bucket on both ends of its veth pair
 * queues up to 200 ms of traffic and drops the rest. Nothing is cut; renewals and snapshots just
 * come late. Safety must hold; whatever moves is a flap the tables count.
 */
final class SlowLink extends Fault {
  private static final String RATE = "8kbit";

  SlowLink() {
    super("slow-link", Aim.NODE, false, "tc tbf on both ends of the node's veth pair: " + RATE + ", at most 200 ms queued,"
        + " for 2 x lease", Setup.NETWORK);
  }

  @Override
  public Optional<String> unavailable(FaultContext context) {
    return super.unavailable(context).or(() -> Processes.onPath("tc") ? Optional.empty()
        : Optional.of("`tc` is not installed (Debian package iproute2)"));
  }

  @Override
  public Injected inject(FaultContext context, FaultTarget target) throws Exception {
    Netns net = context.network().orElseThrow();
    Netns.Host host = target.node().requireNetns();
    return Injected.at(breakFor(context, target.who() + " link of " + host.namespace() + " throttled to " + RATE
        + " for 2 x lease", 2, () -> net.throttle(host, RATE), () -> net.unthrottle(host)));
  }
}
