package dev.baton.lab.faults;

import java.time.Duration;

/**
 * The PostgreSQL server's wall clock an hour ahead for 2 x lease, then back (docs/reliability.md, "store
 * clock jump"): libfaketime preloaded into the server ({@link FakeClock}), so that
 * {@code clock_timestamp()}, by which the store judges leases, jumps while the agents' clocks do
 * not. Every lease looks expired at once; whatever the agents do about it, no service may run twice
 * (the checks), and every service is provided again.
 */
final class StoreClockJump extends Fault {
  StoreClockJump() {
    super("store-clock-jump", "postgresql", Aim.STORE, false,
        "the PostgreSQL server's wall clock (libfaketime) jumps an hour ahead for 2 x lease, then back", Setup.STORE_CLOCK);
  }

  @Override
  public Injected inject(FaultContext context, FaultTarget target) throws Exception {
    FakeClock clock = context.storeClock().orElseThrow();
    return Injected.at(breakFor(context, "PostgreSQL clock +1h for 2 x lease", 2,
        () -> clock.jump(Duration.ofHours(1)), () -> clock.jump(Duration.ZERO)));
  }
}
