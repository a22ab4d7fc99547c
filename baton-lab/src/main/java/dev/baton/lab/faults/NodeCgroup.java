package dev.baton.lab.faults;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The cgroups that hold every process of one node (launcher, guardian, agent and its services'
 * whole trees, leaders and workers): one to freeze the node, and one for a CPU quota where the cpu
 * controller is there. Works on cgroup v2 (the unified hierarchy, the default of current
 * distributions: {@code cgroup.freeze} and {@code cpu.max} in one cgroup) and on cgroup v1 (the
 * freezer hierarchy's {@code freezer.state}, the cpu hierarchy's CFS quota); where both are mounted
 * (a hybrid machine) the v1 controllers are used, since a controller bound to v1 is missing from
 * v2. Where each hierarchy is mounted is read from {@code /proc/self/mountinfo} ({@link Mounts}).
 * The node's launcher is started through {@link #launchPrefix()}, a shell that moves itself into the
 * cgroups and then execs the launcher, so every process the node forks is born inside them (a PID
 * namespace does not change a process's cgroups). {@link #close()} removes the cgroups by their
 * recorded paths, killing what still runs in them first. Needs root.
 */
public final class NodeCgroup implements AutoCloseable {
  private static final long CPU_PERIOD_MICROS = 100_000;

  /**
   * The cgroup mounts of this machine: the v1 freezer and cpu hierarchies and the v2 (unified)
   * hierarchy, each null when not mounted.
   */
  public record Mounts(Path freezerV1, Path cpuV1, Path unified) {
    /** Reads {@code /proc/self/mountinfo}. */
    public static Mounts read() {
      try {
        return parse(Files.readAllLines(Path.of("/proc/self/mountinfo")));
      } catch (IOException e) {
        return new Mounts(null, null, null);
      }
    }

    /**
     * Parses mountinfo lines ({@code ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [TAGS...] - FSTYPE SOURCE
     * SUPEROPTIONS}): a {@code cgroup} mount whose super options name {@code freezer} or {@code cpu},
     * and the first {@code cgroup2} mount.
     */
    static Mounts parse(List<String> lines) {
      Path freezer = null;
      Path cpu = null;
      Path unified = null;
      for (String line : lines) {
        String[] f = line.split(" ");
        int dash = Arrays.asList(f).indexOf("-");
        if (dash < 5 || f.length < dash + 4) {
          continue;
        }
        Path mountPoint = Path.of(f[4].replace("\\040", " "));
        List<String> options = Arrays.asList(f[dash + 3].split(","));
        if (f[dash + 1].equals("cgroup2") && unified == null) {
          unified = mountPoint;
        } else if (f[dash + 1].equals("cgroup")) {
          if (options.contains("freezer") && freezer == null) {
            freezer = mountPoint;
          }
          if (options.contains("cpu") && cpu == null) {
            cpu = mountPoint;
          }
        }
      }
      return new Mounts(freezer, cpu, unified);
    }

    /** Where the node's freezing cgroups go: the v1 freezer when writable, else the v2 hierarchy, else null. */
    Path freezeRoot() {
      if (freezerV1 != null && Files.isWritable(freezerV1.resolve("cgroup.procs"))) {
        return freezerV1;
      }
      return unified != null && Files.isWritable(unified.resolve("cgroup.procs")) ? unified : null;
    }

    /**
     * Where the node's cpu cgroups go: the v1 cpu hierarchy with CFS quotas, else the v2 one when
     * its {@code cgroup.subtree_control} passes the cpu controller on to child cgroups, else null.
     * On v2 it enables the controller there ({@code +cpu}) when the hierarchy has it but does not
     * pass it on; the kernel refuses that where the hierarchy's top is not the machine's root and
     * holds processes itself (a container's cgroup namespace), and then there is no quota.
     */
    Path cpuRoot() {
      if (cpuV1 != null && Files.isWritable(cpuV1.resolve("cgroup.procs")) && Files.exists(cpuV1.resolve("cpu.cfs_quota_us"))) {
        return cpuV1;
      }
      if (unified == null || !Files.isWritable(unified.resolve("cgroup.subtree_control"))) {
        return null;
      }
      try {
        if (words(unified.resolve("cgroup.subtree_control")).contains("cpu")) {
          return unified;
        }
        if (words(unified.resolve("cgroup.controllers")).contains("cpu")) {
          Files.writeString(unified.resolve("cgroup.subtree_control"), "+cpu");
          return unified;
        }
      } catch (IOException e) {
        return null;
      }
      return null;
    }

    private static List<String> words(Path file) throws IOException {
      return Arrays.asList(Files.readString(file).trim().split("\\s+"));
    }

    boolean v2(Path root) {
      return root != null && root.equals(unified);
    }
  }

  private final Path dir;
  private final boolean freezeV2;
  /** The node's cpu cgroup (the same as {@link #dir} on v2), or null where no cpu controller can be had. */
  private final Path cpuDir;
  private final boolean cpuV2;

  private NodeCgroup(Path dir, boolean freezeV2, Path cpuDir, boolean cpuV2) {
    this.dir = dir;
    this.freezeV2 = freezeV2;
    this.cpuDir = cpuDir;
    this.cpuV2 = cpuV2;
  }

  /** Why no freezing cgroup can be made here, or null when one can. */
  public static String unavailable(boolean root) {
    if (!root) {
      return "needs root (cgroups)";
    }
    Mounts m = Mounts.read();
    if (m.freezeRoot() == null) {
      return "needs the cgroup-v1 freezer hierarchy or a cgroup-v2 hierarchy, writable (mounted: " + m + ")";
    }
    return null;
  }

  /** Why no cpu cgroup can be made here (so no CPU quota can be set on a node), or null when one can. */
  public static String cpuUnavailable(boolean root) {
    if (!root) {
      return "needs root (cgroup cpu controller)";
    }
    Mounts m = Mounts.read();
    if (m.cpuRoot() == null) {
      return "needs the cgroup-v1 cpu hierarchy with CFS quotas, or the cpu controller in the cgroup-v2 root's"
          + " cgroup.controllers (mounted: " + m + ")";
    }
    return null;
  }

  /**
   * Creates the node's cgroups under this machine's hierarchies; the name must be unique to this run
   * (e.g. the run directory's name plus the node's).
   */
  public static NodeCgroup create(String name) {
    return create(name, Mounts.read());
  }

  /** Creates the node's cgroups under {@code mounts}' hierarchies (a test picks v2 on a hybrid machine). */
  static NodeCgroup create(String name, Mounts mounts) {
    Path freezeRoot = mounts.freezeRoot();
    if (freezeRoot == null) {
      throw new IllegalStateException("cannot create the cgroups of " + name + ": no freezer (mounted: " + mounts + ")");
    }
    Path cpuRoot = mounts.cpuRoot();
    Path dir = freezeRoot.resolve(name);
    Path cpuDir = cpuRoot == null ? null : cpuRoot.resolve(name);
    try {
      Files.createDirectory(dir);
      if (cpuDir != null && !cpuDir.equals(dir)) {
        Files.createDirectory(cpuDir);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the cgroups of " + name + ": " + e.getMessage(), e);
    }
    return new NodeCgroup(dir, mounts.v2(freezeRoot), cpuDir, mounts.v2(cpuRoot));
  }

  /** The freezing cgroup. */
  public Path path() {
    return dir;
  }

  /** The cpu cgroup, or null. */
  public Path cpuPath() {
    return cpuDir;
  }

  private List<Path> dirs() {
    Set<Path> dirs = new LinkedHashSet<>();
    dirs.add(dir);
    if (cpuDir != null) {
      dirs.add(cpuDir);
    }
    return List.copyOf(dirs);
  }

  /** Prepended to the launcher's command: moves the shell into these cgroups, then execs the rest. */
  public List<String> launchPrefix() {
    List<String> joins = new ArrayList<>();
    dirs().forEach(d -> joins.add("echo $$ > '" + d.resolve("cgroup.procs") + "'"));
    return List.of("sh", "-c", String.join(" && ", joins) + " && exec \"$@\"", "sh");
  }

  /** Limits the node's processes together to {@code cpus} CPUs (e.g. 0.02: 2 ms of every 100 ms). */
  public void limitCpu(double cpus) {
    long quota = Math.max(1000, Math.round(cpus * CPU_PERIOD_MICROS));
    if (cpuV2) {
      writeCpu("cpu.max", quota + " " + CPU_PERIOD_MICROS);
    } else {
      writeCpu("cpu.cfs_period_us", Long.toString(CPU_PERIOD_MICROS));
      writeCpu("cpu.cfs_quota_us", Long.toString(quota));
    }
  }

  /** Lifts the node's CPU quota. */
  public void unlimitCpu() {
    if (cpuV2) {
      writeCpu("cpu.max", "max " + CPU_PERIOD_MICROS);
    } else {
      writeCpu("cpu.cfs_quota_us", "-1");
    }
  }

  private void writeCpu(String file, String value) {
    if (cpuDir == null) {
      throw new IllegalStateException("node cgroup " + dir.getFileName() + " has no cpu cgroup: " + cpuUnavailable(true));
    }
    try {
      Files.writeString(cpuDir.resolve(file), value);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + value + " to " + cpuDir.resolve(file) + ": " + e.getMessage(), e);
    }
  }

  /** Freezes every process of the node; returns once the kernel reports it frozen (or after 10 s). */
  public void freeze() throws InterruptedException {
    setFrozen(true);
  }

  /** Thaws the node; returns once the kernel reports it thawed (or after 10 s). */
  public void thaw() throws InterruptedException {
    setFrozen(false);
  }

  /** v1: write FROZEN or THAWED to freezer.state until it reads back; v2: write 1 or 0 to cgroup.freeze until cgroup.events says so. */
  private void setFrozen(boolean frozen) throws InterruptedException {
    Path file = dir.resolve(freezeV2 ? "cgroup.freeze" : "freezer.state");
    String value = freezeV2 ? (frozen ? "1" : "0") : (frozen ? "FROZEN" : "THAWED");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    try {
      Files.writeString(file, value);
      while (!reportsFrozen(frozen) && System.nanoTime() < deadline) {
        Thread.sleep(5);
        if (!freezeV2) {
          Files.writeString(file, value); // v1 may stay FREEZING; writing again retries
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot set " + file + " to " + value + ": " + e.getMessage(), e);
    }
  }

  private boolean reportsFrozen(boolean frozen) throws IOException {
    if (freezeV2) {
      return Files.readAllLines(dir.resolve("cgroup.events")).contains("frozen " + (frozen ? 1 : 0));
    }
    return Files.readString(dir.resolve("freezer.state")).trim().equals(frozen ? "FROZEN" : "THAWED");
  }

  /** The pids in the freezing cgroup now, as the machine numbers them. */
  public List<Long> pids() {
    return pids(dir);
  }

  private static List<Long> pids(Path d) {
    try {
      return Files.readAllLines(d.resolve("cgroup.procs")).stream().filter(l -> !l.isBlank()).map(Long::parseLong).toList();
    } catch (IOException e) {
      return List.of();
    }
  }

  /**
   * Checks that each of {@code pids} is in every cgroup of the node (a pid already gone is skipped:
   * it cannot escape); throws naming the first that is not, so a freeze or a quota never misses a
   * part of a service's tree.
   */
  public void requireHolds(String what, List<Long> pids) {
    for (Path d : dirs()) {
      List<Long> in = pids(d);
      for (long pid : pids) {
        if (!in.contains(pid) && Files.exists(Path.of("/proc", Long.toString(pid)))) {
          throw new IllegalStateException(what + ": pid " + pid + " is not in the node's cgroup " + d
              + ", so it would not be frozen or starved with its node");
        }
      }
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
    List<Long> left = dirs().stream().flatMap(d -> pids(d).stream()).distinct().toList();
    while (!left.isEmpty() && System.nanoTime() < deadline) {
      Processes.signal("KILL", left);
      Thread.sleep(50);
      left = dirs().stream().flatMap(d -> pids(d).stream()).distinct().toList();
    }
    for (Path d : dirs()) {
      try {
        Files.delete(d);
      } catch (IOException e) {
        System.err.println("baton: cannot remove the cgroup " + d + " (" + e.getMessage() + "); remove it with rmdir");
      }
    }
  }
}
