package dev.baton.agent;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.agent.config.AgentConfig;
import dev.baton.agent.config.ConfigChanges;
import dev.baton.agent.config.ConfigException;
import dev.baton.agent.config.ConfigLoader;
import dev.baton.agent.config.ConfigProblem;
import dev.baton.agent.config.Containment;
import dev.baton.agent.config.ApiListen;
import dev.baton.agent.config.ServiceConfig;
import dev.baton.agent.events.EventFeed;
import dev.baton.agent.events.EventListener;
import dev.baton.agent.events.EventLog;
import dev.baton.agent.events.Webhooks;
import dev.baton.agent.guardian.GuardianLink;
import dev.baton.agent.guardian.Mirror;
import dev.baton.agent.placement.OperatorVerbs;
import dev.baton.agent.placement.Reconciler;
import dev.baton.agent.placement.UnknownService;
import dev.baton.agent.placement.View;
import dev.baton.agent.metrics.AgentMetrics;
import dev.baton.agent.placement.Whiteboard;
import dev.baton.agent.session.JoinedGroup;
import dev.baton.agent.session.SessionKeeper;
import dev.baton.agent.supervisor.ServiceRunner;
import dev.baton.agent.supervisor.ServiceTrees;
import dev.baton.agent.supervisor.Supervisor;
import dev.baton.agent.watchdog.ActionRunner;
import dev.baton.agent.watchdog.Detectors;
import dev.baton.agent.watchdog.ProviderControl;
import dev.baton.agent.watchdog.ServiceActions;
import dev.baton.api.ActiveResponse;
import dev.baton.api.EventTypes;
import dev.baton.api.HealthResponse;
import dev.baton.api.ReloadResponse;
import dev.baton.api.ServiceStatus;
import dev.baton.api.StatusResponse;
import dev.baton.core.BatonException;
import dev.baton.core.ConflictException;
import dev.baton.core.InvalidInputException;
import dev.baton.core.Location;
import dev.baton.core.Durations;
import dev.baton.core.MonotonicClock;
import dev.baton.core.NotFoundException;
import dev.baton.core.ServiceName;
import dev.baton.core.Threads;
import dev.baton.core.store.NodeInfo;
import dev.baton.core.store.NodeRecord;
import dev.baton.core.store.Ownership;
import dev.baton.core.store.ProviderStatus;
import dev.baton.core.store.SessionId;
import dev.baton.core.store.Snapshot;
import dev.baton.core.store.Store;
import dev.baton.core.store.StoreException;
import dev.baton.core.store.StoreOptions;
import dev.baton.core.store.Stores;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Baton node: opens its session in the group's store, keeps it alive, places, claims, runs and
 * hands over services, and serves its API through the {@link ApiServer} its {@link Embedding}
 * starts (the HTTP API, which sits on top of the agent and is given to it by whoever composes the
 * node). A library object with an explicit lifecycle
 * ({@code NEW -> STARTING -> RUNNING -> STOPPING -> STOPPED}); it never exits the JVM.
 *
 * <p>Shutdown order ({@link #stop()}): stop reconciling, stop the services (SIGTERM, SIGKILL after
 * their stop-timeout), close the session (which releases their ownership, so peers take over at
 * once), stop the API server, close the store. Thread-safe.
 *
 * <p>Under a guardian ({@link #underGuardian}, docs/guardian.md) the guardian forks the services,
 * the agent publishes its fence deadline after every renewal, mirrors its state into
 * {@code state-dir} on every change, and on start re-adopts the services of its previous run when
 * that run's session is still alive in the store.
 */
public final class Agent implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Agent.class);

  public enum State { NEW, STARTING, RUNNING, STOPPING, STOPPED }

  /**
   * How an application that embeds a node wires it, where it differs from {@code baton agent}.
   *
   * @param storeOpener opens the group's store from the config ({@link Stores#open} by default); an
   *     embedder may wrap the store it returns (to count calls, say)
   * @param runner provides the services inside this JVM instead of forking their commands
   *     ({@link ServiceRunner}); null: they run as processes
   * @param api starts the node's API server (the HTTP API: {@code HttpApi::start} of package
   *     {@code dev.baton.agent.http}); null: the node serves no API, publishes an empty API
   *     address, and operator commands and peers' {@code clear} cannot reach it
   */
  public record Embedding(Function<StoreOptions, Store> storeOpener, ServiceRunner runner, ApiStarter api) {
    public Embedding {
      Objects.requireNonNull(storeOpener, "storeOpener");
    }

    /** What {@code baton agent} does: the configured store, processes, and the API {@code api} starts. */
    public static Embedding withApi(ApiStarter api) {
      return new Embedding(Stores::open, null, Objects.requireNonNull(api, "api"));
    }
  }

  /** The server of this node's API, as the node sees it: the port it listens on, and its end. */
  public interface ApiServer extends AutoCloseable {
    /** The port it listens on: the configured one, or the one it was given for port 0. */
    int port();

    /** Stops serving. */
    @Override
    void close();
  }

  /**
   * Starts the API server of a node. The node calls it once, during {@link #start()} and before it
   * joins the group, because it publishes the API's address (port 0: the port the server got) in
   * its session; the server then serves what this class offers, and is closed by the node's stop.
   */
  @FunctionalInterface
  public interface ApiStarter {
    /**
     * Starts serving {@code agent}'s API on {@code listen}; returns once it listens.
     *
     * @throws BatonException when it cannot listen there (the message says why)
     */
    ApiServer start(ApiListen listen, Agent agent);
  }

  /** The config in force: replaced by a reload ({@link #reload}), in the parts that may change at runtime. */
  private volatile AgentConfig config;
  /** Serialises reloads (the reconciler applies each on its own thread). */
  private final Object reloadLock = new Object();
  /** The config of the last reload accepted (applied, or queued on the reconciler), or the starting one. */
  private AgentConfig accepted;
  /** How long a reload waits for the reconciler to apply it before it answers that it is queued. */
  private static final Duration RELOAD_PATIENCE = Duration.ofSeconds(20);
  private final MonotonicClock clock;
  private final AtomicReference<State> state = new AtomicReference<>(State.NEW);
  private final CountDownLatch stopped = new CountDownLatch(1);
  private final String tag;
  private final GuardianLink.Env guardianEnv;
  private final Mirror mirror;
  private final Embedding embedding;

  private Store store;
  private final AgentMetrics metrics;
  private JoinedGroup joined;
  /** Writes down the epochs this node has seen ({@link JoinedGroup}), off the heartbeat's thread. */
  private final ScheduledExecutorService epochKeeper =
      Executors.newSingleThreadScheduledExecutor(Threads.named("baton-joined-group"));
  private ApiServer api;
  private String apiAddress;
  /** The API's address as the node publishes it ({@code api.advertise}); empty without an API. */
  private String advertisedAddress;
  private EventLog events;
  private Supervisor supervisor;
  private SessionKeeper keeper;
  private volatile Reconciler reconciler;
  private AutoCloseable watch;
  private final java.util.List<EventListener> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();
  private volatile Webhooks webhooks;
  private ServiceActions serviceActions;
  private dev.baton.agent.watchdog.NodeActions nodeActions;
  private volatile EventFeed feed;
  private ActionRunner actions;
  private volatile Detectors detectors;
  private volatile OperatorVerbs verbs;
  private volatile dev.baton.agent.placement.RestartVerb restarts;
  private GuardianLink link;
  /** False when the node is being taken down as if it crashed: the session is left to expire. */
  private volatile boolean leaveGracefully = true;
  /** True once the guardian and the launcher are gone: the services died with the guardian. */
  private volatile boolean nodeGone;

  /**
   * An agent wired as {@code embedding} says ({@link Embedding#withApi} for what {@code baton agent}
   * runs); never under a guardian.
   */
  public Agent(AgentConfig config, Embedding embedding) {
    this(config, MonotonicClock.SYSTEM, null, embedding);
  }

  private Agent(AgentConfig config, MonotonicClock clock, GuardianLink.Env guardianEnv, Embedding embedding) {
    this.config = config;
    this.accepted = config;
    this.embedding = Objects.requireNonNull(embedding, "embedding");
    this.clock = clock;
    this.guardianEnv = guardianEnv;
    this.mirror = new Mirror(config.stateDir());
    this.tag = "[group=" + config.group() + " node=" + config.node() + "]";
    this.metrics = new AgentMetrics(config.group().value(), config.node().value(), this::servicesOwned);
  }

  /**
   * Adds a listener for every event this node records (see {@link EventListener}: it runs on a
   * Baton thread and must not block). Peers' events are read from the store's log through the
   * HTTP API instead.
   *
   * @throws IllegalStateException once the agent has been started
   */
  public void addListener(EventListener listener) {
    java.util.Objects.requireNonNull(listener, "listener");
    if (state.get() != State.NEW) {
      throw new IllegalStateException("add listeners before start(); the agent is " + state.get());
    }
    listeners.add(listener);
  }

  /**
   * An agent run by a guardian when {@code environment} says so (the guardian sets
   * {@code BATON_GUARDIAN_SOCKET} for the agent it starts) and the config has the guardian on;
   * otherwise a plain agent. Either way it serves the API that {@code api} starts.
   */
  public static Agent underGuardian(AgentConfig config, Map<String, String> environment, ApiStarter api) {
    Optional<GuardianLink.Env> env = config.guardian() ? GuardianLink.Env.from(environment) : Optional.empty();
    return new Agent(config, MonotonicClock.SYSTEM, env.orElse(null), Embedding.withApi(api));
  }

  /**
   * Joins the group and starts serving. Returns once the session is open and the API listens.
   *
   * @throws BatonException when the node cannot start (the message says why); nothing is left
   *     running then
   * @throws IllegalStateException when called more than once
   */
  public void start() {
    if (!state.compareAndSet(State.NEW, State.STARTING)) {
      throw new IllegalStateException("an agent can be started only once; it is " + state.get());
    }
    try {
      Files.createDirectories(config.stateDir().resolve("logs"));
    } catch (IOException e) {
      state.set(State.STOPPED);
      stopped.countDown();
      throw new BatonException("cannot create state-dir " + config.stateDir() + ": " + e, e);
    }
    try {
      Optional<Mirror.State> previous = mirror.read();
      store = metrics.meter(embedding.storeOpener().apply(new StoreOptions(config.store(), config.group(),
          config.timing().heartbeat(), config.timing().lease(), config.timing().storeCallTimeout(),
          config.storePasswordFile())));
      joined = JoinedGroup.join(config.stateDir(), store, config.store(), config.group(),
          "baton agent -c " + (config.file() == null ? "CONFIG" : config.file()) + " --accept-new-store");
      ObjectMapper json = new ObjectMapper();
      events = new EventLog(store, config.node(), config.services().size());
      startEvents(json);
      if (guardianEnv != null) {
        link = new GuardianLink(config.stateDir(), guardianEnv, config.node().value(), new LinkListener());
        link.connect();
      }
      Readoption readoption = readopt(previous.orElse(null));
      if (embedding.api() != null) {
        api = embedding.api().start(config.api(), this);
        apiAddress = new ApiListen(config.api().host(), api.port()).toString();
        advertisedAddress = config.access().advertised(config.api(), api.port());
      } else {
        apiAddress = "";
        advertisedAddress = "";
      }
      supervisor = new Supervisor(config.group().value(), config.node().value(), config.access().scheme() + "://" + apiAddress,
          config.stateDir(), link, embedding.runner(), containment(), exit -> reconciler.exited(exit), this::mirror);
      supervisor.rotateLogs(config.serviceLogs());
      keeper = new SessionKeeper(store, new NodeInfo(config.node(), config.location(), advertisedAddress,
          dev.baton.core.BatonVersion.current()),
          config.timing(), clock, () -> reconciler.localStates(), new KeeperListener());
      reconciler = new Reconciler(config, store, keeper, supervisor, events, clock);
      reconciler.observe(metrics);
      startActions(json, reconciler.control());
      if (readoption.session() != null) {
        keeper.adopt(readoption.session(), readoption.sentNanos());
        readoption.services().forEach(h -> supervisor.adopt(config.services().get(h.service()), h.epoch(), link.adopt(h)));
      } else {
        keeper.open(config.timing().lease().multipliedBy(3));
      }
      mirror();
      keeper.start();
      reconciler.start();
      watch = store.watch(reconciler::request);
      epochKeeper.scheduleWithFixedDelay(this::recordEpochs, 0, config.timing().heartbeat().toMillis(),
          TimeUnit.MILLISECONDS);
      state.set(State.RUNNING);
      if (link != null) {
        link.running();
        if (link.restartReason() != null) {
          events.append("guardian.restarted-agent", null, null, "restart " + link.restartReason() + "; " + readoption.detail());
        }
      }
      LOG.info("{} running: {} service(s), API on {}://{}{}{}, store {}{}", tag, config.services().size(),
          config.access().scheme(), apiAddress,
          advertisedAddress.equals(apiAddress) ? "" : " (advertised as " + advertisedAddress + ")",
          config.access().token() == null ? "" : ", token required", config.store(), link == null ? "" : ", guarded");
    } catch (RuntimeException e) {
      shutdown(false);
      throw e;
    }
  }

  private void recordEpochs() {
    View v = reconciler.view();
    if (v != null) {
      joined.record(v.snapshot());
    }
  }

  /** Stops gracefully and waits until it is done. Idempotent. */
  public void stop() {
    if (state.compareAndSet(State.RUNNING, State.STOPPING) || state.compareAndSet(State.STARTING, State.STOPPING)) {
      shutdown(true);
    }
    awaitStopped();
  }

  /**
   * Goes down as a crashed node looks to its peers, and waits until it is done: not one more
   * renewal, the services stopped, and the session left open, so that peers take the services over
   * only once its lease has passed. For tests and benchmarks of an embedded node. Idempotent.
   */
  public void crash() {
    leaveGracefully = false;
    stop();
  }

  /** This node's metrics, as {@code GET /metrics} serves them. */
  public AgentMetrics metrics() {
    return metrics;
  }

  /** How many services this node provides now (owns and runs). */
  private int servicesOwned() {
    Reconciler r = reconciler;
    return r == null ? 0 : (int) r.localStates().values().stream()
        .filter(p -> p.state() == dev.baton.core.store.ProviderState.PROVIDING).count();
  }

  /** Starts a graceful stop on another thread and returns at once. */
  public void requestStop() {
    Thread t = new Thread(this::stop, "baton-stop-" + config.node());
    t.setDaemon(false);
    t.start();
  }

  /** Blocks until the agent has stopped. */
  public void awaitStopped() {
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  public State state() {
    return state.get();
  }

  /**
   * The pid of the agent running for {@code stateDir} as its mirror says, or empty when the last
   * agent stopped gracefully or none wrote a mirror there.
   */
  public static OptionalLong mirroredPid(Path stateDir) {
    return new Mirror(stateDir).read().filter(s -> !s.stopped() && s.agentPid() > 0)
        .map(s -> OptionalLong.of(s.agentPid())).orElse(OptionalLong.empty());
  }

  /** The address the API listens on, {@code host:port}; known once started; empty without an API. */
  public String apiAddress() {
    return apiAddress;
  }

  /**
   * The address the node publishes for its API, {@code host:port}: {@code api.advertise}, else
   * derived from the listen address ({@link dev.baton.agent.config.ApiAccess#advertised}); known once
   * started; empty without an API.
   */
  public String advertisedAddress() {
    return advertisedAddress;
  }

  public String nodeName() {
    return config.node().value();
  }

  /** Who may use the API, as configured when the node started. */
  public dev.baton.agent.config.ApiAccess access() {
    return config.access();
  }

  /** The whiteboard as this node sees it, and how old that view is: {@code GET /v1/status}. */
  public StatusResponse status() {
    View v = currentView();
    Duration age = reconciler.viewAge();
    StatusResponse s = Whiteboard.status(config.group().value(), config.node(), v, reconciler.localStates(),
        reconciler.renewalAges(v));
    // A pass reads the store every heartbeat; one may wait up to a store call's timeout.
    Duration staleAfter = config.timing().heartbeat().multipliedBy(3).plus(config.timing().storeCallTimeout());
    s = store == null ? s : s.withStore(store.condition().orElse(null));
    return age == null ? s : s.withViewAge(age.toMillis(), age.compareTo(staleAfter) > 0);
  }

  /**
   * Whether this node is ready ({@code GET /v1/health/ready}): running, joined (it holds a session),
   * and its view of the group fresh, read from the store no longer ago than
   * {@link dev.baton.agent.config.Timing#terminateAfter()} (lease minus fence margin: the moment a
   * cut-off owner starts to stop its services). Otherwise a reason: the store unreachable (the view
   * stale), not joined, starting or stopping.
   */
  public HealthResponse readiness() {
    State now = state.get();
    Reconciler r = reconciler;
    Duration age = r == null ? null : r.viewAge();
    Long ageMillis = age == null ? null : age.toMillis();
    String reason = null;
    if (now != State.RUNNING) {
      reason = "node " + config.node() + " is " + now.name().toLowerCase(java.util.Locale.ROOT);
    } else if (keeper == null || keeper.session() == null) {
      reason = "node " + config.node() + " holds no session in the group (not joined, or its session was lost)";
    } else if (age == null) {
      reason = "node " + config.node() + " has not read the store yet";
    } else if (age.compareTo(config.timing().terminateAfter()) > 0) {
      reason = "node " + config.node() + "'s view of the group is " + Durations.format(age) + " old (stale after "
          + Durations.format(config.timing().terminateAfter()) + "): the store has not answered since; see the agent's log";
    }
    return new HealthResponse(reason == null ? "ready" : "not-ready", nodeName(), reason, ageMillis);
  }

  /** One service of the whiteboard: {@code GET /v1/services/{name}}. */
  public ServiceStatus service(String name) {
    ServiceName s = ServiceName.of(name);
    View view = currentView();
    return Whiteboard.find(s, config.node(), view, reconciler.localStates()).orElseThrow(() -> unknownService(s, view));
  }

  private NotFoundException unknownService(ServiceName s, View view) {
    return UnknownService.of(config.group(), view.snapshot(), s);
  }

  /**
   * Where clients reach a service, best first for {@code from} (a location path; null for this
   * node's own): {@code GET /v1/services/{name}/resolve}. Every node answers for every service.
   *
   * @throws dev.baton.core.InvalidInputException for a malformed name or location
   * @throws NotFoundException when the group has no such service
   */
  public dev.baton.api.ResolveResponse resolve(String name, String from) {
    ServiceName s = ServiceName.of(name);
    Location origin = from == null ? config.location() : Location.parse(from);
    View view = currentView();
    Map<ServiceName, ProviderStatus> local = reconciler.localStates();
    Optional<ServiceStatus> status = Whiteboard.find(s, config.node(), view, local);
    List<ServiceName> instances = view.snapshot().instancesOf(s);
    if (status.isEmpty() && !instances.isEmpty()) {
      return Whiteboard.resolveInstances(s, instances, origin, config.node(), view, local);
    }
    return Whiteboard.resolve(status.orElseThrow(() -> unknownService(s, view)), origin, config.node(), view, local);
  }

  /**
   * Whether this node runs the service at its current epoch, not stopping, with its health checks
   * passing: {@code /v1/services/{name}/active}, what a load balancer checks.
   */
  public ActiveResponse active(String name) {
    ServiceName s = ServiceName.of(name);
    service(name);
    return supervisor.running(s)
        .filter(r -> !r.stopping() && r.epoch() == currentView().snapshot().ownership(s).epoch()
            && reconciler.checksPassing(s))
        .map(r -> new ActiveResponse(name, nodeName(), true, r.epoch()))
        .orElse(new ActiveResponse(name, nodeName(), false, null));
  }

  /** A ttl heartbeat from the service's process on this node: {@code PUT /v1/services/{name}/heartbeat}. */
  public void heartbeat(String name) {
    ServiceName s = ServiceName.of(name);
    if (!config.services().containsKey(s)) {
      throw new NotFoundException("node " + config.node() + " has no provider of \"" + name + "\"");
    }
    if (!reconciler.heartbeat(s)) {
      throw new dev.baton.core.ConflictException(name + " does not run on node " + config.node()
          + "; heartbeats come from the running provider (it has BATON_API in its environment)");
    }
  }

  /**
   * Clears bans, restart budgets and failed verdicts of a service, through the store: on {@code node},
   * or when null on every node that provides it or has a decision about it, whether that node runs
   * or not. This node's own ladder is cleared here; another node's decision is removed from the
   * store, which that node's agent notices (or never sees again, when it starts later). Returns the
   * nodes cleared.
   */
  public List<String> clear(String name, String node) {
    ServiceName s = ServiceName.of(name);
    dev.baton.core.NodeName only = node == null ? null : dev.baton.core.NodeName.of(node);
    Snapshot snap = store.snapshot();
    java.util.SortedSet<dev.baton.core.NodeName> targets = new java.util.TreeSet<>();
    snap.nodes().stream().filter(n -> n.providers().containsKey(s)).forEach(n -> targets.add(n.info().name()));
    snap.decisions().forEach((n, byService) -> {
      if (byService.containsKey(s)) {
        targets.add(n);
      }
    });
    if (config.services().containsKey(s)) {
      targets.add(config.node());
    }
    if (targets.isEmpty() && !snap.ownerships().containsKey(s)) {
      throw UnknownService.of(config.group(), snap, s);
    }
    if (only != null) {
      if (!targets.contains(only)) {
        throw new NotFoundException("node " + only + " has no provider of and no decision about " + name
            + " in group " + config.group() + "; nodes that have: " + targets);
      }
      targets.retainAll(java.util.Set.of(only));
    }
    List<String> cleared = new ArrayList<>();
    for (dev.baton.core.NodeName n : targets) {
      if (n.equals(config.node()) && config.services().containsKey(s)) {
        reconciler.clear(s);
      } else if (snap.decision(n, s) != null) {
        store.clearDecision(n, s);
        LOG.info("[node={} service={}] cleared the decision of node {} by an operator", config.node(), s, n);
        events.append("service.cleared", s, null, "decision of node " + n + " lifted by an operator ("
            + describe(snap.decision(n, s)) + ")");
      }
      cleared.add(n.value());
    }
    return cleared;
  }

  private static String describe(dev.baton.core.store.Decision d) {
    List<String> parts = new ArrayList<>();
    if (d.bannedUntil() != null) {
      parts.add("banned until " + d.bannedUntil());
    }
    if (d.restarts() > 0) {
      parts.add(d.restarts() + " restart(s) used");
    }
    if (d.failed()) {
      parts.add("failed");
    }
    return String.join(", ", parts);
  }

  // ---- reload

  /**
   * Reads this node's config file again and applies it ({@code POST /v1/reload}, SIGHUP): added
   * services are provided from now on, removed ones stopped gracefully and released, a service
   * whose process changed (command, env, workdir) restarted in place at its epoch, other changed
   * service settings, rules, webhooks and service-logs take effect; unchanged services are not
   * touched. All or nothing: a file with problems, or one that changes a setting only a restart can
   * change ({@link ConfigChanges#RESTART_ONLY}), is refused whole and nothing changes. Records
   * {@code node.reloaded} or {@code node.reload-refused}. Reloads are serialised with each other and
   * applied on the reconciler's thread, between two of its passes.
   *
   * @throws InvalidInputException listing every problem, one per line, when the file is refused
   * @throws ConflictException when the node was configured in code (it has no file to read)
   * <p>The change is applied on the reconciler's thread, after the pass in progress; when that pass
   * waits for the store for longer than 20 s, the answer says the reload is accepted and queued: it
   * is applied when the pass ends (and a following reload compares with it, not with the config in
   * force).
   *
   * @throws StoreException when the node is not running, or the reload was accepted but is still
   *     queued after 20 s
   */
  public ReloadResponse reload() {
    running();
    synchronized (reloadLock) {
      AgentConfig base = accepted;
      if (base.file() == null) {
        throw new ConflictException("node " + config.node() + " was configured in code, not from a file; there is"
            + " nothing to reload");
      }
      AgentConfig next;
      ConfigChanges changes;
      try {
        next = ConfigLoader.load(base.file());
        changes = ConfigChanges.between(base, next);
      } catch (ConfigException e) {
        List<ConfigProblem> problems = e.problems();
        String first = problems.get(0) + (problems.size() > 1 ? " (and " + (problems.size() - 1) + " more)" : "");
        LOG.error("{} reload refused, nothing changed:\n{}", tag, e.getMessage());
        events.append(EventTypes.NODE_RELOAD_REFUSED, null, null, first);
        throw new InvalidInputException("node " + config.node() + " refused the reload of " + base.file()
            + "; nothing changed:\n" + e.getMessage());
      }
      running();
      String detail = changes.describe();
      java.util.concurrent.CompletableFuture<Void> applied = reconciler.reconfigure(next, changes, () -> {
        config = next;
        serviceActions.reconfigure(next.services());
        detectors.reconfigure(next.services(), next.rules());
        if (changes.settings().contains("events.webhooks")) {
          Webhooks old = webhooks;
          webhooks = new Webhooks(next.events().webhooks(), next.group().value(), nodeName(), new ObjectMapper());
          Thread closer = new Thread(() -> closeQuietly(old), "baton-webhooks-closer-" + config.node());
          closer.setDaemon(true);
          closer.start(); // the old webhooks deliver what they hold (1 s at most), off the reconciler's thread
        }
        if (changes.settings().contains("on")) {
          nodeActions.reconfigure(next.events().on());
        }
        if (changes.settings().contains("service-logs")) {
          supervisor.serviceLogs(next.serviceLogs());
        }
        LOG.info("{} reloaded {}: {}", tag, next.file(), detail);
        events.append(EventTypes.NODE_RELOADED, null, null, detail);
      });
      accepted = next; // the next reload compares with this one, applied or queued
      try {
        applied.get(RELOAD_PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
      } catch (java.util.concurrent.TimeoutException e) {
        throw new StoreException("node " + config.node() + " accepted the reload of " + next.file() + " (" + detail
            + "), but its reconciler is busy (waiting for the store?); it applies it as soon as it is free and records"
            + " node.reloaded then");
      } catch (java.util.concurrent.ExecutionException e) {
        throw new BatonException("node " + config.node() + " failed to apply the reload of " + next.file() + ": "
            + e.getCause() + "; the agent's log has the details", e.getCause());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new BatonException("interrupted while node " + config.node() + " applied the reload", e);
      }
      return new ReloadResponse(nodeName(), next.file().toString(), names(changes.added()), names(changes.removed()),
          names(changes.restarted()), names(changes.changed()), names(changes.unchanged()), changes.settings(), detail);
    }
  }

  /** Starts a reload on another thread and returns at once (SIGHUP); the outcome goes to the log and the events. */
  public void requestReload() {
    Thread t = new Thread(() -> {
      try {
        reload();
      } catch (InvalidInputException e) {
        // logged and recorded by reload()
      } catch (RuntimeException e) {
        LOG.error("{} reload failed: {}", tag, e.getMessage());
      }
    }, "baton-reload-" + config.node());
    t.setDaemon(true);
    t.start();
  }

  private void running() {
    if (state.get() != State.RUNNING) {
      throw new StoreException("node " + config.node() + " is " + state.get().name().toLowerCase(java.util.Locale.ROOT)
          + "; a reload needs a running node, try again shortly");
    }
  }

  private static List<String> names(java.util.Set<ServiceName> services) {
    return services.stream().map(ServiceName::value).toList();
  }

  // ---- events and detectors

  /** The fan-out of events: embedders' listeners, webhooks; and the feed that reads the group's log. */
  private void startEvents(ObjectMapper json) {
    listeners.forEach(events::subscribe);
    events.subscribe(metrics::onEvent);
    webhooks = new Webhooks(config.events().webhooks(), config.group().value(), nodeName(), json);
    events.subscribe(event -> webhooks.onEvent(event)); // the webhooks of the moment: a reload replaces them
    feed = new EventFeed(store, nodeName(), json);
  }

  /** Per-service actions and detector rules; they run commands with this node's API in BATON_API. */
  private void startActions(ObjectMapper json, ProviderControl control) {
    actions = new ActionRunner(config.group().value(), nodeName(), config.access().scheme() + "://" + apiAddress, config.stateDir(), events);
    serviceActions = new ServiceActions(config.services(), actions);
    events.subscribe(serviceActions);
    nodeActions = new dev.baton.agent.watchdog.NodeActions(config.events().on(), actions);
    events.subscribe(nodeActions);
    detectors = new Detectors(config.node(), config.services(), config.rules(), store, events, actions, control,
        this::currentEpoch, json);
    verbs = new OperatorVerbs(config.group(), config.node(), store, events, this::currentView, json);
    restarts = new dev.baton.agent.placement.RestartVerb(config.group(), config.node(), store, events,
        this::currentView, supervisor::running, control, config.timing().storeCallTimeout());
  }

  private Long currentEpoch(ServiceName service) {
    Reconciler r = reconciler;
    View v = r == null ? null : r.view();
    return v == null ? null : v.snapshot().ownership(service).epoch();
  }

  /** The group's events as {@code query} asks: {@code GET /v1/events}. */
  public dev.baton.api.EventsResponse events(EventFeed.Query query) {
    return new dev.baton.api.EventsResponse(ready(feed).read(query));
  }

  /** Streams the group's events to {@code sink} as {@code query} asks: {@code GET /v1/events/stream}. */
  public void streamEvents(EventFeed.Sink sink, EventFeed.Query query) {
    ready(feed).subscribe(sink, query);
  }

  /** A detector's report, checked, recorded and handed to the rules: {@code POST /v1/reports}. */
  public dev.baton.api.ReportResponse report(String body) {
    return ready(detectors).receive(body);
  }

  /** How this node holds each service's processes together; in-process services need nothing. */
  private ServiceTrees containment() {
    if (embedding.runner() != null) {
      return ServiceTrees.processGroups();
    }
    ServiceTrees trees = ServiceTrees.choose(config.containment());
    if (trees.namespaces() || config.containment() == Containment.PROCESS_GROUP) {
      LOG.info("{} containment: {}", tag, trees.describe());
    } else {
      LOG.warn("{} containment: {}; a process of a service that leaves its process group (setsid, a daemon that"
          + " forks twice) can outlive the service (docs/guardian.md, \"Containment\")", tag, trees.describe());
    }
    return trees;
  }

  /** The operator verbs, answered for the whole group by any node ({@code /v1} move, disable, ...). */
  public OperatorVerbs verbs() {
    return ready(verbs);
  }

  /** A restart in place ({@code POST /v1/services/{name}/restart}): done here by the owner, or sent on to it. */
  public dev.baton.agent.placement.RestartVerb restarts() {
    return ready(restarts);
  }

  /**
   * {@code part} once it exists, while the node is starting or running. A starting node whose
   * session is open shows as alive to its peers, so it answers as soon as it has read the store
   * ({@link #currentView}); a stopping one refuses.
   */
  private <T> T ready(T part) {
    State now = state.get();
    if (part == null || (now != State.RUNNING && now != State.STARTING)) {
      throw new StoreException("node " + config.node() + " is " + state.get().name().toLowerCase(java.util.Locale.ROOT)
          + "; try again shortly");
    }
    return part;
  }

  private View currentView() {
    Reconciler r = reconciler;
    View v = r == null ? null : r.view();
    if (v == null) {
      throw new StoreException("node " + config.node() + " has not read the store yet; try again shortly");
    }
    return v;
  }

  /** What a start took over from the previous run of this agent. */
  private record Readoption(SessionId session, long sentNanos, List<GuardianLink.Held> services, String detail) {}

  /**
   * Decides what becomes of the previous run's session and service processes. Which processes run
   * is the guardian's word ({@link GuardianLink#held()}), each with the session it was started
   * under; without a guardian, the mirror's processes that still run (same pid, same boot-relative
   * start). The session to carry on with is the mirror's, or, when the mirror is gone, the one the
   * guardian's processes were started under.
   *
   * <p>A process is re-adopted (same pid, same epoch) when this agent runs under a guardian, its
   * session is that session and still alive in the store (it can be renewed now), the session was
   * opened with a lease at least this run's (peers wait for that one, and this run fences by its
   * own), the store still gives the service to that session at that epoch, and the service is still
   * configured. Every other process is killed, whole, and is gone before this run claims anything.
   * Publishes the new fence deadline at once, so the guardian keeps what is re-adopted.
   */
  private Readoption readopt(Mirror.State previous) {
    SessionId mirrored = previous == null || previous.stopped() ? null : previous.session();
    List<GuardianLink.Held> held = link != null ? link.held() : previous == null ? List.of()
        : previous.services().stream().filter(s -> s.process().isPresent())
            .map(s -> new GuardianLink.Held(s.name(), s.epoch(), mirrored, s.pid(), s.startTicks())).toList();
    SessionId session = mirrored;
    if (session == null && link != null) {
      List<SessionId> tagged = held.stream().map(GuardianLink.Held::session).distinct().toList();
      if (tagged.size() == 1) {
        session = tagged.get(0);
        LOG.info("{} no mirror of the previous run; its guardian holds processes of session {}", tag, session);
      }
    }
    if (session == null && held.isEmpty()) {
      return new Readoption(null, 0, List.of(), "nothing to re-adopt");
    }
    long sent = 0;
    String lost = null;
    if (session != null && link != null) {
      sent = clock.nanos();
      try {
        store.renew(session);
        link.deadline(sent + config.timing().killAfter().toNanos(), session);
      } catch (RuntimeException e) {
        lost = "session " + session + " of the previous run could not be renewed (" + e.getMessage() + ")";
        session = null;
      }
    } else if (session != null) {
      lost = "no guardian kept the previous run's services";
      session = null;
    }
    Snapshot snapshot = session == null ? null : store.snapshot();
    Duration recorded = snapshot == null ? null : snapshot.node(config.node()).map(NodeRecord::lease).orElse(null);
    if (snapshot != null && (recorded == null || recorded.compareTo(config.timing().lease()) < 0)) {
      // Peers wait for the lease recorded with the session; this run would fence by its config's, a
      // longer one (the config changed between the runs): the services could outlive their wait.
      lost = "session " + session + " of the previous run was opened with lease "
          + (recorded == null ? "unknown" : Durations.format(recorded)) + ", shorter than this run's "
          + Durations.format(config.timing().lease());
      session = null;
      snapshot = null;
    }
    List<GuardianLink.Held> adopted = new ArrayList<>();
    List<GuardianLink.Held> killed = new ArrayList<>();
    for (GuardianLink.Held h : held) {
      Ownership ownership = snapshot == null ? null : snapshot.ownership(h.service());
      String why = session == null ? (lost != null ? lost : "the previous run left no session to carry on with")
          : !session.equals(h.session()) ? "it was started under session " + h.session() + ", not " + session
          : !config.services().containsKey(h.service()) ? "the service is no longer configured"
          : ownership == null || !session.equals(ownership.session()) || ownership.epoch() != h.epoch()
              ? "the store no longer gives this node that epoch"
          : null;
      if (why == null) {
        adopted.add(h);
        continue;
      }
      LOG.warn("[node={} service={} epoch={}] killing pid {} of the previous run: {}", config.node(), h.service(),
          h.epoch(), h.pid(), why);
      if (link != null) {
        link.kill(h.pid(), "the restarted agent does not re-adopt it: " + why);
      } else {
        ServiceTrees.killInner(h.pid());
        Supervisor.signalGroup(h.pid(), "KILL");
      }
      killed.add(h);
    }
    long patience = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    for (GuardianLink.Held h : killed) {
      while (h.running() && System.nanoTime() < patience) {
        sleepQuietly(10);
      }
      if (h.running()) {
        throw new BatonException("pid " + h.pid() + " of the previous run (" + h + ") is still alive 5s after SIGKILL;"
            + " not joining while it runs");
      }
    }
    String detail = (session != null ? "re-adopted session " + session + (adopted.isEmpty() ? "" : " and " + adopted)
        : lost == null ? "no session to re-adopt" : lost + "; joining with a new session")
        + (killed.isEmpty() ? "" : "; killed " + killed);
    LOG.info("{} previous run: {}", tag, detail);
    return new Readoption(session, sent, adopted, detail);
  }

  private static void sleepQuietly(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BatonException("interrupted while the previous run's processes were being killed", e);
    }
  }

  private void mirror() {
    if (embedding.runner() != null) {
      return; // services in this JVM die with it: there is nothing for a restarted agent to re-adopt
    }
    SessionKeeper k = keeper;
    Supervisor s = supervisor;
    if (s != null && state.get() != State.STOPPED) {
      mirror.write(k == null ? null : k.session(), s.all(), false);
    }
  }

  private void shutdown(boolean graceful) {
    LOG.info("{} stopping", tag);
    if (keeper != null && !leaveGracefully) {
      keeper.close(); // going down as a crashed node: not one more renewal, so the lease starts to run now
    }
    closeQuietly(watch);
    epochKeeper.shutdownNow();
    closeQuietly(reconciler);
    if (supervisor != null && nodeGone) {
      // Its services died with the guardian (and their PID namespaces with them): nothing to stop
      // gracefully, and no guardian to report their exits. Make sure, and go: a node restarted at
      // once must not find this agent still holding its port.
      supervisor.killAll("the node is gone");
      if (!supervisor.awaitAllGone(Duration.ofSeconds(2))) {
        LOG.error("{} processes of its services are still alive after SIGKILL", tag);
      }
    } else if (supervisor != null) {
      Duration longest = config.services().values().stream().map(ServiceConfig::stopTimeout)
          .max(Comparator.naturalOrder()).orElse(Duration.ZERO);
      supervisor.stopAll(longest);
      if (!supervisor.awaitAllGone(longest.plusSeconds(2))) {
        LOG.warn("{} services still running after their stop-timeout; killing them", tag);
        supervisor.killAll("agent stopping");
        supervisor.awaitAllGone(Duration.ofSeconds(2));
      }
    }
    closeQuietly(actions); // the actions still running finish (2 s at most) before the node's last event
    if (keeper != null && graceful && leaveGracefully && keeper.session() != null && events != null) {
      events.append(dev.baton.api.EventTypes.NODE_LEFT, null, null, "graceful stop: session " + keeper.session()
          + " closed, its services released");
    }
    if (keeper != null && !leaveGracefully) {
      keeper.close();
      LOG.warn("{} leaving session {} to expire (the node is going down as if it crashed)", tag, keeper.session());
    } else if (keeper != null) {
      try {
        keeper.closeSession();
      } catch (RuntimeException e) {
        LOG.warn("{} could not close the session ({}); peers take over once its lease passes", tag, e.getMessage());
      }
      keeper.close();
    }
    closeQuietly(events);
    closeQuietly(webhooks);
    closeQuietly(feed);
    closeQuietly(api);
    closeQuietly(supervisor);
    closeQuietly(store);
    closeQuietly(metrics);
    state.set(State.STOPPED);
    if (graceful) {
      mirror.write(null, List.of(), true);
      if (link != null) {
        link.bye();
      }
    }
    closeQuietly(link);
    stopped.countDown();
    LOG.info("{} stopped{}", tag, graceful ? "" : " (start failed)");
  }

  private void closeQuietly(AutoCloseable c) {
    if (c == null) {
      return;
    }
    try {
      c.close();
    } catch (Exception e) {
      LOG.warn("{} error while closing {}: {}", tag, c.getClass().getSimpleName(), e.toString());
    }
  }

  @Override
  public void close() {
    stop();
  }

  private final class KeeperListener implements SessionKeeper.Listener {
    @Override
    public void sessionOpened(SessionId session) {
      events.append("node.joined", null, null, "session " + session + ", api " + advertisedAddress);
      mirror();
      Reconciler r = reconciler;
      if (r != null) {
        r.request();
      }
    }

    @Override
    public void terminate(SessionId session, String why) {
      supervisor.stopAll(config.timing().killAfter().minus(config.timing().terminateAfter()));
    }

    @Override
    public void kill(SessionId session, String why) {
      supervisor.killAll("fenced: " + why);
      events.append("node.fenced", null, null, why);
      mirror();
      reconciler.request();
    }

    /** The kill deadline before this renewal, of the same session: for the fence margin metric. */
    private SessionId lastSession;
    private long lastDeadline;

    @Override
    public void renewed(SessionId session, long sentNanos) {
      long deadline = sentNanos + config.timing().killAfter().toNanos();
      if (session.equals(lastSession)) {
        metrics.renewed(Duration.ofNanos(lastDeadline - clock.nanos()));
      }
      lastSession = session;
      lastDeadline = deadline;
      if (link != null) {
        link.deadline(sentNanos + config.timing().killAfter().toNanos(), session);
      }
    }
  }

  private final class LinkListener implements GuardianLink.Listener {
    @Override
    public void note(String type, ServiceName service, Long epoch, String detail) {
      events.append(type, service, epoch, detail);
    }

    @Override
    public void nodeGone(String why) {
      LOG.error("{} {}: stopping without a handover, as a crashed node", tag, why);
      leaveGracefully = false;
      nodeGone = true;
      requestStop();
    }
  }
}
