package dev.baton.lab.faults;

import dev.baton.core.BatonException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Signals and liveness of processes by pid, tools on the PATH and whether this JVM is root, for the fault injector. */
public final class Processes {
  private Processes() {}

  /**
   * Sends {@code signal} (e.g. {@code STOP}) to every pid with one {@code kill}. Pids of 0 or less
   * are refused: to {@code kill} they mean this process's own group, or every process.
   */
  public static void signal(String signal, List<Long> pids) {
    if (pids.stream().anyMatch(p -> p <= 0)) {
      throw new IllegalArgumentException("refusing to send SIG" + signal + " to " + pids
          + ": kill takes 0 for its own process group and -1 for every process");
    }
    if (pids.isEmpty()) {
      return;
    }
    List<String> command = new ArrayList<>(List.of("kill", "-s", signal, "--"));
    pids.forEach(p -> command.add(Long.toString(p)));
    try {
      new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .start().waitFor(5, TimeUnit.SECONDS);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  public static boolean running(long pid) {
    return pid > 0 && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }

  /**
   * Whether {@code pid} runs and its command line contains {@code mark} (a node's config file or
   * state directory). For pids read from files: by the time one is read, its process may have
   * exited and, with pid_max at 32768 on a busy machine, the pid may be another process's.
   */
  public static boolean runningWith(long pid, String mark) {
    if (!running(pid)) {
      return false;
    }
    // /proc itself, whole: ProcessHandle.Info keeps only the first 4096 bytes of a command line,
    // and a JVM's classpath alone is longer than that.
    try {
      return new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")), StandardCharsets.UTF_8)
          .contains(mark);
    } catch (IOException e) {
      return false;
    }
  }

  /** Waits up to 10 s until none of {@code pids} runs any more. */
  public static void awaitGone(List<Long> pids) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (pids.stream().anyMatch(Processes::running) && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
  }

  /** Whether this JVM runs as root (uid 0). */
  public static boolean isRoot() {
    try {
      return ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).intValue() == 0;
    } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
      return "root".equals(System.getProperty("user.name"));
    }
  }

  /** Whether {@code tool} is an executable on the PATH (or in /usr/sbin or /sbin, where root's tools live). */
  public static boolean onPath(String tool) {
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin").split(":")) {
      if (Files.isExecutable(Path.of(dir, tool))) {
        return true;
      }
    }
    return Files.isExecutable(Path.of("/usr/sbin", tool)) || Files.isExecutable(Path.of("/sbin", tool));
  }

  /** Runs {@code command} (with {@code input} on stdin, if any) and returns its output; throws if it fails. */
  public static String run(List<String> command, String input) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      try (var in = p.getOutputStream()) {
        if (input != null) {
          in.write(input.getBytes(StandardCharsets.UTF_8));
        }
      }
      String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new BatonException("`" + String.join(" ", command) + "` did not finish within 30s");
      }
      if (p.exitValue() != 0) {
        throw new BatonException("`" + String.join(" ", command) + "` failed (exit " + p.exitValue() + "): " + output.strip());
      }
      return output;
    } catch (IOException e) {
      throw new BatonException("cannot run `" + String.join(" ", command) + "`: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BatonException("interrupted while running `" + String.join(" ", command) + "`", e);
    }
  }
}
