package dev.baton.lab.faults;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The cgroup-v1 cgroups that hold every process of one node (launcher, guardian, agent and its
 * services): a freezer cgroup, for the whole-node freeze, and a cpu cgroup where that hierarchy
 * exists, for a CPU quota. The node's launcher is started through {@link #launchPrefix()}, a shell
 * that moves itself into the cgroups and then execs the launcher, so every process the node forks
 * is born inside them. {@link #close()} removes the cgroups by their recorded paths, killing what
 * still runs in them first. Needs root and the freezer hierarchy at {@link #ROOT}.
 */
public final class NodeCgroup implements AutoCloseable {
  public static final Path ROOT = Path.of("/sys/fs/cgroup/freezer");
  public static final Path CPU_ROOT = Path.of("/sys/fs/cgroup/cpu");
  private static final long CPU_PERIOD_MICROS = 100_000;

  private final Path dir;
  /** The node's cpu cgroup, or null where the cpu hierarchy is missing. */
  private final Path cpuDir;

  private NodeCgroup(Path dir, Path cpuDir) {
    this.dir = dir;
    this.cpuDir = cpuDir;
  }

  /** Why no freezer cgroup can be made here, or null when one can. */
  public static String unavailable(boolean root) {
    if (!root) {
      return "needs root (cgroup-v1 freezer)";
    }
    if (!Files.isWritable(ROOT.resolve("cgroup.procs"))) {
      return "needs the cgroup-v1 freezer hierarchy at " + ROOT;
    }
    return null;
  }

  /** Why no cpu cgroup can be made here (so no CPU quota can be set on a node), or null when one can. */
  public static String cpuUnavailable(boolean root) {
    if (!root) {
      return "needs root (cgroup-v1 cpu controller)";
    }
    if (!Files.isWritable(CPU_ROOT.resolve("cgroup.procs")) || !Files.exists(CPU_ROOT.resolve("cpu.cfs_quota_us"))) {
      return "needs the cgroup-v1 cpu hierarchy with CFS quotas at " + CPU_ROOT;
    }
    return null;
  }

  /**
   * Creates {@code ROOT/name}, and {@code CPU_ROOT/name} where that hierarchy exists; the name must
   * be unique to this run (e.g. the run directory's name plus the node's).
   */
  public static NodeCgroup create(String name) {
    Path dir = ROOT.resolve(name);
    Path cpuDir = cpuUnavailable(true) == null ? CPU_ROOT.resolve(name) : null;
    try {
      Files.createDirectory(dir);
      if (cpuDir != null) {
        Files.createDirectory(cpuDir);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the cgroups of " + name + ": " + e.getMessage(), e);
    }
    return new NodeCgroup(dir, cpuDir);
  }

  public Path path() {
    return dir;
  }

  /** Prepended to the launcher's command: moves the shell into these cgroups, then execs the rest. */
  public List<String> launchPrefix() {
    String join = "echo $$ > '" + dir.resolve("cgroup.procs") + "'"
        + (cpuDir == null ? "" : " && echo $$ > '" + cpuDir.resolve("cgroup.procs") + "'");
    return List.of("sh", "-c", join + " && exec \"$@\"", "sh");
  }

  /** Limits the node's processes together to {@code cpus} CPUs (e.g. 0.02: 2 ms of every 100 ms). */
  public void limitCpu(double cpus) {
    writeCpu("cpu.cfs_period_us", Long.toString(CPU_PERIOD_MICROS));
    writeCpu("cpu.cfs_quota_us", Long.toString(Math.max(1000, Math.round(cpus * CPU_PERIOD_MICROS))));
  }

  /** Lifts the node's CPU quota. */
  public void unlimitCpu() {
    writeCpu("cpu.cfs_quota_us", "-1");
  }

  private void writeCpu(String file, String value) {
    if (cpuDir == null) {
      throw new IllegalStateException("node cgroup " + dir.getFileName() + " has no cpu cgroup: "
          + cpuUnavailable(true));
    }
    try {
      Files.writeString(cpuDir.resolve(file), value);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + value + " to " + cpuDir.resolve(file) + ": " + e.getMessage(), e);
    }
  }

  /** Freezes every process of the node; returns once the kernel reports FROZEN (or after 10 s). */
  public void freeze() throws InterruptedException {
    setState("FROZEN");
  }

  /** Thaws the node; returns once the kernel reports THAWED (or after 10 s). */
  public void thaw() throws InterruptedException {
    setState("THAWED");
  }

  private void setState(String state) throws InterruptedException {
    Path file = dir.resolve("freezer.state");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    try {
      Files.writeString(file, state);
      while (!Files.readString(file).trim().equals(state) && System.nanoTime() < deadline) {
        Thread.sleep(5);
        Files.writeString(file, state);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot set " + file + " to " + state + ": " + e.getMessage(), e);
    }
  }

  /** The pids in the cgroup now. */
  public List<Long> pids() {
    try {
      return Files.readAllLines(dir.resolve("cgroup.procs")).stream().filter(l -> !l.isBlank()).map(Long::parseLong).toList();
    } catch (IOException e) {
      return List.of();
    }
  }

  /** Thaws, SIGKILLs whatever still runs in the cgroups (only this node's processes can be there), and removes them. */
  @Override
  public void close() throws InterruptedException {
    if (!Files.isDirectory(dir)) {
      return;
    }
    thaw();
    if (cpuDir != null && Files.isDirectory(cpuDir)) {
      unlimitCpu();
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    List<Long> left = pids();
    while (!left.isEmpty() && System.nanoTime() < deadline) {
      Processes.signal("KILL", left);
      Thread.sleep(50);
      left = pids();
    }
    for (Path d : cpuDir == null ? List.of(dir) : List.of(dir, cpuDir)) {
      try {
        Files.delete(d);
      } catch (IOException e) {
        System.err.println("baton: cannot remove the cgroup " + d + " (" + e.getMessage() + "); remove it with rmdir");
      }
    }
  }
}
