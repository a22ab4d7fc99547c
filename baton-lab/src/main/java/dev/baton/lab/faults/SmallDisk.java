package dev.baton.lab.faults;

import dev.baton.core.BatonException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * A size-limited tmpfs mounted for one run, where the run's SQLite file lives, so that a fault can
 * fill the filesystem under it (docs/reliability.md, "SQLite trouble: disk full"). {@link #fill()} writes
 * a filler file until the filesystem refuses a byte; {@link #drain()} deletes it. {@link #close()}
 * copies the store's files next to the mount point (a kept run directory keeps them) and unmounts
 * it by its recorded path. Needs root and {@code mount}.
 */
public final class SmallDisk implements AutoCloseable {
  private static final String FILLER = "filler";
  private static final byte[] CHUNK = new byte[1 << 20];

  private final Path mountPoint;
  private final Path keepIn;
  private boolean mounted;

  private SmallDisk(Path mountPoint, Path keepIn) {
    this.mountPoint = mountPoint;
    this.keepIn = keepIn;
  }

  /** Why no tmpfs can be mounted here, or null when one can. */
  public static String unavailable(boolean root) {
    if (!root) {
      return "needs root (mount -t tmpfs)";
    }
    return Processes.onPath("mount") && Processes.onPath("umount") ? null : "`mount` is not installed (Debian package mount)";
  }

  /**
   * Mounts a tmpfs of {@code megabytes} at {@code mountPoint} (created if missing); at close, its
   * files are copied into {@code keepIn}.
   */
  public static SmallDisk mount(Path mountPoint, int megabytes, Path keepIn) {
    SmallDisk disk = new SmallDisk(mountPoint, keepIn);
    try {
      Files.createDirectories(mountPoint);
    } catch (IOException e) {
      throw new BatonException("cannot create " + mountPoint + ": " + e.getMessage(), e);
    }
    Processes.run(List.of("mount", "-t", "tmpfs", "-o", "size=" + megabytes + "m,mode=0755", "tmpfs", mountPoint.toString()), null);
    disk.mounted = true;
    return disk;
  }

  public Path path() {
    return mountPoint;
  }

  /** Writes a filler file until the filesystem is full; returns the bytes it took. */
  public synchronized long fill() throws IOException {
    long written = 0;
    try (OutputStream out = Files.newOutputStream(mountPoint.resolve(FILLER))) {
      while (true) {
        out.write(CHUNK);
        written += CHUNK.length;
      }
    } catch (IOException e) {
      if (!String.valueOf(e.getMessage()).contains("No space left")) {
        throw e;
      }
      return written;
    }
  }

  /** Deletes the filler: the filesystem has room again. */
  public synchronized void drain() throws IOException {
    Files.deleteIfExists(mountPoint.resolve(FILLER));
  }

  /** Drains, copies the store's files into the keep directory, and unmounts. */
  @Override
  public synchronized void close() {
    if (!mounted) {
      return;
    }
    try {
      drain();
      try (DirectoryStream<Path> files = Files.newDirectoryStream(mountPoint)) {
        for (Path f : files) {
          if (Files.isRegularFile(f)) {
            Files.copy(f, keepIn.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
          }
        }
      }
    } catch (IOException e) {
      System.err.println("baton: cannot copy the files of " + mountPoint + " before unmounting it: " + e.getMessage());
    }
    try {
      Processes.run(List.of("umount", mountPoint.toString()), null);
    } catch (BatonException e) {
      // Still open somewhere (an agent being killed): detach it now, the kernel frees it when the last file closes.
      Processes.run(List.of("umount", "-l", mountPoint.toString()), null);
    }
    mounted = false;
  }
}
