package dev.baton.cli.faults;

import java.util.Optional;

/**
 * One kind of fault of the fault suite (docs/reliability.md): what it does, where it can run, and
 * how it is injected. Kinds are small classes listed in {@link Faults#all()}; a new kind is one more
 * class and one more line there.
 *
 * <p>{@link #inject} returns once the fault is over (a paused process continued, a stopped store
 * started again); the bench then waits until the group has settled and judges the recovery.
 */
public interface Fault {
  /** The kind's name as the schedule and the tables print it, e.g. {@code node-crash}. */
  String kind();

  /** What it does, for {@code --help} and the docs. */
  String how();

  /** Why this kind cannot run in {@code context} (another store, a mode, a missing tool or root), or empty. */
  Optional<String> unavailable(FaultContext context);

  /** What it aims at: a node (the owner of a chosen service, or another node), the owner only, or the store. */
  Aim aim();

  /**
   * Whether the store is down from {@link Injected#at()} to {@link Injected#restoredAt()}: nobody
   * may start a service in between (check 8), every owner fences, and every service comes back
   * with a higher epoch.
   */
  default boolean storeDown() {
    return false;
  }

  /** Injects the fault on {@code target} and returns once it is over. */
  Injected inject(FaultContext context, FaultTarget target) throws Exception;

  /** Where a fault aims. */
  enum Aim {
    /** The owner of a chosen service two times in three, another node otherwise. */
    NODE,
    /** Always the owner (the fault acts on its service process). */
    OWNER,
    /** The store; the target node is only named in the log. */
    STORE
  }

  /**
   * When a fault began and when it was over, on the checker's clock ({@link FencingChecker#fault}).
   *
   * @param at when the fault began
   * @param restoredAt when what it broke was given back (the store running again); {@code at} for a fault that is over at once
   */
  record Injected(long at, long restoredAt) {
    public static Injected at(long at) {
      return new Injected(at, at);
    }
  }
}
