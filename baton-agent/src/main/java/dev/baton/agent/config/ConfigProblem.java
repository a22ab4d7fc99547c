package dev.baton.agent.config;

import java.nio.file.Path;
import java.util.Objects;

/**
 * One thing wrong with a config file.
 *
 * @param file the config file, absolute
 * @param keyPath where in the file, as dotted keys ({@code services.folder-monitor.stop-timeout},
 *     {@code services.x.command[0]}); empty when the problem is the file as a whole
 * @param message what is wrong and what is expected, echoing the bad value
 */
public record ConfigProblem(Path file, String keyPath, String message) {
  public ConfigProblem {
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(keyPath, "keyPath");
    Objects.requireNonNull(message, "message");
  }

  /** {@code <file>: <key.path>: <message>}, or {@code <file>: <message>} for the file as a whole. */
  @Override
  public String toString() {
    return keyPath.isEmpty() ? file + ": " + message : file + ": " + keyPath + ": " + message;
  }
}
