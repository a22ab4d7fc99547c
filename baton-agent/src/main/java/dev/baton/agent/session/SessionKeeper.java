package dev.baton.agent.session;

import dev.baton.agent.config.Timing;
import dev.baton.core.ConflictException;
import dev.baton.core.Durations;
import dev.baton.core.MonotonicClock;
import dev.baton.core.ServiceName;
import dev.baton.core.Threads;
import dev.baton.core.store.NodeInfo;
import dev.baton.core.store.NodeRecord;
import dev.baton.core.store.Observed;
import dev.baton.core.store.ProviderStatus;
import dev.baton.core.store.SessionId;
import dev.baton.core.store.SessionLostException;
import dev.baton.core.store.SessionState;
import dev.baton.core.store.Store;
import dev.baton.core.store.StoreException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps this node's session alive and fences the node when it cannot.
 *
 * <p>The fence is measured on the monotonic clock from the moment the last successful renewal was
 * <em>sent</em>: at {@link Timing#terminateAfter()} the services get SIGTERM, at
 * {@link Timing#killAfter()} SIGKILL and the session is abandoned for good (never renewed again,
 * closed when the store answers), so that a one-way cut cannot keep it alive while its services
 * are gone. A renewal is never sent past the kill deadline, and a renewal sent before it but
 * answered after it was fenced counts for nothing. The fence runs on its own thread, so a hanging
 * store call cannot delay it.
 *
 * <p>Thread-safe. Listener calls happen on the keeper's threads without its lock held.
 */
public final class SessionKeeper implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SessionKeeper.class);
  /** How often the fence looks while there is no session (one may open at any moment). */
  private static final long FENCE_TICK_MILLIS = 20;
  /**
   * The longest the fence sleeps with a session: it wakes when its next stage falls due, computed
   * from the last renewal sent, and at least this often. A renewal only moves the stages later, so
   * waking on the old schedule is early, never late. (It used to look every 20 ms: 50 wake-ups a
   * second, about 0.7% of a core of an idle node, docs/performance.md "Footprint".)
   */
  private static final long FENCE_MAX_SLEEP_MILLIS = 250;
  private static final long RETRY_MILLIS = 100;

  public interface Listener {
    void sessionOpened(SessionId session);

    /** The fence's first stage: stop services gracefully. */
    void terminate(SessionId session, String why);

    /** The session's rights are gone: kill every service now. */
    void kill(SessionId session, String why);

    /**
     * A renewal (or the opening) of {@code session} sent at {@code sentNanos} succeeded: the
     * node's kill deadline is now {@code sentNanos + timing.killAfter()}. Called on the heartbeat
     * thread right after the answer; must be quick.
     */
    default void renewed(SessionId session, long sentNanos) {}
  }

  enum Health { NONE, HELD, AT_RISK }

  private final Store store;
  private final NodeInfo node;
  private final Timing timing;
  // The fence's deadlines in nanoseconds, worked out once: the fence looks at them every 20 ms.
  private final long terminateAfterNanos;
  private final long killAfterNanos;
  private final MonotonicClock clock;
  private final Supplier<Map<ServiceName, ProviderStatus>> providers;
  private final Listener listener;
  private final String tag;
  private final ScheduledExecutorService heartbeat;
  private final ScheduledExecutorService fence;

  // Guarded by this.
  private SessionId session;
  private long lastSentNanos;
  private boolean terminated;
  private SessionId abandoned;
  private long failingSinceNanos = -1;
  /** Set by {@link #closeSession}: the node is leaving, so no session is opened again. */
  private boolean leaving;

  public SessionKeeper(Store store, NodeInfo node, Timing timing, MonotonicClock clock,
      Supplier<Map<ServiceName, ProviderStatus>> providers, Listener listener) {
    this.store = store;
    this.node = node;
    this.timing = timing;
    this.terminateAfterNanos = timing.terminateAfter().toNanos();
    this.killAfterNanos = timing.killAfter().toNanos();
    this.clock = clock;
    this.providers = providers;
    this.listener = listener;
    this.tag = "[node=" + node.name() + "]";
    this.heartbeat = Executors.newSingleThreadScheduledExecutor(Threads.named("baton-heartbeat-" + node.name()));
    this.fence = Executors.newSingleThreadScheduledExecutor(Threads.named("baton-fence-" + node.name()));
  }

  /**
   * Opens the first session, waiting while a previous session of this node name could still be
   * alive (this node's previous run, killed): it must stay unrenewed for a full lease first, the
   * longer of this node's lease and the one recorded with that session (the previous run may have
   * had another timing). {@code patience} is counted as if that session had this node's lease: a
   * longer lease extends it by the difference.
   *
   * @throws ConflictException if another agent keeps renewing a session under this node name
   */
  public void open(Duration patience) {
    long deadline = clock.nanos() + patience.toNanos();
    Observed waitingFor = null;
    long waitingSince = 0;
    Duration required = timing.lease();
    while (true) {
      Optional<NodeRecord> previous = store.snapshot().node(node.name());
      Observed replacing = null;
      if (previous.isPresent() && previous.get().state() == SessionState.LIVE) {
        NodeRecord p = previous.get();
        Observed seen = new Observed(p.session(), p.renewals());
        if (waitingFor == null) {
          required = p.leaseAtLeast(timing.lease());
          LOG.info("{} node name {} still has session {} open (a previous run of this node, or another agent with the same name); "
              + "waiting until it has not been renewed for a full lease ({})", tag, node.name(), p.session(),
              Durations.format(required));
          waitingFor = seen;
          waitingSince = clock.nanos();
          deadline += required.minus(timing.lease()).toNanos();
        } else if (!seen.equals(waitingFor)) {
          throw new ConflictException("another agent is running as node " + node.name()
              + ": its session " + p.session() + " keeps being renewed; stop it or give this node another node.name");
        }
        if (clock.nanos() - waitingSince < required.toNanos()) {
          if (clock.nanos() > deadline) {
            throw new ConflictException("gave up waiting for the previous session of node " + node.name() + " to expire");
          }
          sleepQuietly(timing.heartbeat().toMillis() / 2);
          continue;
        }
        replacing = seen;
      }
      long sent = clock.nanos();
      SessionId opened = store.openSession(node, providers.get(), replacing);
      synchronized (this) {
        session = opened;
        lastSentNanos = sent;
        terminated = false;
      }
      LOG.info("{} joined the group with session {}", tag, opened);
      listener.renewed(opened, sent);
      listener.sessionOpened(opened);
      return;
    }
  }

  /**
   * Carries on with {@code session}, opened by a previous run of this agent, instead of opening
   * one: the caller has just renewed it successfully, having sent that renewal at
   * {@code sentNanos}. Call before {@link #start()}, instead of {@link #open}.
   */
  public void adopt(SessionId session, long sentNanos) {
    synchronized (this) {
      this.session = session;
      lastSentNanos = sentNanos;
      terminated = false;
    }
    LOG.info("{} carries on with session {} of its previous run", tag, session);
    listener.renewed(session, sentNanos);
  }

  public void start() {
    heartbeat.schedule(this::loop, timing.heartbeat().toMillis(), TimeUnit.MILLISECONDS);
    fence.schedule(this::fenceLoop, FENCE_TICK_MILLIS, TimeUnit.MILLISECONDS);
  }

  /** One look of the fence, then the next: when its next stage falls due. */
  private void fenceLoop() {
    long delayNanos = TimeUnit.MILLISECONDS.toNanos(FENCE_TICK_MILLIS);
    try {
      checkFence();
      delayNanos = nextFenceLookNanos();
    } finally {
      try {
        fence.schedule(this::fenceLoop, delayNanos, TimeUnit.NANOSECONDS);
      } catch (java.util.concurrent.RejectedExecutionException e) {
        // closed
      }
    }
  }

  /** Until the fence's next stage is due (SIGTERM, then SIGKILL), at most {@link #FENCE_MAX_SLEEP_MILLIS}. */
  private synchronized long nextFenceLookNanos() {
    if (session == null) {
      return TimeUnit.MILLISECONDS.toNanos(FENCE_TICK_MILLIS);
    }
    long since = clock.nanos() - lastSentNanos;
    long due = (terminated ? killAfterNanos : terminateAfterNanos) - since;
    return Math.max(100_000, Math.min(due, TimeUnit.MILLISECONDS.toNanos(FENCE_MAX_SLEEP_MILLIS)));
  }

  /** The session this node may act under now, or null. */
  public synchronized SessionId session() {
    return session;
  }

  /**
   * Whether the node may take on new work: it holds a session renewed recently enough that a
   * claim and a start fit before the fence's first stage.
   */
  public synchronized boolean mayClaim() {
    return session != null && !terminated
        && clock.nanos() - lastSentNanos < timing.terminateAfter().minus(timing.heartbeat()).toNanos();
  }

  synchronized Health health() {
    if (session == null) {
      return Health.NONE;
    }
    return clock.nanos() - lastSentNanos > timing.heartbeat().multipliedBy(2).toNanos() ? Health.AT_RISK : Health.HELD;
  }

  /**
   * Stops renewing and closes the session (graceful exit). Its ownerships are released. No session
   * is opened again after this: a heartbeat that found none would otherwise join the group anew,
   * and that session, never renewed, would look alive to the other nodes for a whole lease.
   */
  public void closeSession() {
    SessionId s;
    synchronized (this) {
      s = session;
      session = null;
      leaving = true;
    }
    if (s != null) {
      store.closeSession(s);
      LOG.info("{} left the group (session {} closed)", tag, s);
    }
  }

  /**
   * One heartbeat, then the next: a heartbeat later after a success, soon after a failure. A
   * failed renewal is retried every {@link #RETRY_MILLIS} (at most a heartbeat), so a short store
   * outage or a ZooKeeper leader election costs no more of the fence margin than it lasts.
   */
  private void loop() {
    boolean ok = false;
    try {
      ok = beat();
    } finally {
      long next = ok ? timing.heartbeat().toMillis() : Math.min(RETRY_MILLIS, timing.heartbeat().toMillis());
      try {
        heartbeat.schedule(this::loop, next, TimeUnit.MILLISECONDS);
      } catch (java.util.concurrent.RejectedExecutionException e) {
        // closed
      }
    }
  }

  /** Renews (or reopens) the session; false when the store could not be reached. */
  private boolean beat() {
    SessionId s;
    long sent = clock.nanos();
    synchronized (this) {
      if (leaving) {
        return true;
      }
      s = session;
      if (s != null && sent - lastSentNanos >= killAfterNanos) {
        return true; // past the kill deadline: the fence thread abandons it; never renew it again
      }
    }
    try {
      if (s == null) {
        reopen();
        return true;
      }
      store.renew(s);
      long deadlineFrom;
      synchronized (this) {
        if (session != s) {
          return true;
        }
        lastSentNanos = Math.max(lastSentNanos, sent);
        deadlineFrom = lastSentNanos;
        if (terminated) {
          terminated = false;
          LOG.info("{} renewals succeed again; the node may take on services again", tag);
        }
      }
      listener.renewed(s, deadlineFrom);
      recovered();
      return true;
    } catch (SessionLostException e) {
      synchronized (this) {
        if (session != s) {
          return true;
        }
        session = null;
      }
      LOG.warn("{} session {} is lost ({}); killing every service and joining again", tag, s, e.getMessage());
      listener.kill(s, "session lost");
      return true;
    } catch (StoreException e) {
      failing(e);
      return false;
    } catch (RuntimeException e) {
      LOG.error("{} unexpected error in the heartbeat", tag, e);
      return false;
    }
  }

  private void reopen() {
    SessionId old;
    synchronized (this) {
      old = abandoned;
    }
    if (old != null) {
      store.closeSession(old);
      synchronized (this) {
        abandoned = null;
      }
      LOG.info("{} closed the abandoned session {}", tag, old);
    }
    long sent = clock.nanos();
    SessionId opened = store.openSession(node, providers.get(), null);
    boolean left;
    synchronized (this) {
      left = leaving;
      if (!left) {
        session = opened;
        lastSentNanos = sent;
        terminated = false;
      }
    }
    if (left) { // the node began to leave while this session was being opened
      store.closeSession(opened);
      return;
    }
    LOG.info("{} joined the group again with session {}", tag, opened);
    listener.renewed(opened, sent);
    recovered();
    listener.sessionOpened(opened);
  }

  private void checkFence() {
    SessionId s;
    boolean kill;
    long since;
    synchronized (this) {
      if (session == null) {
        return;
      }
      s = session;
      since = clock.nanos() - lastSentNanos;
      kill = since >= killAfterNanos;
      if (kill) {
        session = null;
        abandoned = s;
      } else if (since >= terminateAfterNanos && !terminated) {
        terminated = true;
      } else {
        return;
      }
    }
    String why = "no successful renewal for " + since / 1_000_000 + "ms";
    if (kill) {
      LOG.error("{} fenced: {}; killed every service and abandoned session {} (lease {} ends at the store {}ms from now)",
          tag, why, s, timing.lease(), Math.max(0, (timing.lease().toNanos() - since) / 1_000_000));
      listener.kill(s, why);
    } else {
      LOG.warn("{} fencing: {}; stopping every service (SIGKILL in {}ms)", tag, why,
          (killAfterNanos - since) / 1_000_000);
      listener.terminate(s, why);
    }
  }

  private synchronized void failing(StoreException e) {
    if (failingSinceNanos < 0) {
      failingSinceNanos = clock.nanos();
      LOG.warn("{} cannot reach the store: {}", tag, e.getMessage());
    }
  }

  private synchronized void recovered() {
    if (failingSinceNanos >= 0) {
      LOG.info("{} store reachable again after {}ms", tag, (clock.nanos() - failingSinceNanos) / 1_000_000);
      failingSinceNanos = -1;
    }
  }

  private static void sleepQuietly(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while opening the session", e);
    }
  }

  /** Stops the heartbeat and the fence; does not close the session. */
  @Override
  public void close() {
    heartbeat.shutdownNow();
    fence.shutdownNow();
  }
}
