package dev.baton.lab.bench;

import dev.baton.core.InvalidInputException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Checks of the files a benchmark writes its samples and plots to, before it runs for minutes. */
final class BenchFiles {
  private BenchFiles() {}

  /**
   * Refuses {@code file} (given as {@code option}; null means not asked for) when its directory does
   * not exist or is not writable, when it is a directory, or when it does not end with {@code suffix}
   * (null: any name).
   */
  static void writable(String option, Path file, String suffix) {
    if (file == null) {
      return;
    }
    Path parent = file.toAbsolutePath().getParent();
    if (suffix != null && !file.getFileName().toString().endsWith(suffix)) {
      throw new InvalidInputException(option + " " + file + ": expected a file name ending with " + suffix);
    }
    if (Files.isDirectory(file)) {
      throw new InvalidInputException(option + " " + file + " is a directory; expected a file to write");
    }
    if (parent == null || !Files.isDirectory(parent) || !Files.isWritable(parent)) {
      throw new InvalidInputException(option + " " + file + ": the directory " + parent
          + " does not exist or is not writable");
    }
  }
}
