package dev.baton.lab.faults;

import dev.baton.core.BatonException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A wall clock that a fault can move while the process runs (docs/reliability.md, "agent clock jump"
 * and "store clock jump"): libfaketime preloaded into the process, reading its offset from a file
 * that {@link #jump} rewrites (read again at most once a second). The monotonic clock is not
 * faked ({@code FAKETIME_DONT_FAKE_MONOTONIC}), so only what reads the wall clock sees the jump:
 * that is the point, Baton must not.
 *
 * <p>{@code FAKETIME_FORCE_MONOTONIC_FIX=0} goes with it. Without it, libfaketime 0.9.10 (Debian
 * 12's) rewrites the deadline of every timed wait on the monotonic clock as if that clock were faked
 * ({@code pthread_cond_timedwait}; fixed upstream in libfaketime pull request 503), so the wait
 * returns at once: in a JVM, {@code LockSupport.parkNanos} and {@code Object.wait(ms)} return after
 * 0 ms, every waiting thread spins, and the JVM crawls. FakeClockTest measures both.
 */
public final class FakeClock {
  private static final List<Path> LIBRARIES = List.of(
      Path.of("/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1"),
      Path.of("/usr/lib/aarch64-linux-gnu/faketime/libfaketimeMT.so.1"),
      Path.of("/usr/lib/faketime/libfaketimeMT.so.1"));

  private final Path file;
  private final Path library;

  /** A clock at offset zero whose offset lives in {@code file} (made readable by every user). */
  public FakeClock(Path file) {
    this.library = library().orElseThrow(() -> new BatonException("cannot fake a clock: " + unavailableReason()));
    this.file = file.toAbsolutePath();
    write("+0");
  }

  /** The libfaketime library, if installed. */
  public static Optional<Path> library() {
    return LIBRARIES.stream().filter(Files::isReadable).findFirst();
  }

  /** Why clocks cannot be faked here, or null when they can. */
  public static String unavailableReason() {
    return library().isPresent() ? null : "libfaketime is not installed (Debian package faketime)";
  }

  /** The variables that make a process started with them read this clock. */
  public Map<String, String> environment() {
    return Map.of(
        "LD_PRELOAD", library.toString(),
        "FAKETIME_TIMESTAMP_FILE", file.toString(),
        "FAKETIME_CACHE_DURATION", "1",
        "FAKETIME_DONT_FAKE_MONOTONIC", "1",
        "FAKETIME_FORCE_MONOTONIC_FIX", "0",
        "NO_FAKE_STAT", "1");
  }

  /**
   * The variables that make a process started with them, and every process it starts, run both
   * clocks, wall and monotonic, at {@code rate} times real time from the moment it starts: a machine
   * whose clock runs fast or slow (docs/reliability.md, "clock rate skew"). libfaketime keeps the start
   * in shared memory that the first process creates and names to its children
   * ({@code FAKETIME_SHARED}), so an agent and the guardian it starts later read one clock and
   * agree on the fence deadline they pass as a monotonic time. Both files stay in /dev/shm after
   * that first process ends, named by its pid; {@link #forget} removes them.
   */
  public static Map<String, String> rateEnvironment(double rate) {
    Path library = library().orElseThrow(() -> new BatonException("cannot fake a clock: " + unavailableReason()));
    return Map.of(
        "LD_PRELOAD", library.toString(),
        "FAKETIME", "+0 x" + rate,
        "NO_FAKE_STAT", "1");
  }

  /** Removes the shared memory libfaketime left behind for the processes process {@code pid} started. */
  public static void forget(long pid) {
    for (String name : new String[] {"faketime_shm_" + pid, "sem.faketime_sem_" + pid}) {
      try {
        Files.deleteIfExists(Path.of("/dev/shm", name));
      } catch (IOException e) {
        // not ours to remove (another user's), or already gone
      }
    }
  }

  /** Sets the wall clock of every process using this clock to the real time plus {@code offset}. */
  public void jump(Duration offset) {
    write((offset.isNegative() ? "-" : "+") + offset.abs().toSeconds());
  }

  private void write(String offset) {
    try {
      Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
      Files.writeString(tmp, offset + "\n", StandardCharsets.UTF_8);
      Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the fake clock's offset to " + file, e);
    }
  }
}
