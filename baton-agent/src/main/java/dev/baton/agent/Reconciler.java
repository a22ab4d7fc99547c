package dev.baton.agent;

import dev.baton.agent.config.AgentConfig;
import dev.baton.agent.config.ServiceConfig;
import dev.baton.core.BatonException;
import dev.baton.core.MonotonicClock;
import dev.baton.core.NodeName;
import dev.baton.core.ServiceName;
import dev.baton.core.placement.NodeView;
import dev.baton.core.placement.Placement;
import dev.baton.core.placement.ServiceView;
import dev.baton.core.store.ClaimRequest;
import dev.baton.core.store.ClaimResult;
import dev.baton.core.store.NodeRecord;
import dev.baton.core.store.Observed;
import dev.baton.core.store.Ownership;
import dev.baton.core.store.ProviderState;
import dev.baton.core.store.ProviderStatus;
import dev.baton.core.store.SessionId;
import dev.baton.core.store.SessionLostException;
import dev.baton.core.store.Snapshot;
import dev.baton.core.store.Store;
import dev.baton.core.store.StoreException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
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
 */
final class Reconciler implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Reconciler.class);
  /** How long a provider whose process exited on its own stays out of the running. */
  static final Duration COOLDOWN = Duration.ofSeconds(5);
  private static final Duration STORE_VERDICT_RECHECK = Duration.ofMillis(50);

  private final AgentConfig config;
  private final Store store;
  private final SessionKeeper keeper;
  private final Supervisor supervisor;
  private final EventLog events;
  private final MonotonicClock clock;
  private final Liveness liveness;
  private final LostNodes lostNodes;
  private final String tag;
  private final ScheduledExecutorService executor;
  private final AtomicBoolean pending = new AtomicBoolean();
  private volatile boolean stopped;
  private volatile View view;
  private ScheduledFuture<?> wakeUp;

  // Reconciler thread only (cooldowns are also read by the heartbeat thread).
  private final Map<ServiceName, Cooldown> cooldowns = new java.util.concurrent.ConcurrentHashMap<>();
  private Map<ServiceName, ProviderStatus> published = Map.of();
  private SessionId publishedFor;
  private long lastErrorLogNanos;

  private record Cooldown(long untilNanos, String reason) {}

  Reconciler(AgentConfig config, Store store, SessionKeeper keeper, Supervisor supervisor, EventLog events,
      MonotonicClock clock) {
    this.config = config;
    this.store = store;
    this.keeper = keeper;
    this.supervisor = supervisor;
    this.events = events;
    this.clock = clock;
    this.liveness = new Liveness(clock, config.timing().lease(), store.judgesLeases());
    this.lostNodes = new LostNodes(config.node(), store.judgesLeases(), events);
    this.tag = "[node=" + config.node() + "]";
    this.executor = Executors.newSingleThreadScheduledExecutor(Threads.named("baton-reconcile-" + config.node()));
  }

  void start() {
    long h = config.timing().heartbeat().toMillis();
    executor.scheduleWithFixedDelay(this::request, 0, h, TimeUnit.MILLISECONDS);
  }

  /** Asks for a run soon; requests made while one is pending are merged. */
  void request() {
    if (!stopped && pending.compareAndSet(false, true)) {
      try {
        executor.execute(this::run);
      } catch (java.util.concurrent.RejectedExecutionException e) {
        pending.set(false);
      }
    }
  }

  View view() {
    return view;
  }

  /** The provider states this node publishes, from its own processes (fresher than the store). */
  Map<ServiceName, ProviderStatus> localStates() {
    Map<ServiceName, ProviderStatus> states = new TreeMap<>();
    long now = clock.nanos();
    for (ServiceName s : config.services().keySet()) {
      Optional<Supervisor.Running> r = supervisor.running(s);
      Cooldown c = cooldowns.get(s);
      if (r.isPresent()) {
        states.put(s, ProviderStatus.of(r.get().stopping ? ProviderState.STOPPING : ProviderState.PROVIDING));
      } else if (c != null && c.untilNanos() > now) {
        states.put(s, new ProviderStatus(ProviderState.UNAVAILABLE, c.reason()));
      } else {
        states.put(s, ProviderStatus.WAITING);
      }
    }
    return states;
  }

  /** Keeps this node's provider of {@code service} out of the running for {@link #COOLDOWN}. */
  void coolDown(ServiceName service, String reason) {
    cooldowns.put(service, new Cooldown(clock.nanos() + COOLDOWN.toNanos(),
        reason + "; retry after " + COOLDOWN.toSeconds() + "s"));
    executor.schedule(this::request, COOLDOWN.toMillis() + 10, TimeUnit.MILLISECONDS);
  }

  /** Called by the supervisor when a process ended. */
  void exited(Supervisor.Exit exit) {
    executor.execute(() -> {
      if (!exit.requested()) {
        String reason = "exited with code " + exit.code() + "; retry after " + COOLDOWN.toSeconds() + "s";
        cooldowns.put(exit.service(), new Cooldown(clock.nanos() + COOLDOWN.toNanos(), reason));
        executor.schedule(this::request, COOLDOWN.toMillis() + 10, TimeUnit.MILLISECONDS);
      }
      events.append("service.stopped", exit.service(), exit.epoch(),
          "pid " + exit.pid() + " exited with code " + exit.code() + (exit.requested() ? "" : " on its own"));
    });
    request();
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
    Snapshot snap = store.snapshot();
    liveness.observe(snap.nodes());
    SessionId me = keeper.session();
    NodeName self = config.node();

    Map<NodeName, String> nodeStates = new TreeMap<>();
    Map<SessionId, NodeRecord> liveSessions = new HashMap<>();
    Map<SessionId, NodeRecord> bySession = new HashMap<>();
    List<NodeView> nodeViews = new ArrayList<>();
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
        liveSessions.put(n.session(), n);
        alive.add(name);
      } else if (verdict == Liveness.Verdict.LOST && !name.equals(self)) {
        lost.add(n.session());
      }
      nodeStates.put(name, switch (verdict) {
        case LEFT -> "left";
        case LOST -> "lost";
        case ALIVE -> drained ? "drained" : "alive";
      });
      Map<ServiceName, ProviderState> providers = new HashMap<>();
      (isMe ? local : n.providers()).forEach((s, st) -> providers.put(s, st.state()));
      nodeViews.add(new NodeView(name, n.info().location(), verdict == Liveness.Verdict.ALIVE, drained, providers));
    }

    if (me != null) {
      lostNodes.judged(snap.nodes(), lost, alive);
    }

    TreeSet<ServiceName> services = new TreeSet<>(snap.ownerships().keySet());
    snap.nodes().forEach(n -> services.addAll(n.providers().keySet()));
    services.addAll(config.services().keySet());
    Map<ServiceName, NodeName> validOwners = new TreeMap<>();
    List<ServiceView> serviceViews = new ArrayList<>();
    for (ServiceName s : services) {
      Ownership o = snap.ownership(s);
      NodeRecord owner = o.session() == null ? null : liveSessions.get(o.session());
      if (owner != null) {
        validOwners.put(s, owner.info().name());
      }
      serviceViews.add(new ServiceView(s, owner == null ? null : owner.info().name(), o.node(), snap.settings().service(s)));
    }
    Map<ServiceName, NodeName> targets = Placement.place(nodeViews, serviceViews);
    view = new View(snap, nodeStates, validOwners, targets);

    if (me != null) {
      for (ServiceConfig service : config.services().values()) {
        act(service, snap.ownership(service.name()), targets.get(service.name()), me, bySession);
      }
      publish(me);
    }
    scheduleWakeUp(snap);
  }

  private void act(ServiceConfig service, Ownership o, NodeName target, SessionId me, Map<SessionId, NodeRecord> bySession) {
    ServiceName s = service.name();
    boolean mine = me.equals(o.session());
    Optional<Supervisor.Running> running = supervisor.running(s);
    if (running.isPresent() && (!mine || running.get().epoch != o.epoch())) {
      supervisor.kill(s, "ownership is now epoch " + o.epoch() + " of " + o.node() + "; this process has no right to run");
      return;
    }
    if (mine) {
      if (running.isEmpty()) {
        // The process is gone (ended on its own or stopped): hand the service back to placement.
        if (store.release(s, me, o.epoch())) {
          LOG.info("[node={} service={} epoch={}] released", config.node(), s, o.epoch());
          events.append("service.released", s, o.epoch(), null);
          request();
        }
      } else if (!config.node().equals(target) && !running.get().stopping) {
        LOG.info("[node={} service={} epoch={}] handing over to {}", config.node(), s, o.epoch(),
            target == null ? "nobody (disabled, drained or no candidate)" : target);
        supervisor.stop(s, service.stopTimeout());
      }
      return;
    }
    if (!config.node().equals(target) || running.isPresent() || !keeper.mayClaim()) {
      return;
    }
    Observed deadOwner = null;
    String from = "unowned";
    if (o.session() != null) {
      NodeRecord owner = bySession.get(o.session());
      if (owner != null) {
        deadOwner = liveness.observed(owner);
        from = "from " + owner.info().name() + " (" + (deadOwner == null ? "left" : "lost") + ")";
      } else {
        from = "from " + o.node() + " (session replaced)";
      }
    }
    ClaimResult result = store.claim(new ClaimRequest(s, o.epoch(), me, deadOwner));
    if (!result.granted()) {
      LOG.info("[node={} service={}] claim at epoch {} rejected: {}", config.node(), s, o.epoch() + 1, result.reason());
      return;
    }
    long epoch = result.ownership().epoch();
    LOG.info("[node={} service={} epoch={}] claimed {}", config.node(), s, epoch, from);
    events.append("service.claimed", s, epoch, from);
    if (!keeper.mayClaim()) {
      store.release(s, me, epoch);
      LOG.warn("[node={} service={} epoch={}] released unstarted: the session is at risk", config.node(), s, epoch);
      return;
    }
    try {
      Supervisor.Running r = supervisor.start(service, epoch);
      events.append("service.started", s, epoch, "pid " + r.pid());
    } catch (BatonException e) {
      LOG.error("[node={} service={} epoch={}] {}", config.node(), s, epoch, e.getMessage());
      cooldowns.put(s, new Cooldown(clock.nanos() + COOLDOWN.toNanos(), "cannot start: " + e.getMessage()));
      executor.schedule(this::request, COOLDOWN.toMillis() + 10, TimeUnit.MILLISECONDS);
      store.release(s, me, epoch);
      events.append("service.failed", s, epoch, e.getMessage());
    }
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
      wakeUp = executor.schedule(this::request, next + 1_000_000, TimeUnit.NANOSECONDS);
    }
  }

  /** Stops reconciling; waits for a run in progress to end. */
  @Override
  public void close() {
    stopped = true;
    executor.shutdown();
    try {
      executor.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
