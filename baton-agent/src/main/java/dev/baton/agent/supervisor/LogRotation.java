package dev.baton.agent.supervisor;

import dev.baton.agent.config.ServiceLogs;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Rotation of a service's output file ({@link ServiceLogs}). The service writes to the file
 * through a descriptor it holds for as long as it runs (its parent opened it with
 * {@code O_APPEND}), so the file cannot be renamed away: it is copied to {@code LOG.1} (older
 * copies shift up, the oldest is dropped) and then emptied; with {@code O_APPEND} the service's next
 * write lands at the new end. What the service writes between the copy and the emptying is lost (a
 * moment; logrotate's {@code copytruncate} has the same gap).
 */
final class LogRotation {
  private LogRotation() {}

  /** Rotates {@code log} if it has reached the configured size; false when it had not. */
  static boolean rotateIfFull(Path log, ServiceLogs logs) throws IOException {
    long size;
    try {
      size = Files.size(log);
    } catch (NoSuchFileException e) {
      return false;
    }
    if (size < logs.maxBytes()) {
      return false;
    }
    if (logs.keep() > 0) {
      Files.deleteIfExists(rotated(log, logs.keep()));
      for (int i = logs.keep() - 1; i >= 1; i--) {
        Path older = rotated(log, i);
        if (Files.exists(older)) {
          Files.move(older, rotated(log, i + 1), StandardCopyOption.REPLACE_EXISTING);
        }
      }
      Files.copy(log, rotated(log, 1), StandardCopyOption.REPLACE_EXISTING);
    }
    try (FileChannel channel = FileChannel.open(log, StandardOpenOption.WRITE)) {
      channel.truncate(0);
    }
    return true;
  }

  static Path rotated(Path log, int n) {
    return log.resolveSibling(log.getFileName() + "." + n);
  }
}
