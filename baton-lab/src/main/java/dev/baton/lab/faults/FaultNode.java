package dev.baton.lab.faults;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** One node of the group under test, as the faults act on it: its processes, and its freezer cgroup if it has one. */
public interface FaultNode {
  String name();

  /** The node's live processes: agent, guardian and launcher, as far as they run. */
  List<Long> pids();

  /** The agent of the moment, or 0 when none runs. */
  long agentPid();

  /** The guardian of the moment, or 0 when none runs. */
  long guardianPid();

  /**
   * An operator verb through this node's HTTP API, e.g. {@code POST /v1/services/S/move}; returns
   * the answer in a line ({@code 200 ...}, or the error the API or the connection gave).
   */
  String operator(String method, String path, Object body);

  /** SIGKILL of launcher, guardian and agent at once, as a crash of the machine; returns when they are gone. */
  void kill();

  /** Starts the node again (same name and config). */
  void start();

  /** The freezer cgroup that holds every process of the node, when the bench made one. */
  Optional<NodeCgroup> cgroup();

  /** The network namespace the node runs in, when the bench put it in one. */
  default Optional<Netns.Host> netns() {
    return Optional.empty();
  }

  /** Where the node's hot-backup pair member listens for its peer, when the group is a pair. */
  default Optional<String> pairAddress() {
    return Optional.empty();
  }

  /** The node's network namespace, for a fault that needs one. */
  default Netns.Host requireNetns() {
    return netns().orElseThrow(() -> new IllegalStateException("node " + name() + " has no network namespace"));
  }

  /** The file the node's launcher, guardian and agent write their output to. */
  Path log();

  /** The fake wall clock every process of the node reads, when the bench gave it one. */
  default Optional<FakeClock> clock() {
    return Optional.empty();
  }

  /** The node's fake clock, for a fault that needs one. */
  default FakeClock requireClock() {
    return clock().orElseThrow(() -> new IllegalStateException("node " + name() + " has no fake clock"));
  }

  /** The node's cgroups, for a fault that needs them. */
  default NodeCgroup requireCgroup() {
    return cgroup().orElseThrow(() -> new IllegalStateException("node " + name() + " has no cgroup"));
  }
}
