package dev.baton.lab.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The small tmpfs of sqlite-disk-full, mounted for real (root, as CI runs). */
class SmallDiskTest {
  @Test
  void aFilledDiskRefusesWritesUntilDrainedAndCloseKeepsItsFilesAndUnmounts(@TempDir Path dir) throws Exception {
    String why = SmallDisk.unavailable(Processes.isRoot());
    assumeTrue(why == null, why);
    Path keep = Files.createDirectories(dir.resolve("run"));
    SmallDisk disk = SmallDisk.mount(dir.resolve("disk"), 8, keep);
    try {
      Files.writeString(disk.path().resolve("group.db"), "the store");

      assertThat(disk.fill()).as("bytes the filler took").isBetween(6L << 20, 8L << 20);
      assertThatThrownBy(() -> Files.write(disk.path().resolve("more"), new byte[1 << 16]))
          .isInstanceOf(IOException.class).hasMessageContaining("No space left");

      disk.drain();
      Files.write(disk.path().resolve("more"), new byte[1 << 16]);
    } finally {
      disk.close();
    }
    assertThat(Files.readString(keep.resolve("group.db"))).isEqualTo("the store");
    assertThat(keep.resolve("filler")).doesNotExist();
    assertThat(Files.readString(Path.of("/proc/self/mounts"))).doesNotContain(disk.path().toString());
  }
}
