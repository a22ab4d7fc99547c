package dev.baton.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Process facts read from /proc: a zombie counts as gone. */
final class Processes {
  private Processes() {}

  static boolean running(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      char state = stat.charAt(stat.lastIndexOf(')') + 2);
      return state != 'Z' && state != 'X';
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * Whether {@code pid} runs and its command line, read whole from /proc (ProcessHandle.Info keeps
   * only its first 4096 bytes), contains {@code mark}.
   */
  static boolean commandLineContains(long pid, String mark) {
    if (pid <= 0 || !running(pid)) {
      return false;
    }
    try {
      return new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")), java.nio.charset.StandardCharsets.UTF_8)
          .contains(mark);
    } catch (IOException e) {
      return false;
    }
  }
}
