package dev.baton.lab.faults;

import java.time.Duration;

/**
 * Every byte between the agents and the store held back for a tenth of the lease, each way, for
 * 2 x lease (docs/reliability.md, "lossy, slow network: a small fault proxy for delay"): the run's
 * {@link StoreProxy} stands between every agent and every server. Each call to the store takes a
 * fifth of a lease longer; nothing is lost. Safety must hold; whatever moves is a flap the tables count.
 */
final class StoreDelay extends Fault {
  StoreDelay() {
    super("store-delay", Aim.STORE, false, "the store proxy holds every byte back L/10 each way for 2 x lease", Setup.STORE_PROXY);
  }

  @Override
  public Injected inject(FaultContext context, FaultTarget target) throws Exception {
    StoreProxy proxy = context.storeProxy().orElseThrow();
    Duration delay = context.lease().dividedBy(10);
    return Injected.at(breakFor(context, "store proxy delay " + delay.toMillis() + " ms each way for 2 x lease", 2,
        () -> proxy.delay(delay), () -> proxy.delay(Duration.ZERO)));
  }
}
