package dev.baton.lab.bench;

import dev.baton.core.Durations;
import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Progress of a long benchmark, on stderr, only when it is a terminal (a pipe or a log file gets
 * nothing): after each step a line such as {@code [bench faults] 12/60 (20%), 3m05s elapsed, about
 * 12m20s left}. The estimate is the mean time per step so far times the steps left.
 */
final class Progress {
  private final String name;
  private final int total;
  private final long began = System.nanoTime();
  private final PrintStream err;
  private int done;

  Progress(String name, int total) {
    this(name, total, System.console() != null ? System.err : null);
  }

  /** @param err where to write, or null for nothing */
  Progress(String name, int total, PrintStream err) {
    this.name = name;
    this.total = total;
    this.err = err;
  }

  /** Sleeps through {@code window} (a measuring window), showing its progress in tenths. */
  static void sleep(String name, Duration window) throws InterruptedException {
    sleep(new Progress(name, 10), window);
  }

  /** Sleeps through {@code window}, one step of {@code tenths} (of 10 steps) per tenth. */
  static void sleep(Progress tenths, Duration window) throws InterruptedException {
    long began = System.nanoTime();
    for (int i = 1; i <= tenths.total; i++) {
      long left = began + window.toNanos() * i / tenths.total - System.nanoTime();
      if (left > 0) {
        TimeUnit.NANOSECONDS.sleep(left);
      }
      tenths.step();
    }
  }

  /** One more step done. */
  void step() {
    done++;
    if (err != null) {
      err.println(line(Duration.ofNanos(System.nanoTime() - began)));
      err.flush();
    }
  }

  String line(Duration elapsed) {
    String left = done == 0 || done >= total ? "" : ", about " + Durations.format(round(elapsed.multipliedBy(total - done)
        .dividedBy(done))) + " left";
    return "[" + name + "] " + done + "/" + total + " (" + (done * 100 / Math.max(1, total)) + "%), "
        + Durations.format(round(elapsed)) + " elapsed" + left;
  }

  private static Duration round(Duration d) {
    return Duration.ofSeconds(Math.max(0, Math.round(d.toMillis() / 1000.0)));
  }
}
