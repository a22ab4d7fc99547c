package dev.baton.cli.faults;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A cgroup-v1 freezer cgroup that holds every process of one node (launcher, guardian, agent and
 * its services), for the whole-node freeze. The node's launcher is started through
 * {@link #launchPrefix()}, a shell that moves itself into the cgroup and then execs the launcher, so
 * every process the node forks is born inside it. {@link #close()} removes the cgroup by its
 * recorded path, killing what still runs in it first. Needs root and the freezer hierarchy at
 * {@link #ROOT}.
 */
public final class NodeCgroup implements AutoCloseable {
  public static final Path ROOT = Path.of("/sys/fs/cgroup/freezer");

  private final Path dir;

  private NodeCgroup(Path dir) {
    this.dir = dir;
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

  /** Creates {@code ROOT/name}; the name must be unique to this run (e.g. the run directory's name plus the node's). */
  public static NodeCgroup create(String name) {
    Path dir = ROOT.resolve(name);
    try {
      Files.createDirectory(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the freezer cgroup " + dir + ": " + e.getMessage(), e);
    }
    return new NodeCgroup(dir);
  }

  public Path path() {
    return dir;
  }

  /** Prepended to the launcher's command: moves the shell into this cgroup, then execs the rest. */
  public List<String> launchPrefix() {
    return List.of("sh", "-c", "echo $$ > '" + dir.resolve("cgroup.procs") + "' && exec \"$@\"", "sh");
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

  /** Thaws, SIGKILLs whatever still runs in the cgroup (only this node's processes can be there), and removes it. */
  @Override
  public void close() throws InterruptedException {
    if (!Files.isDirectory(dir)) {
      return;
    }
    thaw();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    List<Long> left = pids();
    while (!left.isEmpty() && System.nanoTime() < deadline) {
      Processes.signal("KILL", left);
      Thread.sleep(50);
      left = pids();
    }
    try {
      Files.delete(dir);
    } catch (IOException e) {
      System.err.println("baton: cannot remove the freezer cgroup " + dir + " (" + e.getMessage() + "); remove it with rmdir");
    }
  }
}
