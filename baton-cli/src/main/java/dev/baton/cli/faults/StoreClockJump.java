package dev.baton.cli.faults;

import java.time.Duration;
import java.util.Optional;

/**
 * The PostgreSQL server's wall clock an hour ahead for 2 x lease, then back (RELIABILITY.md, "store
 * clock jump"): libfaketime preloaded into the server ({@link FakeClock}), so that
 * {@code clock_timestamp()}, by which the store judges leases, jumps while the agents' clocks do
 * not. Every lease looks expired at once; whatever the agents do about it, no service may run twice
 * (the checks), and every service is provided again.
 */
final class StoreClockJump extends Fault {
  StoreClockJump() {
    super("store-clock-jump", "postgresql", Aim.STORE, false,
        "the PostgreSQL server's wall clock (libfaketime) jumps an hour ahead for 2 x lease, then back");
  }

  @Override
  public Optional<String> unavailable(FaultContext context) {
    Optional<String> why = super.unavailable(context);
    if (why.isPresent()) {
      return why;
    }
    return context.storeClock().isPresent() ? Optional.empty()
        : Optional.of(FakeClock.unavailableReason() != null ? FakeClock.unavailableReason() : "the server was started without a fake clock");
  }

  @Override
  public Injected inject(FaultContext context, FaultTarget target) throws Exception {
    FakeClock clock = context.storeClock().orElseThrow();
    return Injected.at(breakFor(context, "PostgreSQL clock +1h for 2 x lease", 2,
        () -> clock.jump(Duration.ofHours(1)), () -> clock.jump(Duration.ZERO)));
  }
}
