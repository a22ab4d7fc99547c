package dev.baton.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The shared log that every service process writes {@code epoch node pid start now} lines to
 * (times in wall-clock nanoseconds of this one machine). One process's life is the span from its
 * first to its last line.
 */
final class EpochLog {
  record Life(long epoch, String node, long pid, long firstNanos, long lastNanos) {}

  private final Path file;

  EpochLog(Path file) {
    this.file = file;
  }

  /** Every process that wrote, in order of its first line. */
  List<Life> lives() {
    List<String> lines;
    try {
      lines = Files.exists(file) ? Files.readAllLines(file) : List.of();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Map<Long, Life> byPid = new LinkedHashMap<>();
    for (String line : lines) {
      String[] f = line.trim().split(" ");
      if (f.length != 5) {
        continue; // a line cut short by SIGKILL
      }
      long epoch = Long.parseLong(f[0]);
      long pid = Long.parseLong(f[2]);
      long now = Long.parseLong(f[4]);
      byPid.merge(pid, new Life(epoch, f[1], pid, now, now),
          (a, b) -> new Life(a.epoch(), a.node(), pid, Math.min(a.firstNanos(), now), Math.max(a.lastNanos(), now)));
    }
    List<Life> lives = new ArrayList<>(byPid.values());
    lives.sort(Comparator.comparingLong(Life::firstNanos));
    return lives;
  }

  Life last() {
    List<Life> lives = lives();
    return lives.isEmpty() ? null : lives.get(lives.size() - 1);
  }

  /** The first line written at or after {@code wallNanos} by a process of an epoch above {@code epoch}. */
  Life firstAbove(long epoch) {
    return lives().stream().filter(l -> l.epoch() > epoch).findFirst().orElse(null);
  }

  /**
   * Violations of exclusivity: two processes whose lives overlap, an epoch run on two nodes, or an
   * epoch lower than one before it. Empty when the history is clean.
   */
  List<String> violations() {
    List<String> problems = new ArrayList<>();
    List<Life> lives = lives();
    Life longest = null;
    for (int i = 1; i < lives.size(); i++) {
      Life prev = lives.get(i - 1);
      Life next = lives.get(i);
      if (longest == null || prev.lastNanos() > longest.lastNanos()) {
        longest = prev;
      }
      if (next.firstNanos() <= longest.lastNanos()) {
        problems.add("overlap: " + next + " started before " + longest + " ended");
      }
      // A restart in place keeps its epoch on the same node; anything else must raise it.
      if (next.epoch() < prev.epoch() || next.epoch() == prev.epoch() && !next.node().equals(prev.node())) {
        problems.add("epoch did not grow: " + prev + " then " + next);
      }
    }
    return problems;
  }
}
