package dev.baton.lab.faults;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * One kind of fault of the fault suite (docs/reliability.md): its name, how it is injected, where
 * it can run, and what it aims at. Kinds are small subclasses listed in {@link Faults#all()}; a new
 * kind is one more class and one more line there.
 *
 * <p>A kind that needs something set up before the group starts (a network namespace per node, a
 * small disk under the SQLite file) says so in {@link #needs()}; the bench sets up what the kinds
 * of a run need, and a kind whose needs were not met does not run.
 *
 * <p>{@link #inject} returns once the fault is over (a paused process continued, a stopped store
 * started again); the bench then waits until the group has settled and judges the recovery.
 */
public abstract class Fault {
  private final String kind;
  private final String store;
  private final Aim aim;
  private final boolean storeDown;
  private final String how;
  private final Set<Setup> needs;

  /** A kind that runs with every store (where what it {@code needs} applies). */
  protected Fault(String kind, Aim aim, boolean storeDown, String how, Setup... needs) {
    this(kind, null, aim, storeDown, how, needs);
  }

  /**
   * @param kind the name the schedule and the tables print, e.g. {@code node-crash}
   * @param store the only store it runs with ({@code postgresql}), or null for every store
   * @param storeDown whether the store is down from {@link Injected#at()} to {@link Injected#restoredAt()}:
   *     nobody may start a service in between, every owner fences, and every service comes back with
   *     a higher epoch (check 8)
   * @param how what it does, for the docs and the log
   * @param needs what the bench must set up before the group starts for this kind to run
   */
  protected Fault(String kind, String store, Aim aim, boolean storeDown, String how, Setup... needs) {
    this.kind = kind;
    this.store = store;
    this.aim = aim;
    this.storeDown = storeDown;
    this.how = how;
    this.needs = Set.of(needs);
  }

  public final String kind() {
    return kind;
  }

  public final Aim aim() {
    return aim;
  }

  public final boolean storeDown() {
    return storeDown;
  }

  public final String how() {
    return how;
  }

  /**
   * Whether this kind runs with {@code store} at all ({@code sqlite}, {@code postgresql} or
   * {@code zookeeper}): its own store, if it names one, and every setup it needs applies there.
   */
  public final boolean runsWith(String store) {
    return storeMatches(store) && needs().stream().allMatch(s -> s.appliesTo(store));
  }

  /** Its own store, if it names one; {@code pair} names both of a pair's, {@code pair} and {@code pair-witness}. */
  private boolean storeMatches(String store) {
    return this.store == null || this.store.equals(store) || this.store.equals("pair") && PairFaults.isPair(store);
  }

  /**
   * What the run must report about this kind besides the checks, e.g. a pair's documented
   * split-brain without a witness; empty for most kinds.
   */
  public List<String> warnings() {
    return List.of();
  }

  /** What the bench must set up before the group starts for this kind to run. */
  public final Set<Setup> needs() {
    return needs;
  }

  /**
   * Why this kind cannot run in {@code context} (another store, a setup it needs that was not made, a
   * mode, a missing tool), or empty. A subclass with conditions of its own adds them to
   * {@code super.unavailable(context)}.
   */
  public Optional<String> unavailable(FaultContext context) {
    if (!storeMatches(context.store())) {
      return Optional.of(store.equals("pair") ? "only with --store pair or pair-witness" : "only with --store " + store);
    }
    for (Setup s : needs()) {
      if (!context.setUp().contains(s)) {
        return Optional.of(s.unavailable(context.store(), context.root()).orElse("the bench did not set up " + s.what));
      }
    }
    return Optional.empty();
  }

  /** Injects the fault on {@code target} and returns once it is over. */
  public abstract Injected inject(FaultContext context, FaultTarget target) throws Exception;

  /**
   * Records the fault ({@code detail} in the checker's log), breaks something, keeps it broken for
   * {@code leases} x lease, then restores it, also when interrupted; returns when the fault began.
   */
  protected final long breakFor(FaultContext context, String detail, double leases, Step breakIt, Step restore)
      throws Exception {
    return outage(context, detail, leases, breakIt, restore).at();
  }

  /**
   * As {@link #breakFor}, for a fault that takes the store down: the outage it returns ends when
   * the restoring begins (noted in the checker's log), since a restarted server or a released lock
   * may serve the agents before the bench can tell.
   */
  protected final Injected outage(FaultContext context, String detail, double leases, Step breakIt, Step restore)
      throws Exception {
    long at = context.checker().fault(kind, detail);
    breakIt.run();
    long restoring;
    try {
      context.hold(leases);
    } finally {
      restoring = context.checker().note("restoring after " + kind);
      restore.run();
    }
    return new Injected(at, restoring);
  }

  /** One step of a fault, e.g. stopping a server. */
  @FunctionalInterface
  protected interface Step {
    void run() throws Exception;
  }

  @Override
  public String toString() {
    return kind;
  }

  /** What the bench sets up before the group starts, only when a kind of the run needs it. */
  public enum Setup {
    /** Every node in a network namespace of its own on a veth pair ({@link Netns}). */
    NETWORK("a network namespace per node"),
    /** Every node's processes in freezer and cpu cgroups of their own ({@link NodeCgroup}). */
    NODE_CGROUPS("a cgroup per node"),
    /** The SQLite file on a small tmpfs of its own ({@link SmallDisk}). */
    SMALL_DISK("a small disk under the SQLite file"),
    /** The PostgreSQL server on a fake wall clock ({@link FakeClock}). */
    STORE_CLOCK("a fake clock for the PostgreSQL server"),
    /** Every node's processes on a fake wall clock of the node's own ({@link FakeClock}). */
    NODE_CLOCKS("a fake clock per node"),
    /** The agents reach the store's servers through a proxy that can delay and reset ({@link StoreProxy}). */
    STORE_PROXY("a proxy before the store"),
    /**
     * The agents bound by file permissions: as root, every node starts without CAP_DAC_OVERRIDE and
     * CAP_DAC_READ_SEARCH (setpriv), as a non-root agent already is.
     */
    FILE_PERMISSIONS("agents bound by file permissions");

    private final String what;

    Setup(String what) {
      this.what = what;
    }

    /** Whether this can be set up with {@code store} at all. */
    public boolean appliesTo(String store) {
      return switch (this) {
        case NETWORK, STORE_PROXY -> !store.equals("sqlite");
        case SMALL_DISK, FILE_PERMISSIONS -> store.equals("sqlite");
        case STORE_CLOCK -> store.equals("postgresql");
        case NODE_CGROUPS, NODE_CLOCKS -> true;
      };
    }

    /** Why this cannot be set up with {@code store} on this machine (a store it does not apply to, no root, a missing tool), or empty. */
    public Optional<String> unavailable(String store, boolean root) {
      if (!appliesTo(store)) {
        return Optional.of(switch (this) {
          case NETWORK -> "a SQLite file cannot be cut off by the network";
          case STORE_PROXY -> "a SQLite file has no connection to delay or reset";
          case SMALL_DISK -> "only a SQLite file lives on a small disk";
          case FILE_PERMISSIONS -> "only a SQLite file can be made unreadable";
          default -> "only the PostgreSQL server runs on a fake clock";
        });
      }
      return Optional.ofNullable(switch (this) {
        case NETWORK -> Netns.unavailableReason();
        case NODE_CGROUPS -> NodeCgroup.unavailable(root);
        case SMALL_DISK -> SmallDisk.unavailable(root);
        case STORE_CLOCK, NODE_CLOCKS -> FakeClock.unavailableReason();
        case STORE_PROXY -> null;
        case FILE_PERMISSIONS -> root && !Processes.onPath("setpriv") ? "`setpriv` is not installed (Debian package util-linux)" : null;
      });
    }
  }

  /** Where a fault aims. */
  public enum Aim {
    /** The owner of a chosen service two times in three, another node otherwise. */
    NODE,
    /** Always the owner (the fault acts on its service process). */
    OWNER,
    /** The store; the target node is only named in the log. */
    STORE,
    /** The whole machine; the target node is only named in the log. */
    MACHINE
  }

  /**
   * When a fault began and when it was over, on the checker's clock ({@link FencingChecker#fault}).
   *
   * @param at when the fault began
   * @param restoredAt when what it broke began to be given back (the store restarting): the end of a store
   *     outage as check 8 judges it, since the agents may reach the store before the bench can tell;
   *     {@code at} for a fault that is over at once
   */
  public record Injected(long at, long restoredAt) {
    public static Injected at(long at) {
      return new Injected(at, at);
    }
  }
}
