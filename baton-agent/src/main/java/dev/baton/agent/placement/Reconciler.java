package dev.baton.agent.placement;

import dev.baton.agent.config.AgentConfig;
import dev.baton.agent.config.CheckConfig;
import dev.baton.agent.config.ConfigChanges;
import dev.baton.agent.config.ServiceConfig;
import dev.baton.agent.events.EventLog;
import dev.baton.agent.session.Liveness;
import dev.baton.agent.session.LostNodes;
import dev.baton.agent.session.SessionKeeper;
import dev.baton.api.EventTypes;
import dev.baton.agent.supervisor.Supervisor;
import dev.baton.agent.watchdog.HealthChecks;
import dev.baton.agent.watchdog.ProviderControl;
import dev.baton.agent.watchdog.Recovery;
import dev.baton.core.BatonException;
import dev.baton.core.Durations;
import dev.baton.core.MonotonicClock;
import dev.baton.core.NodeName;
import dev.baton.core.ServiceName;
import dev.baton.core.Threads;
import dev.baton.core.placement.NodeView;
import dev.baton.core.placement.Placement;
import dev.baton.core.placement.ServiceQueue;
import dev.baton.core.placement.ServiceView;
import dev.baton.core.store.ClaimRequest;
import dev.baton.core.store.ClaimResult;
import dev.baton.core.store.Decision;
import dev.baton.core.store.NodeRecord;
import dev.baton.core.store.Observed;
import dev.baton.core.store.Ownership;
import dev.baton.core.store.ProviderState;
import dev.baton.core.store.ProviderStatus;
import dev.baton.core.store.RenewalStamp;
import dev.baton.core.store.ServiceSettings;
import dev.baton.core.store.SessionId;
import dev.baton.core.store.SessionLostException;
import dev.baton.core.store.Snapshot;
import dev.baton.core.store.Store;
import dev.baton.core.store.StoreException;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings this node in line with the placement function: reads a snapshot, judges its peers by the
 * observed-time rule, claims what it should own and starts it, stops and releases what it should
 * not own. Runs on one thread, on every store change, on every heartbeat, and at the moment a
 * peer's lease would pass.
 *
 * <p>A service is started only right after a granted claim and only while the session keeper says
 * the node may take on work; a process found running without this node's valid ownership is
 * killed at once.
 *
 * <p>What the recovery ladder decides (a ban and its end, the restarts used, the failed verdict)
 * is written to the store as this node's {@link Decision} about the service, so that it outlives
 * the agent: the first pass restores the decisions of an earlier run before it acts (a ban still
 * running keeps its remaining time, an ended one is cleared), and a decision that disappears from
 * the store (an operator's {@code baton clear}, from any node) clears the ladder here. A write the
 * store did not confirm is repeated every pass until it does.
 */
public final class Reconciler implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Reconciler.class);
  private static final Duration STORE_VERDICT_RECHECK = Duration.ofMillis(50);

  /** Replaced only on the reconciler thread, by {@link #reconfigure}; read by other threads too. */
  private volatile AgentConfig config;
  private final Store store;
  private final SessionKeeper keeper;
  private final Supervisor supervisor;
  private final EventLog events;
  private final MonotonicClock clock;
  private final Clock wall;
  private final Liveness liveness;
  private final LostNodes lostNodes;
  private final Failbacks failbacks = new Failbacks();
  private final String tag;
  private final ScheduledExecutorService executor;
  private final AtomicBoolean pending = new AtomicBoolean();
  private volatile boolean stopped;
  private volatile View view;
  /** When the snapshot behind {@link #view} began to be read, on {@link #clock}. */
  private volatile long viewReadNanos;
  private ScheduledFuture<?> wakeUp;

  private final ScheduledExecutorService checkScheduler;
  private volatile Observer observer = new Observer() {};
  /** The health checks' listener: verdict changes to the reconciler, every run to the observer. */
  private final HealthChecks.Listener checkListener = new HealthChecks.Listener() {
    @Override
    public void changed(ServiceName service, CheckConfig check, boolean healthy, String detail) {
      checkChanged(service, check, healthy, detail);
    }

    @Override
    public void ran(ServiceName service, CheckConfig check, boolean passed) {
      observer.checked(service, check.name(), passed);
    }
  };
  /**
   * The client of http checks, made when a service first has checks: an HttpClient initialises TLS
   * and keeps a selector thread, which a node without checks need not pay for (docs/performance.md,
   * "Footprint").
   */
  private HttpClient checkHttp;
  private final Map<ServiceName, HealthChecks> standbyChecks = new ConcurrentHashMap<>();

  // Written on the reconciler thread; concurrent maps because localStates() is also read by the
  // heartbeat thread (publishing providers with a new session) and the HTTP threads.
  private final Map<ServiceName, Recovery> recoveries = new HashMap<>();
  private final Map<ServiceName, String> banReasons = new ConcurrentHashMap<>();
  private final Map<ServiceName, PendingRestart> restarts = new ConcurrentHashMap<>();
  private final Map<ServiceName, String> standbyFailing = new ConcurrentHashMap<>();
  private final Map<ServiceName, HealthChecks> runChecks = new ConcurrentHashMap<>();
  // The failed verdict this node recorded, by service (reported once, kept with the ban).
  private final Map<ServiceName, String> failedDetails = new ConcurrentHashMap<>();
  // This node's decisions as the store holds them after this node's last write (or may hold them,
  // when the store did not confirm it), and the services whose decision still has to be written.
  // Reconciler thread only.
  private final Map<ServiceName, Decision> saved = new HashMap<>();
  private final Set<ServiceName> unsaved = new HashSet<>();
  private boolean restored;
  private Map<ServiceName, ProviderStatus> published = Map.of();
  private PlacementInput placedFrom;
  private Placed placed;
  private SessionId publishedFor;
  private long lastErrorLogNanos;

  /**
   * A restart in place that is due: of {@code epoch}, after the process has stopped
   * ({@code atNanos} is -1 until then), attempt {@code attempt} of {@code of} (0 of 0: asked for
   * by a rule or an operator, outside the ladder).
   */
  private record PendingRestart(long epoch, String reason, int attempt, int of, Duration backoff, long atNanos) {
    PendingRestart at(long nanos) {
      return new PendingRestart(epoch, reason, attempt, of, backoff, nanos);
    }
  }

  public Reconciler(AgentConfig config, Store store, SessionKeeper keeper, Supervisor supervisor, EventLog events,
      MonotonicClock clock) {
    this(config, store, keeper, supervisor, events, clock, Clock.systemUTC());
  }

  /**
   * @param wall the wall clock of the decisions kept in the store (a ban must end at an instant that
   *     outlives this process); it decides no lease
   */
  public Reconciler(AgentConfig config, Store store, SessionKeeper keeper, Supervisor supervisor, EventLog events,
      MonotonicClock clock, Clock wall) {
    this.config = config;
    this.wall = wall;
    this.store = store;
    this.keeper = keeper;
    this.supervisor = supervisor;
    this.events = events;
    this.clock = clock;
    // Renewal stamps are on the host's clock: trusted only when this node reads that clock too.
    this.liveness = new Liveness(clock, config.timing().lease(), store.judgesLeases(),
        clock == MonotonicClock.SYSTEM ? RenewalStamp.localBoot() : null);
    this.lostNodes = new LostNodes(config.node(), store.judgesLeases(), events);
    this.tag = "[node=" + config.node() + "]";
    ScheduledThreadPoolExecutor reconcileThread = new ScheduledThreadPoolExecutor(1, Threads.named("baton-reconcile-" + config.node()));
    // On close, pending restarts and ban timers are dropped, not waited for.
    reconcileThread.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    reconcileThread.setContinueExistingPeriodicTasksAfterShutdownPolicy(false);
    this.executor = reconcileThread;
    this.checkScheduler = Executors.newScheduledThreadPool(2, Threads.named("baton-checks-" + config.node()));
    config.services().values().forEach(sc -> recoveries.put(sc.name(), new Recovery(sc.recovery(), clock)));
  }

  public void start() {
    config.services().values().forEach(this::startStandbyChecks);
    long h = config.timing().heartbeat().toMillis();
    executor.scheduleWithFixedDelay(this::request, 0, h, TimeUnit.MILLISECONDS);
  }

  /** Asks for a run soon; requests made while one is pending are merged. */
  public void request() {
    if (!stopped && pending.compareAndSet(false, true)) {
      try {
        executor.execute(this::run);
      } catch (RejectedExecutionException e) {
        pending.set(false);
      }
    }
  }

  public View view() {
    return view;
  }

  /**
   * How old the last view is: the time since the store read behind it began, on this node's
   * monotonic clock; null before the first. The reconciler reads the store every heartbeat, so an
   * age well over one heartbeat means the store has not answered since.
   */
  public Duration viewAge() {
    return view == null ? null : Duration.ofNanos(Math.max(0, clock.nanos() - viewReadNanos));
  }

  /** The ages of the nodes' last renewals in {@code v}, as of now on this node's monotonic clock. */
  public Map<NodeName, Duration> renewalAges(View v) {
    return v.renewalAges(clock.nanos());
  }

  /** The provider states this node publishes, from its own processes (fresher than the store). */
  public Map<ServiceName, ProviderStatus> localStates() {
    Map<ServiceName, ProviderStatus> states = new TreeMap<>();
    for (ServiceName s : config.services().keySet()) {
      Optional<Supervisor.Running> r = supervisor.running(s);
      PendingRestart restart = restarts.get(s);
      String ban = banReasons.get(s);
      String standby = standbyFailing.get(s);
      if (r.isPresent() && !r.get().stopping()) {
        states.put(s, ProviderStatus.of(ProviderState.PROVIDING));
      } else if (r.isPresent()) {
        states.put(s, new ProviderStatus(ProviderState.STOPPING, restart != null ? "restarting: " + restart.reason() : ban));
      } else if (restart != null) {
        states.put(s, new ProviderStatus(ProviderState.STARTING, restartText(restart)));
      } else if (ban != null) {
        states.put(s, new ProviderStatus(ProviderState.UNAVAILABLE, ban));
      } else if (standby != null) {
        states.put(s, new ProviderStatus(ProviderState.UNAVAILABLE, standby));
      } else {
        states.put(s, ProviderStatus.WAITING);
      }
    }
    // The default rank and the endpoint from the config travel with the state, so that every node's
    // placement sees the rank and every node's resolve the endpoint.
    states.replaceAll((s, status) -> status.withRank(config.services().get(s).rank())
        .withEndpoint(config.services().get(s).endpoint()));
    return states;
  }

  private static String restartText(PendingRestart r) {
    return (r.of() > 0 ? "restart " + r.attempt() + "/" + r.of() : "restart") + " after "
        + Durations.format(r.backoff()) + ": " + r.reason();
  }

  /** Called by the supervisor when a process ended. */
  public void exited(Supervisor.Exit exit) {
    execute(() -> {
      ServiceName s = exit.service();
      HealthChecks checks = runChecks.remove(s);
      if (checks != null) {
        checks.close();
      }
      events.append("service.stopped", s, exit.epoch(),
          "pid " + exit.pid() + " exited with code " + exit.code() + (exit.requested() ? "" : " on its own"));
      PendingRestart restart = restarts.get(s);
      if (restart != null && restart.atNanos() < 0) {
        scheduleRestart(s, restart);
      } else if (!exit.requested() && paused(s)) {
        LOG.warn("[node={} service={} epoch={}] exited with code {} while paused: not restarted, not released,"
            + " not failed over until it is resumed", config.node(), s, exit.epoch(), exit.code());
      } else if (!exit.requested()) {
        failed(s, exit.epoch(), "exited with code " + exit.code());
      }
      supervisor.exitHandled(s);
      request();
    });
  }

  /** A health check of a provider changed (called on a check thread). */
  private void checkChanged(ServiceName s, CheckConfig check, boolean healthy, String detail) {
    execute(() -> {
      ServiceConfig sc = config.services().get(s);
      if (sc == null || !sc.checks().contains(check)) {
        return; // a check a reload removed or replaced, reporting once more before it was closed
      }
      Optional<Supervisor.Running> r = supervisor.running(s);
      Long epoch = r.map(x -> x.epoch()).orElse(null);
      events.append(healthy ? "check.passed" : "check.failed", s, epoch, check.name() + ": " + detail);
      LOG.info("[node={} service={}] check {} {}: {}", config.node(), s, check.name(), healthy ? "passes" : "fails", detail);
      if (check.standby()) {
        if (healthy) {
          standbyFailing.remove(s);
        } else {
          standbyFailing.put(s, "check " + check.name() + " failing: " + detail);
        }
      }
      if (!healthy && r.isPresent() && !r.get().stopping() && !paused(s)) {
        failed(s, r.get().epoch(), "check " + check.name() + " failed: " + detail);
      }
      request();
    });
  }

  /**
   * Whether the health checks of the provider running here pass (true when it has none): a
   * check that just failed counts at once, before the reconciler has acted on it.
   */
  public boolean checksPassing(ServiceName s) {
    HealthChecks checks = runChecks.get(s);
    return checks == null || checks.passing();
  }

  /** The service said it is alive: feeds its ttl checks. False when it does not run here. */
  public boolean heartbeat(ServiceName s) {
    if (supervisor.running(s).isEmpty()) {
      return false;
    }
    HealthChecks checks = runChecks.get(s);
    if (checks != null) {
      checks.heartbeat();
    }
    return true;
  }

  /** The provider failed: the next step of its recovery ladder. */
  private void failed(ServiceName s, long epoch, String reason) {
    if (restarts.containsKey(s) || !recoveries.containsKey(s)) {
      return; // already on its way back
    }
    ServiceConfig sc = config.services().get(s);
    Recovery.Step step = recoveries.get(s).failed();
    boolean running = supervisor.running(s).isPresent();
    if (step instanceof Recovery.Restart r) {
      PendingRestart p = new PendingRestart(epoch, reason, r.attempt(), r.of(), r.after(), -1);
      restarts.put(s, p);
      LOG.warn("[node={} service={} epoch={}] {}", config.node(), s, epoch, restartText(p));
      events.append("service.restarted", s, epoch, restartText(p));
      save(s);
      if (running) {
        supervisor.stop(s, sc.stopTimeout());
      } else {
        scheduleRestart(s, p);
      }
    } else if (step instanceof Recovery.Ban b) {
      ban(s, epoch, "banned for " + Durations.format(b.duration()) + " after " + b.restarts()
          + " restart(s) within " + Durations.format(sc.recovery().window()) + ": " + reason);
    }
  }

  private void ban(ServiceName s, Long epoch, String reason) {
    banReasons.put(s, reason);
    LOG.warn("[node={} service={} epoch={}] {}; the next candidate takes over", config.node(), s, epoch, reason);
    events.append("service.banned", s, epoch, reason);
    save(s);
    scheduleBanEnd(s);
    supervisor.running(s).ifPresent(r -> supervisor.stop(s, config.services().get(s).stopTimeout()));
  }

  /** Lifts the ban of {@code s} when its time is up (unless it was lifted, or renewed, before). */
  private void scheduleBanEnd(ServiceName s) {
    long left = recoveries.get(s).banLeft().toMillis();
    try {
      executor.schedule(() -> {
        Recovery recovery = recoveries.get(s);
        if (recovery != null && !recovery.banned() && banReasons.remove(s) != null) {
          LOG.info("[node={} service={}] ban ended", config.node(), s);
          failedDetails.remove(s);
          save(s);
          request();
        }
      }, left + 10, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      // closing
    }
  }

  /**
   * Writes this node's decision about {@code s} to the store (removes it when nothing is decided).
   * When the store does not confirm it, the write is repeated every pass until it does.
   */
  private void save(ServiceName s) {
    Recovery recovery = recoveries.get(s);
    Decision d = recovery == null ? Decision.NONE
        : recovery.decision(wall.instant(), banReasons.get(s), failedDetails.get(s));
    if (d.isNone() && !saved.containsKey(s)) {
      unsaved.remove(s);
      return;
    }
    unsaved.add(s);
    if (!d.isNone()) {
      saved.put(s, d); // from now on it may be in the store
    }
    try {
      if (d.isNone()) {
        store.clearDecision(config.node(), s);
        saved.remove(s);
      } else {
        store.putDecision(config.node(), s, d);
      }
      unsaved.remove(s);
    } catch (StoreException e) {
      LOG.warn("[node={} service={}] cannot keep the decision in the store yet, retrying: {}", config.node(), s,
          e.getMessage());
    }
  }

  /**
   * First pass: takes up the decisions an earlier run of this agent stored. A ban still running
   * stays in force for its remaining time, restarts used still count within their window; what
   * ended while the agent was away is cleared in the store, and so is a decision about a service
   * this node no longer provides.
   */
  private void restore(Snapshot snap) {
    Instant now = wall.instant();
    for (Map.Entry<ServiceName, Decision> e : snap.decisions().getOrDefault(config.node(), Map.of()).entrySet()) {
      ServiceName s = e.getKey();
      Decision d = e.getValue();
      saved.put(s, d);
      Recovery recovery = recoveries.get(s);
      if (recovery == null) {
        LOG.info("[node={} service={}] dropping the stored decision: the service is no longer provided here",
            config.node(), s);
        save(s);
        continue;
      }
      recovery.restore(d, now);
      if (d.bannedAt(now)) {
        banReasons.put(s, d.banReason() != null ? d.banReason() : "banned");
        if (d.failed()) {
          failedDetails.put(s, d.failedDetail());
        }
        LOG.warn("[node={} service={}] still banned for {} (decided before this agent started): {}", config.node(), s,
            Durations.format(recovery.banLeft()), banReasons.get(s));
        scheduleBanEnd(s);
        // A process the guardian kept through the restart gives the service up like any banned one.
        supervisor.running(s).ifPresent(r -> supervisor.stop(s, config.services().get(s).stopTimeout()));
      } else if (d.bannedUntil() != null) {
        LOG.info("[node={} service={}] its ban ended at {}, while the agent was away", config.node(), s,
            d.bannedUntil());
      }
      boolean banEnded = d.bannedUntil() != null && !d.bannedAt(now);
      boolean restartsForgotten = recovery.restartsUsed() != d.restarts();
      boolean failedDropped = d.failed() && !d.bannedAt(now);
      if (banEnded || restartsForgotten || failedDropped) {
        save(s); // what ended while the agent was away is dropped in the store too
      }
    }
  }

  /**
   * A decision this node wrote is gone from the store (an operator's {@code baton clear}, run on any
   * node): the ladder here forgets it too.
   */
  private void noticeClearedDecisions(Snapshot snap) {
    for (ServiceName s : new ArrayList<>(saved.keySet())) {
      if (!unsaved.contains(s) && snap.decision(config.node(), s) == null) {
        saved.remove(s);
        forget(s);
        LOG.info("[node={} service={}] cleared by an operator (its decision was removed from the store)",
            config.node(), s);
        request();
      }
    }
  }

  private boolean forget(ServiceName s) {
    Recovery recovery = recoveries.get(s);
    if (recovery != null) {
      recovery.clear();
    }
    failedDetails.remove(s);
    return banReasons.remove(s) != null;
  }

  private void scheduleRestart(ServiceName s, PendingRestart p) {
    PendingRestart due = p.at(clock.nanos() + p.backoff().toNanos());
    restarts.put(s, due);
    executor.schedule(() -> restartNow(s, due), p.backoff().toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Starts a provider again in place, with its epoch, if this node still owns it at that epoch. */
  private void restartNow(ServiceName s, PendingRestart p) {
    if (stopped || !restarts.remove(s, p)) {
      return;
    }
    if (paused(s)) {
      LOG.info("[node={} service={} epoch={}] restart dropped: the service is paused; it is placed again once resumed",
          config.node(), s, p.epoch());
      return;
    }
    Ownership o = store.snapshot().ownership(s);
    SessionId me = keeper.session();
    if (me == null || !me.equals(o.session()) || o.epoch() != p.epoch() || !keeper.mayClaim()
        || supervisor.running(s).isPresent()) {
      LOG.info("[node={} service={} epoch={}] restart dropped: this node no longer owns it at that epoch", config.node(), s,
          p.epoch());
      request();
      return;
    }
    start(config.services().get(s), p.epoch(), me, "restarted in place" + (p.of() > 0 ? " (" + p.attempt() + "/" + p.of() + ")" : ""));
    request();
  }

  /** Clears this node's ban and restart budget for a service (an operator's `baton clear`). */
  public void clear(ServiceName s) {
    execute(() -> {
      boolean wasBanned = forget(s);
      save(s);
      events.append("service.cleared", s, null, wasBanned ? "ban lifted by an operator" : "restart budget reset by an operator");
      LOG.info("[node={} service={}] cleared by an operator", config.node(), s);
      request();
    });
  }

  /**
   * Applies a reloaded config, on the reconciler thread, so that no pass sees half of it; returns
   * once it is applied. {@code next} differs from the running config only in what a reload may
   * change ({@link ConfigChanges}). A removed service is stopped gracefully (SIGTERM, SIGKILL after
   * its stop-timeout) and released by the pass after its process tree is gone; its decision is
   * dropped from the store. A service whose process changed is restarted in place at its epoch, the
   * new settings used for the new process. Changed checks are replaced; a changed recovery ladder
   * starts again from the decision this node stored (its ban, the restarts used). An added service
   * is published at once and placed like any other.
   *
   * <p>Returns at once: the change is queued behind the pass in progress (which may wait for the
   * store) and any change queued before, and applied in that order; {@code then} runs on the
   * reconciler thread right after it, before the next pass.
   *
   * @return completes once applied (and {@code then} has run), or exceptionally with what failed
   * @throws StoreException when the reconciler is closed (the node is stopping)
   */
  public java.util.concurrent.CompletableFuture<Void> reconfigure(AgentConfig next, ConfigChanges changes,
      Runnable then) {
    java.util.concurrent.CompletableFuture<Void> done = new java.util.concurrent.CompletableFuture<>();
    try {
      executor.execute(() -> {
        try {
          apply(next, changes);
          then.run();
          done.complete(null);
        } catch (RuntimeException e) {
          LOG.error("{} applying a reloaded config failed", tag, e);
          done.completeExceptionally(e);
        }
      });
    } catch (RejectedExecutionException e) {
      throw new StoreException("node " + config.node() + " is stopping; try again shortly");
    }
    return done;
  }

  private void apply(AgentConfig next, ConfigChanges changes) {
    AgentConfig old = config;
    config = next;
    for (ServiceName s : changes.removed()) {
      HealthChecks standby = standbyChecks.remove(s);
      if (standby != null) {
        standby.close();
      }
      standbyFailing.remove(s);
      restarts.remove(s);
      forget(s);
      recoveries.remove(s);
      save(s); // nothing decided any more: the decision this node stored is dropped
      supervisor.running(s).ifPresent(r -> {
        LOG.info("[node={} service={} epoch={}] no longer provided (reload): stopping {}, then releasing it",
            config.node(), s, r.epoch(), r.describe());
        supervisor.stop(s, old.services().get(s).stopTimeout());
      });
    }
    for (ServiceName s : changes.added()) {
      recoveries.put(s, new Recovery(next.services().get(s).recovery(), clock));
      startStandbyChecks(next.services().get(s));
    }
    for (ServiceName s : changes.restarted()) {
      reconfigureService(old.services().get(s), next.services().get(s));
    }
    for (ServiceName s : changes.changed()) {
      reconfigureService(old.services().get(s), next.services().get(s));
    }
    placedFrom = null; // the services this node provides are part of what placement decides from
    request();
  }

  /** Applies the new settings of a service this node provides before and after a reload. */
  private void reconfigureService(ServiceConfig old, ServiceConfig next) {
    ServiceName s = next.name();
    if (!old.recovery().equals(next.recovery())) {
      Recovery recovery = new Recovery(next.recovery(), clock);
      Decision d = saved.get(s);
      if (d != null) {
        recovery.restore(d, wall.instant());
      }
      recoveries.put(s, recovery);
    }
    List<CheckConfig> oldStandby = old.checks().stream().filter(CheckConfig::standby).toList();
    List<CheckConfig> newStandby = next.checks().stream().filter(CheckConfig::standby).toList();
    if (!oldStandby.equals(newStandby)) {
      HealthChecks checks = standbyChecks.remove(s);
      if (checks != null) {
        checks.close();
      }
      standbyFailing.remove(s);
      startStandbyChecks(next);
    }
    Optional<Supervisor.Running> running = supervisor.running(s).filter(r -> !r.stopping());
    if (running.isEmpty()) {
      return; // a start to come uses the new settings
    }
    long epoch = running.get().epoch();
    if (ConfigChanges.processChanged(old, next)) {
      if (!restarts.containsKey(s)) {
        PendingRestart p = new PendingRestart(epoch, "its command, env or workdir changed (reload)", 0, 0, Duration.ZERO, -1);
        restarts.put(s, p);
        LOG.info("[node={} service={} epoch={}] {}: restarting it in place", config.node(), s, epoch, p.reason());
        events.append("service.restarted", s, epoch, restartText(p));
        supervisor.stop(s, old.stopTimeout());
      }
      return;
    }
    List<CheckConfig> oldRun = old.checks().stream().filter(c -> !c.standby()).toList();
    List<CheckConfig> newRun = next.checks().stream().filter(c -> !c.standby()).toList();
    if (!oldRun.equals(newRun)) {
      HealthChecks checks = runChecks.remove(s);
      if (checks != null) {
        checks.close();
      }
      if (!newRun.isEmpty()) {
        runChecks.put(s, new HealthChecks(checkScheduler, checkHttp(), s, newRun, clock.nanos(), clock,
            checkEnv(s, epoch), checkListener));
      }
      LOG.info("[node={} service={} epoch={}] health checks replaced (reload): {}", config.node(), s, epoch,
          newRun.stream().map(CheckConfig::name).toList());
    }
  }

  private synchronized HttpClient checkHttp() {
    if (checkHttp == null) {
      checkHttp = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    }
    return checkHttp;
  }

  private void startStandbyChecks(ServiceConfig sc) {
    List<CheckConfig> standby = sc.checks().stream().filter(CheckConfig::standby).toList();
    if (!standby.isEmpty()) {
      standbyChecks.put(sc.name(), new HealthChecks(checkScheduler, checkHttp(), sc.name(), standby, clock.nanos(), clock,
          checkEnv(sc.name(), null), checkListener));
    }
  }

  /** The {@link ProviderControl} rules and operators use. */
  public ProviderControl control() {
    return new ProviderControl() {
      @Override
      public void restart(ServiceName s, String reason) {
        execute(() -> supervisor.running(s).filter(r -> !r.stopping() && !restarts.containsKey(s)
            && config.services().containsKey(s) && !pausedSaying(s, "restart (" + reason + ")")).ifPresent(r -> {
          PendingRestart p = new PendingRestart(r.epoch(), reason, 0, 0, Duration.ZERO, -1);
          restarts.put(s, p);
          events.append("service.restarted", s, r.epoch(), restartText(p));
          supervisor.stop(s, config.services().get(s).stopTimeout());
        }));
      }

      @Override
      public void failover(ServiceName s, String reason) {
        execute(() -> {
          if (supervisor.running(s).isEmpty() || !recoveries.containsKey(s)) {
            LOG.info("[node={} service={}] failover asked ({}), but it does not run here", config.node(), s, reason);
            return;
          }
          if (pausedSaying(s, "failover (" + reason + ")")) {
            return;
          }
          recoveries.get(s).ban();
          restarts.remove(s);
          ban(s, supervisor.running(s).map(r -> r.epoch()).orElse(null), "failed over: " + reason);
          request();
        });
      }
    };
  }

  private void execute(Runnable task) {
    try {
      executor.execute(task);
    } catch (RejectedExecutionException e) {
      // stopping
    }
  }

  private Map<String, String> checkEnv(ServiceName s, Long epoch) {
    Map<String, String> env = new HashMap<>(config.services().get(s).env());
    env.put("BATON_GROUP", config.group().value());
    env.put("BATON_NODE", config.node().value());
    env.put("BATON_SERVICE", s.value());
    if (epoch != null) {
      env.put("BATON_EPOCH", Long.toString(epoch));
    }
    return env;
  }

  /**
   * Starts a provider at {@code epoch}, decided under {@code session}. When the session changed while
   * the process was being started (the node was fenced and joined again), the process is killed at
   * once: the guardian refuses such a start, and this catches one that got through before the change.
   */
  private void start(ServiceConfig service, long epoch, SessionId session, String why) {
    ServiceName s = service.name();
    try {
      Supervisor.Running r = supervisor.start(service, epoch, session);
      if (!session.equals(keeper.session())) {
        supervisor.kill(s, "it was started under session " + session + ", which this node no longer holds");
        return; // its exit is handled as a kill the agent asked for
      }
      List<CheckConfig> checks = service.checks().stream().filter(c -> !c.standby()).toList();
      if (!checks.isEmpty()) {
        runChecks.put(s, new HealthChecks(checkScheduler, checkHttp(), s, checks, clock.nanos(), clock,
            checkEnv(s, epoch), checkListener));
      }
      events.append("service.started", s, epoch, r.describe() + ", " + why);
    } catch (BatonException e) {
      LOG.error("[node={} service={} epoch={}] {}", config.node(), s, epoch, e.getMessage());
      events.append("service.stopped", s, epoch, "cannot start: " + e.getMessage());
      failed(s, epoch, "cannot start: " + e.getMessage());
    }
  }

  private void run() {
    pending.set(false);
    if (stopped) {
      return;
    }
    try {
      reconcile();
    } catch (StoreException e) {
      long now = clock.nanos();
      if (now - lastErrorLogNanos > Duration.ofSeconds(5).toNanos()) {
        lastErrorLogNanos = now;
        LOG.warn("{} cannot read the store: {}", tag, e.getMessage());
      }
    } catch (SessionLostException e) {
      LOG.warn("{} {}", tag, e.getMessage());
    } catch (RuntimeException e) {
      LOG.error("{} reconcile failed", tag, e);
    }
  }

  private void reconcile() {
    long readNanos = clock.nanos();
    Snapshot snap = store.snapshot();
    if (!restored) {
      restore(snap);
      restored = true;
    } else {
      noticeClearedDecisions(snap);
    }
    new ArrayList<>(unsaved).forEach(this::save);
    liveness.observe(snap.nodes());
    SessionId me = keeper.session();
    NodeName self = config.node();

    Map<NodeName, String> nodeStates = new TreeMap<>();
    Map<SessionId, NodeRecord> bySession = new HashMap<>();
    List<PlacedNode> placedNodes = new ArrayList<>();
    Map<ServiceName, ProviderStatus> local = localStates();
    java.util.Set<SessionId> lost = new java.util.HashSet<>();
    java.util.Set<NodeName> alive = new java.util.HashSet<>();
    for (NodeRecord n : snap.nodes()) {
      NodeName name = n.info().name();
      bySession.put(n.session(), n);
      boolean isMe = n.session().equals(me);
      Liveness.Verdict verdict = isMe ? Liveness.Verdict.ALIVE
          : name.equals(self) ? Liveness.Verdict.LOST : liveness.judge(n);
      boolean drained = snap.settings().node(name).drained();
      if (verdict == Liveness.Verdict.ALIVE) {
        alive.add(name);
      } else if (verdict == Liveness.Verdict.LOST && !name.equals(self)) {
        lost.add(n.session());
      }
      nodeStates.put(name, switch (verdict) {
        case LEFT -> "left";
        case LOST -> "lost";
        case ALIVE -> drained ? "drained" : "alive";
      });
      placedNodes.add(new PlacedNode(name, n.info().location(), n.session(), verdict == Liveness.Verdict.ALIVE, drained,
          isMe ? local : n.providers()));
    }

    if (me != null) {
      lostNodes.judged(snap.nodes(), lost, alive);
    }

    PlacementInput input = new PlacementInput(placedNodes, snap.ownerships(), snap.settings());
    if (!input.equals(placedFrom)) {
      placed = input.place(config.services().keySet());
      placedFrom = input;
    }
    Map<ServiceName, NodeName> targets = placed.targets();
    viewReadNanos = readNanos;
    view = new View(snap, nodeStates, placed.validOwners(), targets, placed.queues(), silentNodes(snap, me),
        renewalsSeen(snap));

    if (me != null) {
      List<PendingClaim> claims = new ArrayList<>();
      for (ServiceConfig service : config.services().values()) {
        act(service, snap.ownership(service.name()), targets.get(service.name()), me, bySession, claims,
            snap.settings().service(service.name()));
        reportFailed(service.name(), snap, targets);
      }
      claim(claims);
      releaseUnprovided(snap, me);
      publish(me);
    }
    scheduleWakeUp(snap);
  }

  /**
   * The peers whose sessions stopped being renewed (for two of their heartbeats) but are not lost
   * yet, with the time left until their lease passes on this node's clock: the takeover of their
   * services is due then. For the whiteboard only; {@link Liveness#judge} decides.
   */
  private Map<NodeName, Duration> silentNodes(Snapshot snap, SessionId me) {
    Map<NodeName, Duration> silent = new TreeMap<>();
    for (NodeRecord n : snap.nodes()) {
      if (n.session().equals(me)) {
        continue;
      }
      Duration heartbeat = n.heartbeat() != null ? n.heartbeat() : config.timing().heartbeat();
      long left = liveness.nanosUntilLostWhenSilent(n, heartbeat.multipliedBy(2));
      if (left >= 0) {
        silent.put(n.info().name(), Duration.ofNanos(left));
      }
    }
    return silent;
  }

  /** When this node first saw each node's current renewal count, for the nodes it has seen renewing. */
  private Map<NodeName, Long> renewalsSeen(Snapshot snap) {
    Map<NodeName, Long> seen = new TreeMap<>();
    for (NodeRecord n : snap.nodes()) {
      long at = liveness.renewalSeenNanos(n);
      if (at >= 0) {
        seen.put(n.info().name(), at);
      }
    }
    return seen;
  }

  /**
   * Releases what this node's session owns but this node no longer provides: a service removed from
   * its config by a reload, or before an agent restart that carried the session on. No process runs
   * for it (a reload stopped it, and its exit has been handled; a restarted agent does not re-adopt
   * one), and only a release lets another provider take it.
   */
  private void releaseUnprovided(Snapshot snap, SessionId me) {
    for (Ownership o : snap.ownerships().values()) {
      ServiceName s = o.service();
      if (me.equals(o.session()) && !config.services().containsKey(s) && !snap.settings().service(s).paused() && supervisor.running(s).isEmpty()
          && !supervisor.exitPending(s) && store.release(s, me, o.epoch())) {
        LOG.info("[node={} service={} epoch={}] released: this node no longer provides it", config.node(), s, o.epoch());
        events.append("service.released", s, o.epoch(), "no longer provided by this node");
        request();
      }
    }
  }

  /** A claim this pass makes, and where the service comes from (for the log and the event). */
  /**
   * A claim over a lost or left owner; {@code leasePassedNanos} is when the owner's lease passed in
   * this node's view (monotonic), or -1 (a closed session, or one this node never saw).
   */
  private record PendingClaim(ServiceConfig service, ClaimRequest request, String from, String over,
      long leasePassedNanos) {}

  /** Hears of what the metrics count: failovers and check runs. Calls must be quick. */
  public interface Observer {
    /**
     * A failover by this node: a granted claim of {@code service} over
     * an owner that was {@code over} ("lost" or "left"), {@code
     * sinceLeasePassed} after the owner's lease passed in this node's view (null when unknown: a
     * left owner, whose closed session has no lease to wait for). Called on the reconciler thread;
     * must be quick.
     */
    default void failedOver(ServiceName service, String over, Duration sinceLeasePassed) {}

    /** A health check {@code check} of this node's provider of {@code service} ran; on a check thread. */
    default void checked(ServiceName service, String check, boolean passed) {}
  }

  /** Sets who hears of this node's failovers and check runs (the agent's metrics); before {@link #start}. */
  public void observe(Observer observer) {
    this.observer = java.util.Objects.requireNonNull(observer, "observer");
  }

  /**
   * Brings one service in line: kills, releases or hands over what this node should not run, and
   * adds to {@code claims} what it should claim (claimed together after every service was seen).
   */
  private void act(ServiceConfig service, Ownership o, NodeName target, SessionId me, Map<SessionId, NodeRecord> bySession,
      List<PendingClaim> claims, ServiceSettings settings) {
    ServiceName s = service.name();
    boolean mine = me.equals(o.session());
    Optional<Supervisor.Running> running = supervisor.running(s);
    if (running.isPresent() && (!mine || running.get().epoch() != o.epoch())) {
      supervisor.kill(s, "ownership is now epoch " + o.epoch() + " of " + o.node() + "; this process has no right to run");
      return;
    }
    if (!mine) {
      restarts.remove(s);
    }
    if (settings.paused()) {
      // Paused: no claim, start, stop, release or handover. A process without the right to run was
      // killed above all the same: that is safety, not a decision.
      failbacks.forget(s);
      return;
    }
    if (mine && running.isPresent() && config.node().equals(target) && !running.get().stopping()) {
      failBack(s, o, settings); // the steady state of an owner: the only one a failback is judged in
      return;
    }
    failbacks.forget(s); // any other pass breaks the watch: a failback needs the delay seen without a break
    if (mine) {
      if (running.isEmpty()) {
        if (restarts.containsKey(s) || supervisor.exitPending(s)) {
          return; // restarting in place, or its exit not handled yet (a restart? a ban?): keep the ownership
        }
        // The process is gone (ended on its own or stopped): hand the service back to placement.
        if (store.release(s, me, o.epoch())) {
          LOG.info("[node={} service={} epoch={}] released", config.node(), s, o.epoch());
          events.append("service.released", s, o.epoch(), null);
          request();
        }
      } else if (!config.node().equals(target) && !running.get().stopping()) {
        LOG.info("[node={} service={} epoch={}] handing over to {}", config.node(), s, o.epoch(),
            target == null ? "nobody (disabled, drained or no candidate)"
                : target + (target.equals(plannedMoveTarget(service.name(), o)) ? " (a planned move)" : ""));
        supervisor.stop(s, service.stopTimeout());
      }
      return;
    }
    if (!config.node().equals(target) || running.isPresent() || !keeper.mayClaim()) {
      return;
    }
    Observed deadOwner = null;
    String from = "unowned";
    String over = null;
    long leasePassed = -1;
    if (o.session() != null) {
      NodeRecord owner = bySession.get(o.session());
      if (owner != null) {
        Liveness.Verdict verdict = liveness.judge(owner);
        if (verdict == Liveness.Verdict.ALIVE) {
          // Placement chose this node, but the owner lives (it is drained, or its provider became
          // unavailable): it hands the service over by releasing it. Never claim over a live session.
          return;
        }
        deadOwner = liveness.observed(owner);
        over = verdict == Liveness.Verdict.LEFT ? "left" : "lost";
        leasePassed = verdict == Liveness.Verdict.LEFT ? -1 : liveness.leasePassedNanos(owner);
        from = "from " + owner.info().name() + " (" + over + ")";
      } else {
        from = "from " + o.node() + " (session replaced)";
      }
    }
    claims.add(new PendingClaim(service, new ClaimRequest(s, o.epoch(), me, deadOwner), from, over, leasePassed));
  }

  /**
   * Sends this pass's claims to the store in one call (a store may decide them in one transaction)
   * and starts each service whose claim was granted, if the session still allows it.
   */
  private void claim(List<PendingClaim> claims) {
    if (claims.isEmpty()) {
      return;
    }
    List<ClaimResult> results = store.claimAll(claims.stream().map(PendingClaim::request).toList());
    for (int i = 0; i < claims.size(); i++) {
      PendingClaim claim = claims.get(i);
      ServiceName s = claim.service().name();
      ClaimResult result = results.get(i);
      if (!result.granted()) {
        LOG.info("[node={} service={}] claim at epoch {} rejected: {}", config.node(), s,
            claim.request().expectedEpoch() + 1, result.reason());
        continue;
      }
      long epoch = result.ownership().epoch();
      LOG.info("[node={} service={} epoch={}] claimed {}", config.node(), s, epoch, claim.from());
      events.append("service.claimed", s, epoch, claim.from());
      if (claim.over() != null) {
        long passed = claim.leasePassedNanos();
        observer.failedOver(s, claim.over(), passed < 0 ? null : Duration.ofNanos(Math.max(0, clock.nanos() - passed)));
      }
      if (!keeper.mayClaim()) {
        store.release(s, claim.request().claimant(), epoch);
        LOG.warn("[node={} service={} epoch={}] released unstarted: the session is at risk", config.node(), s, epoch);
        continue;
      }
      start(claim.service(), epoch, claim.request().claimant(), "claimed " + claim.from());
    }
  }

  /** A node as placement sees it: what of a snapshot and of this node's judgement the outcome depends on. */
  private record PlacedNode(NodeName name, dev.baton.core.Location location, SessionId session, boolean alive,
      boolean drained, Map<ServiceName, ProviderStatus> providers) {}

  /**
   * The valid owners and the placement of every service, as of one {@link PlacementInput}, with
   * the line of providers each placement came from.
   */
  private record Placed(Map<ServiceName, NodeName> validOwners, Map<ServiceName, NodeName> targets,
      Map<ServiceName, ServiceQueue> queues) {}

  /**
   * Everything placement depends on. Equal inputs give equal placements, so a pass whose input
   * equals the last one's (the usual case: only renewal counters moved) reuses its outcome instead
   * of placing every service of the group again. Cheap to compare: the stores hand out the same
   * map instances while the group is unchanged.
   */
  private record PlacementInput(List<PlacedNode> nodes, Map<ServiceName, Ownership> ownerships,
      dev.baton.core.store.GroupSettings settings) {

    Placed place(Set<ServiceName> configured) {
      Map<SessionId, NodeName> liveSessions = new HashMap<>();
      List<NodeView> nodeViews = new ArrayList<>();
      Set<ServiceName> services = new HashSet<>(ownerships.keySet());
      services.addAll(configured);
      for (PlacedNode n : nodes) {
        if (n.alive()) {
          liveSessions.put(n.session(), n.name());
        }
        Map<ServiceName, ProviderState> providers = new HashMap<>();
        Map<ServiceName, Integer> ranks = new HashMap<>();
        n.providers().forEach((s, st) -> {
          providers.put(s, st.state());
          if (st.rank() != null) {
            ranks.put(s, st.rank());
          }
        });
        services.addAll(n.providers().keySet());
        nodeViews.add(new NodeView(n.name(), n.location(), n.alive(), n.drained(), providers, ranks));
      }
      Map<ServiceName, NodeName> validOwners = new TreeMap<>();
      List<ServiceView> serviceViews = new ArrayList<>();
      for (ServiceName s : services) {
        Ownership o = ownerships.getOrDefault(s, Ownership.unclaimed(s));
        NodeName owner = o.session() == null ? null : liveSessions.get(o.session());
        if (owner != null) {
          validOwners.put(s, owner);
        }
        serviceViews.add(new ServiceView(s, owner, o.node(), settings.service(s), o.epoch()));
      }
      Map<ServiceName, ServiceQueue> queues = Placement.explain(nodeViews, serviceViews);
      Map<ServiceName, NodeName> targets = new TreeMap<>();
      queues.forEach((s, q) -> {
        if (q.target() != null) {
          targets.put(s, q.target());
        }
      });
      return new Placed(validOwners, targets, queues);
    }
  }

  /** Whether an operator paused {@code s}, as of the latest pass (false before the first). */
  private boolean paused(ServiceName s) {
    View v = view;
    return v != null && v.snapshot().settings().service(s).paused();
  }

  /** True (and logged) when {@code what} is not done because {@code s} is paused. */
  private boolean pausedSaying(ServiceName s, String what) {
    if (paused(s)) {
      LOG.info("[node={} service={}] {} not done: the service is paused", config.node(), s, what);
      return true;
    }
    return false;
  }

  /**
   * Failback {@code rank}, judged by the owner: when {@link Failbacks} says a better-ranked
   * candidate is due, the owner writes a planned move to it (the handover is a move's: the owner
   * stops and releases, the candidate claims with the next epoch) and records {@code service.failback}.
   */
  private void failBack(ServiceName s, Ownership o, ServiceSettings settings) {
    ServiceQueue queue = placed.queues().get(s);
    NodeName to = failbacks.due(s, o.epoch(), settings, queue, config.node(), clock.nanos());
    if (to == null) {
      return;
    }
    try {
      store.putServiceSettings(s, settings.withMove(new ServiceSettings.Move(to, o.epoch())));
    } catch (StoreException e) {
      LOG.warn("[node={} service={}] cannot hand the service back to {} yet: {}", config.node(), s, to, e.getMessage());
      return;
    }
    String detail = "failback rank: " + to + " (rank " + queue.ranking().rankOf(to) + ") has been a candidate for "
        + Durations.format(settings.effectiveFailbackDelay()) + "; handing over from " + config.node()
        + (queue.ranking().rankOf(config.node()) == Integer.MAX_VALUE ? " (unranked)"
            : " (rank " + queue.ranking().rankOf(config.node()) + ")");
    LOG.info("[node={} service={} epoch={}] {}", config.node(), s, o.epoch(), detail);
    events.append(EventTypes.SERVICE_FAILBACK, s, o.epoch(), detail);
    failbacks.forget(s);
    request();
  }

  private NodeName plannedMoveTarget(ServiceName s, Ownership o) {
    View v = view;
    return v == null ? null : v.snapshot().settings().service(s).moveTarget(o.epoch());
  }

  /** Stage 3: this node banned itself and no eligible candidate is left. */
  private void reportFailed(ServiceName s, Snapshot snap, Map<ServiceName, NodeName> targets) {
    // Reported once, by the last owner: every other banned node stepped aside earlier.
    if (banReasons.containsKey(s) && !targets.containsKey(s) && !snap.settings().service(s).disabled()
        && !validOwner(s, snap) && config.node().equals(snap.ownership(s).node()) && !failedDetails.containsKey(s)) {
      String detail = "no eligible candidate left; it stays stopped until a ban ends or an operator runs `baton clear " + s + "`";
      failedDetails.put(s, detail);
      LOG.error("[node={} service={}] failed: {}", config.node(), s, detail);
      events.append("service.failed", s, snap.ownership(s).epoch(), detail);
      save(s);
    }
  }

  private boolean validOwner(ServiceName s, Snapshot snap) {
    View v = view;
    return v != null && v.validOwners().containsKey(s);
  }

  private void publish(SessionId me) {
    Map<ServiceName, ProviderStatus> states = localStates();
    if (!states.equals(published) || !me.equals(publishedFor)) {
      store.publishProviders(me, states);
      published = states;
      publishedFor = me;
    }
  }

  /** Wakes up exactly when the next peer's lease would pass on this node's clock. */
  private void scheduleWakeUp(Snapshot snap) {
    long next = Long.MAX_VALUE;
    for (NodeRecord n : snap.nodes()) {
      long left = liveness.nanosUntilLost(n);
      if (left > 0) {
        next = Math.min(next, left);
      } else if (liveness.awaitingStoreVerdict(n)) {
        // This node has seen the lease pass; the store's clock has not said so yet. Look again soon.
        next = Math.min(next, STORE_VERDICT_RECHECK.toNanos());
      }
    }
    if (wakeUp != null) {
      wakeUp.cancel(false);
      wakeUp = null;
    }
    if (next != Long.MAX_VALUE && next < config.timing().heartbeat().toNanos()) {
      try {
        wakeUp = executor.schedule(this::request, next + 1_000_000, TimeUnit.NANOSECONDS);
      } catch (RejectedExecutionException e) {
        // closing: no more passes
      }
    }
  }

  /** Stops reconciling; waits for a run in progress to end. */
  @Override
  public void close() {
    stopped = true;
    standbyChecks.values().forEach(HealthChecks::close);
    runChecks.values().forEach(HealthChecks::close);
    checkScheduler.shutdownNow();
    executor.shutdown();
    try {
      executor.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
