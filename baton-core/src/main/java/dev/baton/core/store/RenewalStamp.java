package dev.baton.core.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * When a renewal was sent, on the monotonic clock of the host that sent it: the host's boot id
 * and {@link System#nanoTime()} taken before the renewal's write (Linux's CLOCK_MONOTONIC, one
 * clock for every process of a boot). A store that records it with the renewal counter lets a
 * claimant on the same boot know exactly when the owner's lease ends (the sending time plus the
 * lease; the owner measures its fence deadline from a moment no later than that), instead of
 * counting the lease from when it first saw the renewal, up to a heartbeat later. A store may also
 * give a later moment on the reader's own clock that is still no earlier than the sending (the
 * ZooKeeper store: when the reader received the notice of the renewal's write).
 *
 * @param boot the host's boot id ({@code /proc/sys/kernel/random/boot_id})
 * @param nanos {@link System#nanoTime()} of the sender, taken before the write was sent
 */
public record RenewalStamp(String boot, long nanos) {
  private static final String LOCAL_BOOT = readLocalBoot();

  public RenewalStamp {
    Objects.requireNonNull(boot, "boot");
    if (boot.isBlank()) {
      throw new IllegalArgumentException("boot must not be blank");
    }
  }

  /**
   * A stamp of now, or null where this process's monotonic clock cannot be compared with other
   * processes' ({@link #localBoot()} is null).
   */
  public static RenewalStamp now() {
    return LOCAL_BOOT == null ? null : new RenewalStamp(LOCAL_BOOT, System.nanoTime());
  }

  /**
   * This host's boot id when this process's {@link System#nanoTime()} is the host's monotonic
   * clock; null when it is not known to be: no boot id to read (not Linux), or a monotonic clock
   * faked by libfaketime (preloaded or configured without {@code FAKETIME_DONT_FAKE_MONOTONIC=1}, as
   * in the fault suite's clock-rate runs), which makes one process's clock run apart from its
   * host's. A fake wall clock alone (the suite's clock jumps) leaves the monotonic clock real.
   */
  public static String localBoot() {
    return LOCAL_BOOT;
  }

  private static String readLocalBoot() {
    String preload = System.getenv("LD_PRELOAD");
    boolean faketime = preload != null && preload.contains("faketime") || System.getenv("FAKETIME") != null
        || System.getenv("FAKETIME_TIMESTAMP_FILE") != null;
    if (faketime && !"1".equals(System.getenv("FAKETIME_DONT_FAKE_MONOTONIC"))) {
      return null;
    }
    try {
      String id = Files.readString(Path.of("/proc/sys/kernel/random/boot_id")).strip();
      return id.isEmpty() ? null : id;
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }
}
