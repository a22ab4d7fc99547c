package dev.baton.lab.faults;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The kernel's record of when a process began, on the checker's clock. Field 22 of
 * {@code /proc/PID/stat} is the process's start in clock ticks since boot (CLOCK_BOOTTIME, set at
 * fork); Linux reports it in USER_HZ ticks, 100 a second on every architecture Baton runs on, so a
 * start is known to 10 ms, rounded down. The checker's clock is {@link System#nanoTime()}
 * (CLOCK_MONOTONIC); the two differ by a constant while the machine does not suspend, measured
 * once at the moment {@code /proc/uptime} (also boot time, also in ticks) turns over. Every node of
 * a fault run is a process of this one machine, so one boot clock serves them all; the values are
 * the kernel's, so libfaketime (which fakes clock calls, not {@code /proc}) does not change them.
 */
final class BootClock {
  /** One USER_HZ tick. */
  static final long TICK_NANOS = 10_000_000;
  /** CLOCK_BOOTTIME minus CLOCK_MONOTONIC, in nanoseconds. */
  private static volatile long offset = Long.MIN_VALUE;

  private BootClock() {}

  /** The stat fields of {@code pid} from field 3 (state) on: field n is at index n - 3. */
  private static String[] stat(long pid) throws IOException {
    String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
    return stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
  }

  /** The parent of {@code pid}, as the machine numbers it (the reader's {@code /proc} is the machine's). */
  static long parent(long pid) throws IOException {
    return Long.parseLong(stat(pid)[4 - 3]);
  }

  /** When {@code pid} began: nanoseconds since boot, a whole number of ticks (rounded down by the kernel). */
  static long startedSinceBoot(long pid) throws IOException {
    return Long.parseLong(stat(pid)[22 - 3]) * TICK_NANOS;
  }

  /** {@code bootNanos} (nanoseconds since boot) as a value of this JVM's {@link System#nanoTime()}. */
  static long toNanoTime(long bootNanos) {
    long o = offset;
    if (o == Long.MIN_VALUE) {
      o = calibrate();
      offset = o;
    }
    return bootNanos - o;
  }

  /**
   * Waits (at most 50 ms, five ticks) for {@code /proc/uptime} to turn over: at that moment it
   * equals the boot clock to within one read, and {@code nanoTime} read just before names the same
   * moment on the monotonic clock.
   */
  private static synchronized long calibrate() {
    if (offset != Long.MIN_VALUE) {
      return offset;
    }
    long first = uptimeNanos();
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50);
    long t;
    long u;
    do {
      t = System.nanoTime();
      u = uptimeNanos();
    } while (u == first && t < deadline);
    return u - t;
  }

  /** {@code /proc/uptime}'s first number, seconds since boot with two decimals, in nanoseconds. */
  private static long uptimeNanos() {
    try {
      String s = Files.readString(Path.of("/proc/uptime"));
      String up = s.substring(0, s.indexOf(' '));
      int dot = up.indexOf('.');
      return Long.parseLong(up.substring(0, dot)) * 1_000_000_000L + Long.parseLong(up.substring(dot + 1)) * TICK_NANOS;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read /proc/uptime: " + e.getMessage(), e);
    }
  }
}
