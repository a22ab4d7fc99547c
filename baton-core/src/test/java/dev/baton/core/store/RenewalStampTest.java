package dev.baton.core.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class RenewalStampTest {
  private static final Path BOOT_ID = Path.of("/proc/sys/kernel/random/boot_id");

  /** Prints what a JVM started with these variables takes as its boot: the host's, or null. */
  public static void main(String[] args) {
    System.out.print(RenewalStamp.localBoot());
  }

  @Test
  void aStampIsOfThisBootAndTakenNow() throws Exception {
    long before = System.nanoTime();
    RenewalStamp now = RenewalStamp.now();
    assertThat(now.boot()).isEqualTo(Files.readString(BOOT_ID).strip());
    assertThat(now.nanos()).isBetween(before, System.nanoTime());
  }

  @Test
  void aProcessWhoseMonotonicClockLibfaketimeFakesHasNoBootToStampWith() throws Exception {
    String boot = Files.readString(BOOT_ID).strip();
    assertThat(localBootOfAJvmWith(Map.of())).isEqualTo(boot);
    assertThat(localBootOfAJvmWith(Map.of("FAKETIME", "+0 x0.5"))).isEqualTo("null");
    assertThat(localBootOfAJvmWith(Map.of("FAKETIME_TIMESTAMP_FILE", "/tmp/clock"))).isEqualTo("null");
    // a fake wall clock only: the monotonic clock stays the host's
    assertThat(localBootOfAJvmWith(Map.of("FAKETIME_TIMESTAMP_FILE", "/tmp/clock", "FAKETIME_DONT_FAKE_MONOTONIC", "1")))
        .isEqualTo(boot);
  }

  private static String localBootOfAJvmWith(Map<String, String> env) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
        System.getProperty("java.class.path"), RenewalStampTest.class.getName());
    pb.environment().keySet().removeIf(k -> k.startsWith("FAKETIME") || k.equals("LD_PRELOAD"));
    pb.environment().putAll(env);
    Process p = pb.redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return out.strip();
  }
}
