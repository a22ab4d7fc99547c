package dev.baton.agent.supervisor;

import dev.baton.agent.config.Containment;
import dev.baton.core.InvalidInputException;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * How the processes of one service are held together, so that all of them end with it however
 * they fork, and how they are found again on this machine (docs/guardian.md, "Containment").
 *
 * <p><b>PID namespace</b> (where the machine allows it): a service's command runs as
 * {@code unshare --pid --fork --kill-child -- tini -g -- COMMAND}. {@code tini} is the new
 * namespace's init; the kernel kills every process of a PID namespace when its init dies, and no
 * process can leave its PID namespace (not by forking twice, not by {@code setsid}). The chain of
 * parent-death signals (guardian or agent, then {@code setpriv --pdeathsig KILL} on
 * {@code unshare}, then {@code --kill-child} on {@code tini}) kills the init when whoever forked
 * the service dies, so nothing of the service outlives it. {@code tini -g} passes a SIGTERM to the
 * service's process group and reaps orphans. It needs CAP_SYS_ADMIN (root) and the {@code tini}
 * program (Debian package {@code tini}).
 *
 * <p><b>Process group</b> (the fallback): the command runs in a session and process group of its
 * own; signals go to the group. A process that calls {@code setsid} (a daemon that double-forks)
 * leaves the group and is not contained: it can outlive the service.
 *
 * <p>Either way, {@link #alive} tells whether anything of a service is left after its main process
 * ended, so that a service counts as stopped, and is released, only once its whole tree is gone.
 */
public final class ServiceTrees {
  /** What the probe runs: the same wrapper as a service, around {@code true}. */
  private static final List<String> PID_NAMESPACE_WRAPPER =
      List.of("unshare", "--pid", "--fork", "--kill-child", "--", "tini", "-g", "--");
  private static final Path PROC = Path.of("/proc");

  private final boolean namespaces;
  private final String reason;

  private ServiceTrees(boolean namespaces, String reason) {
    this.namespaces = namespaces;
    this.reason = reason;
  }

  /** Process groups, without probing: for tests and in-process services. */
  public static ServiceTrees processGroups() {
    return new ServiceTrees(false, "process-group by choice");
  }

  /**
   * What {@code configured} asks for, as far as this machine allows: probes once whether a PID
   * namespace can be made here.
   *
   * @throws InvalidInputException when {@code pid-namespace} is configured and cannot be had (the message
   *     says why and what to do)
   */
  public static ServiceTrees choose(Containment configured) {
    if (configured == Containment.PROCESS_GROUP) {
      return processGroups();
    }
    Optional<String> missing = probePidNamespace();
    if (missing.isEmpty()) {
      return new ServiceTrees(true, "pid-namespace");
    }
    if (configured == Containment.PID_NAMESPACE) {
      throw new InvalidInputException("containment: pid-namespace is configured, but this machine cannot give a service a"
          + " PID namespace: " + missing.get() + "; run the agent as root with tini installed (Debian package tini),"
          + " or set containment: process-group");
    }
    return new ServiceTrees(false, "process-group, because no PID namespace can be made here: " + missing.get());
  }

  /** Why a PID namespace cannot be made here, or empty when it can. */
  public static Optional<String> probePidNamespace() {
    List<String> command = new ArrayList<>(PID_NAMESPACE_WRAPPER);
    command.add("true");
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      if (!p.waitFor(5, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return Optional.of("'" + String.join(" ", command) + "' did not finish within 5s");
      }
      String out = new String(p.getInputStream().readAllBytes()).strip();
      return p.exitValue() == 0 ? Optional.empty()
          : Optional.of("'" + String.join(" ", command) + "' failed (exit " + p.exitValue() + ": " + out + ")");
    } catch (IOException e) {
      return Optional.of("cannot run unshare: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.of("interrupted while probing");
    }
  }

  /** Whether each service gets a PID namespace of its own. */
  public boolean namespaces() {
    return namespaces;
  }

  /** For logs and {@code validate}: what is used, and why when it is not a PID namespace. */
  public String describe() {
    return reason;
  }

  /** The service's command, wrapped so that its processes are held together. */
  List<String> wrap(List<String> command) {
    if (!namespaces) {
      return command;
    }
    List<String> wrapped = new ArrayList<>(PID_NAMESPACE_WRAPPER);
    wrapped.addAll(command);
    return wrapped;
  }

  /**
   * Whether a process of the leader's process group is still alive (a zombie is not). A PID
   * namespace is not looked at: its inode is reused once it is freed, so it cannot name a service;
   * the namespace's end is the kernel's, once its init (a member of the group) is gone.
   */
  static boolean alive(long leader) {
    try (DirectoryStream<Path> procs = Files.newDirectoryStream(PROC, p -> isPid(p.getFileName().toString()))) {
      for (Path p : procs) {
        if (inGroup(p, leader)) {
          return true;
        }
      }
      return false;
    } catch (IOException e) {
      return false; // no /proc: nothing to look at
    }
  }

  /**
   * SIGKILLs what runs right under a service's main process: in a PID namespace the command (the
   * namespace's pid 2) and {@code tini} (the namespace's init), then the command's process group (a
   * wrapper script and the program it runs); with a process group, the leader's children.
   * Killing them at once, rather than leaving it to the kernel to empty the namespace once
   * {@code tini} died, ends the service in one step, which counts on a node whose CPU is starved or
   * that was just thawed (each step of a throttled exit takes its turn). The caller kills the main
   * process and its group after this; processes that left the command's group die with the
   * namespace.
   */
  public static void killInner(long leader) {
    List<Long> groups = killInnerAtOnce(leader);
    if (!groups.isEmpty()) {
      Supervisor.signalGroups(groups, "KILL");
    }
  }

  /**
   * The part of {@link #killInner} that forks nothing: SIGKILLs the command and {@code tini} (or the
   * leader's children) by pid, and returns the process groups still to be killed with one
   * {@code kill} (a wrapper's workers in the command's group). A caller that ends several services
   * at once runs this for each before it forks once for all their groups, so that no service waits
   * a fork-and-exec per service before it.
   */
  public static List<Long> killInnerAtOnce(long leader) {
    List<Long> inits = children(leader);
    List<Long> commands = new ArrayList<>();
    inits.forEach(init -> commands.addAll(children(init)));
    commands.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
    inits.forEach(init -> ProcessHandle.of(init).ifPresent(ProcessHandle::destroyForcibly));
    return commands;
  }

  /** The children of {@code pid}, from {@code /proc/PID/task/PID/children}; none when it is gone. */
  private static List<Long> children(long pid) {
    try {
      String text = Files.readString(PROC.resolve(pid + "/task/" + pid + "/children")).trim();
      List<Long> pids = new ArrayList<>();
      for (String word : text.isEmpty() ? new String[0] : text.split(" ")) {
        pids.add(Long.parseLong(word));
      }
      return pids;
    } catch (IOException | RuntimeException e) {
      return List.of();
    }
  }

  /** Whether {@code pid} has ended: it is gone, or a zombie waiting to be reaped. */
  static boolean ended(long pid) {
    try {
      String stat = Files.readString(PROC.resolve(pid + "/stat"));
      return stat.charAt(stat.lastIndexOf(')') + 2) == 'Z';
    } catch (IOException | RuntimeException e) {
      return true;
    }
  }

  private static boolean inGroup(Path proc, long pgid) {
    try {
      String stat = Files.readString(proc.resolve("stat"));
      // pid (comm) state ppid pgrp ...: comm may hold spaces and parentheses, so split after the last ')'
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return !fields[0].equals("Z") && Long.parseLong(fields[2]) == pgid;
    } catch (IOException | RuntimeException e) {
      return false; // gone meanwhile
    }
  }

  private static boolean isPid(String name) {
    return !name.isEmpty() && name.chars().allMatch(Character::isDigit);
  }
}
