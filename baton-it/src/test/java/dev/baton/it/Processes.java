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
}
