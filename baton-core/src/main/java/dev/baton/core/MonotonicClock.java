package dev.baton.core;

/**
 * The only clock that decides leases and fencing: monotonic nanoseconds of this process. Wall
 * clocks may jump either way and never decide a lease. Tests pass a fake.
 */
@FunctionalInterface
public interface MonotonicClock {
  MonotonicClock SYSTEM = System::nanoTime;

  long nanos();
}
