package dev.baton.agent.supervisor;

import dev.baton.agent.config.ServiceConfig;
import dev.baton.agent.config.ServiceLogs;
import dev.baton.core.BatonException;
import dev.baton.core.ServiceName;
import dev.baton.core.Threads;
import dev.baton.core.store.SessionId;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts and stops the provider processes of this node.
 *
 * <p>Every process is started as {@code setpriv --pdeathsig KILL -- setsid -- COMMAND...}: it runs
 * in a process group of its own (so a Ctrl-C meant for the agent does not reach it, and a stop
 * reaches its children), and the kernel kills it when its parent dies. Where the machine allows
 * it, the command also runs in a PID namespace of its own, so that every process it starts dies
 * with it ({@link ServiceTrees}). A service counts as ended, and its exit is reported, only once
 * nothing of its tree is left alive. Who the parent is depends on
 * the {@link Spawner}: without a guardian, the agent itself (a service never outlives an agent
 * killed with SIGKILL); with one, the guardian forks it on the agent's request, so it outlives the
 * agent (a restarted agent re-adopts it, {@link #adopt}) but not the guardian. The parent-death
 * signal fires when the <em>thread</em> that forked the process ends, so the agent's own spawner
 * forks from one dedicated thread that lives as long as the supervisor (tasks are submitted, never
 * executed, so an exception cannot replace that thread).
 *
 * <p>Processes are known by {@link ProcessHandle}, so those of a guardian or of a previous agent
 * are signalled and watched like the agent's own children. An embedded node may provide its
 * services inside the JVM instead ({@link ServiceRunner}): then nothing is forked, and stop and
 * kill go to the runner.
 *
 * <p>Thread-safe.
 */
public final class Supervisor implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Supervisor.class);
  /** How often the services' logs are measured for rotation. */
  private static final long LOG_CHECK_MILLIS = 200;

  /** An exit code that is not known (the process was not this agent's child and nobody told it). */
  public static final int UNKNOWN_EXIT = -1;

  /** A started process: its handle and its exit code once it ended ({@link #UNKNOWN_EXIT} if unknown). */
  public record Spawned(ProcessHandle handle, CompletableFuture<Integer> exitCode) {}

  /** Forks a service process; the command already starts with setpriv and setsid. */
  public interface Spawner {
    /**
     * @param session the session the start was decided under (a guardian refuses it once that
     *     session is no longer current)
     * @throws BatonException if it could not be started (the message says why)
     */
    Spawned spawn(ServiceName service, long epoch, SessionId session, List<String> command, Map<String, String> env,
        Path workdir, Path log);
  }

  /** A running provider process. */
  public static final class Running {
    private final ServiceName service;
    private final long epoch;
    /** The process; null when the service runs inside this JVM ({@link #provided}). */
    private final ProcessHandle handle;
    /** The in-JVM run of a {@link ServiceRunner}; null for a process. */
    private final ServiceRunner.Provided provided;
    private final CompletableFuture<Integer> exitCode;
    private final Instant started;
    private final Duration stopTimeout;
    /** Completes once nothing of its process tree is alive (its exit has then been reported). */
    private final CompletableFuture<Void> gone = new CompletableFuture<>();
    private volatile boolean stopping;
    private boolean lingerReported;

    Running(ServiceName service, long epoch, Spawned spawned, Duration stopTimeout) {
      this(service, epoch, spawned.handle(), null, spawned.exitCode(), stopTimeout);
    }

    Running(ServiceName service, long epoch, ServiceRunner.Provided provided, Duration stopTimeout) {
      this(service, epoch, null, provided, provided.exit(), stopTimeout);
    }

    private Running(ServiceName service, long epoch, ProcessHandle handle, ServiceRunner.Provided provided,
        CompletableFuture<Integer> exitCode, Duration stopTimeout) {
      this.service = service;
      this.epoch = epoch;
      this.handle = handle;
      this.provided = provided;
      this.exitCode = exitCode;
      this.started = Instant.now();
      this.stopTimeout = stopTimeout;
    }

    public ServiceName service() {
      return service;
    }

    /** The epoch it runs at. */
    public long epoch() {
      return epoch;
    }

    /** The process; null when the service runs inside this JVM. */
    public ProcessHandle handle() {
      return handle;
    }

    /** Whether it has been asked to stop (or killed) and has not ended yet. */
    public boolean stopping() {
      return stopping;
    }

    /** The process id; -1 for a service that runs inside this JVM. */
    public long pid() {
      return handle == null ? -1 : handle.pid();
    }

    /** "pid N", or "in-process", for logs and events. */
    public String describe() {
      return handle == null ? "in-process" : "pid " + handle.pid();
    }
  }

  /**
   * Whether {@code service} ended and its exit, reported to the exit listener, has not been handled
   * yet ({@link #exitHandled}): it no longer runs, but what its exit means (a restart in place, a
   * ban) is not decided yet, so it must not be taken for a service that is simply gone.
   */
  public boolean exitPending(ServiceName service) {
    return unhandledExits.contains(service);
  }

  /** The exit listener has handled the last exit of {@code service}. */
  public void exitHandled(ServiceName service) {
    unhandledExits.remove(service);
  }

  /** How a process ended: asked to stop by the agent, or on its own. */
  public record Exit(ServiceName service, long epoch, long pid, int code, boolean requested) {}

  private final String group;
  private final String node;
  private final String api;
  private final Path logDir;
  private final Consumer<Exit> onExit;
  private final Runnable changed;
  private final Map<ServiceName, Running> running = new ConcurrentHashMap<>();
  private final java.util.Set<ServiceName> unhandledExits = ConcurrentHashMap.newKeySet();
  private final ExecutorService forker;
  private final Spawner spawner;
  private final ServiceRunner runner;
  private final ScheduledExecutorService killer;
  /** Rotates the services' logs, apart from {@link #killer}, whose kills must not wait for a copy. */
  private final ScheduledExecutorService logKeeper;
  private volatile ServiceLogs serviceLogs;
  private long lastLogWarningNanos = System.nanoTime() - TimeUnit.MINUTES.toNanos(2);
  private final ServiceTrees trees;

  /**
   * @param spawner forks the processes; null: this agent forks them itself
   * @param changed called after every start, adoption and exit (to mirror the state)
   */
  Supervisor(String group, String node, String api, Path stateDir, Spawner spawner, ServiceTrees trees,
      Consumer<Exit> onExit, Runnable changed) {
    this(group, node, api, stateDir, spawner, null, trees, onExit, changed);
  }

  /**
   * @param runner provides the services inside this JVM; null: they are processes, forked by
   *     {@code spawner}
   * @param trees how each service's processes are held together
   */
  public Supervisor(String group, String node, String api, Path stateDir, Spawner spawner, ServiceRunner runner,
      ServiceTrees trees, Consumer<Exit> onExit, Runnable changed) {
    this.trees = trees;
    this.runner = runner;
    this.group = group;
    this.node = node;
    this.api = api;
    this.logDir = stateDir.resolve("logs");
    this.onExit = onExit;
    this.changed = changed;
    this.forker = Executors.newSingleThreadExecutor(Threads.named("baton-spawner-" + node));
    this.spawner = spawner != null ? spawner : this::forkHere;
    this.killer = Executors.newSingleThreadScheduledExecutor(Threads.named("baton-stopper-" + node));
    this.logKeeper = Executors.newSingleThreadScheduledExecutor(Threads.named("baton-logs-" + node));
  }

  /**
   * Keeps the running services' logs within {@code logs}: each is measured every 200 ms and rotated
   * once it has reached the size (see {@link LogRotation}). A service that writes faster than that
   * overshoots by what it writes in 200 ms.
   */
  public void rotateLogs(ServiceLogs logs) {
    serviceLogs = logs;
    logKeeper.scheduleWithFixedDelay(() -> {
      ServiceLogs current = serviceLogs;
      for (Running r : all()) {
        if (r.handle == null) {
          continue; // runs inside this JVM: no log file of its own
        }
        try {
          if (LogRotation.rotateIfFull(logFile(r.service), current)) {
            LOG.debug("[node={} service={}] rotated its log {}", node, r.service, logFile(r.service));
          }
        } catch (IOException | RuntimeException e) {
          long now = System.nanoTime();
          if (now - lastLogWarningNanos > TimeUnit.MINUTES.toNanos(1)) { // not five times a second
            lastLogWarningNanos = now;
            LOG.warn("[node={} service={}] cannot rotate its log {}: {}", node, r.service, logFile(r.service), e.toString());
          }
        }
      }
    }, LOG_CHECK_MILLIS, LOG_CHECK_MILLIS, TimeUnit.MILLISECONDS);
  }

  /** Rotates by {@code logs} from now on (a reload); {@link #rotateLogs} must have been called. */
  public void serviceLogs(ServiceLogs logs) {
    serviceLogs = java.util.Objects.requireNonNull(logs, "logs");
  }

  Supervisor(String group, String node, String api, Path stateDir, ServiceTrees trees, Consumer<Exit> onExit) {
    this(group, node, api, stateDir, null, trees, onExit, () -> {});
  }

  /** The log file of a service's output. */
  Path logFile(ServiceName service) {
    return logDir.resolve(service + ".log");
  }

  public Optional<Running> running(ServiceName service) {
    return Optional.ofNullable(running.get(service));
  }

  public List<Running> all() {
    return new ArrayList<>(running.values());
  }

  /**
   * Starts {@code service} at {@code epoch}. The caller holds a granted claim for that epoch, made
   * under {@code session}.
   *
   * @throws BatonException if the process could not be started (the message says why)
   */
  public Running start(ServiceConfig service, long epoch, SessionId session) {
    if (running.containsKey(service.name())) {
      throw new IllegalStateException(service.name() + " is already running");
    }
    Map<String, String> env = new LinkedHashMap<>(service.env());
    env.put("BATON_GROUP", group);
    env.put("BATON_NODE", node);
    env.put("BATON_SERVICE", service.name().value());
    env.put("BATON_EPOCH", Long.toString(epoch));
    env.put("BATON_API", api);
    if (runner != null) {
      Running r = watch(new Running(service.name(), epoch, runner.start(service.name(), epoch, env), service.stopTimeout()));
      LOG.debug("[node={} service={} epoch={}] started in-process", node, service.name(), epoch);
      return r;
    }
    List<String> command = new ArrayList<>(List.of("setpriv", "--pdeathsig", "KILL", "--", "setsid", "--"));
    command.addAll(trees.wrap(service.command()));
    Path log = logFile(service.name());
    try {
      Files.createDirectories(logDir);
    } catch (IOException e) {
      throw new BatonException("cannot create the log directory " + logDir + ": " + e.getMessage(), e);
    }
    Spawned spawned = spawner.spawn(service.name(), epoch, session, command, env, service.workdir(), log);
    Running r = new Running(service.name(), epoch, spawned, service.stopTimeout());
    // Logged before it is watched: a command that ends at once has its exit logged right away.
    LOG.info("[node={} service={} epoch={}] started pid {}: {} (output in {})",
        node, service.name(), epoch, r.pid(), service.command(), log);
    return watch(r);
  }

  /**
   * Takes over a process started by a previous run of this agent, at {@code epoch}, without
   * restarting it. The caller has renewed the session that holds that epoch.
   */
  public Running adopt(ServiceConfig service, long epoch, Spawned process) {
    if (running.containsKey(service.name())) {
      throw new IllegalStateException(service.name() + " is already running");
    }
    Running r = watch(new Running(service.name(), epoch, process, service.stopTimeout()));
    LOG.info("[node={} service={} epoch={}] re-adopted pid {} (started by the previous agent)",
        node, service.name(), epoch, r.pid());
    return r;
  }

  private Running watch(Running r) {
    running.put(r.service, r);
    changed.run();
    r.exitCode.thenAccept(code -> reap(r, code, System.nanoTime()));
    return r;
  }

  /**
   * After a service's main process ended: SIGKILL whatever of its tree is left (workers, daemons
   * that double-forked), and report the exit only once nothing of it is alive, so that the service
   * is released, and started elsewhere, only then. Checks again every 10 ms while something lingers.
   */
  private void reap(Running r, int code, long sinceNanos) {
    if (r.handle != null && ServiceTrees.alive(r.pid())) {
      signalGroup(r.pid(), "KILL");
      if (!r.lingerReported && System.nanoTime() - sinceNanos >= TimeUnit.SECONDS.toNanos(1)) {
        r.lingerReported = true;
        LOG.warn("[node={} service={} epoch={}] {} ended 1s ago, but processes it started are still alive; the service"
            + " stays owned by this node until they are gone", node, r.service, r.epoch, r.describe());
      }
      try {
        killer.schedule(() -> reap(r, code, sinceNanos), 10, TimeUnit.MILLISECONDS);
        return;
      } catch (RejectedExecutionException e) {
        // closing: report the exit now
      }
    }
    exited(r, code);
  }

  private Spawned forkHere(ServiceName service, long epoch, SessionId session, List<String> command,
      Map<String, String> env, Path workdir, Path log) {
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().putAll(env);
    if (workdir != null) {
      pb.directory(workdir.toFile());
    }
    pb.redirectErrorStream(true);
    pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    try {
      Process process = forker.submit(pb::start).get();
      return new Spawned(process.toHandle(), process.onExit().thenApply(Process::exitValue));
    } catch (ExecutionException e) {
      throw new BatonException("cannot start " + service + " " + command.subList(6, command.size()) + ": "
          + e.getCause().getMessage(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BatonException("interrupted while starting " + service, e);
    }
  }

  /** SIGTERM to the service's process group, SIGKILL after {@code timeout} if it is still there. */
  public void stop(ServiceName service, Duration timeout) {
    Running r = running.get(service);
    if (r == null || r.stopping) {
      return;
    }
    r.stopping = true;
    LOG.info("[node={} service={} epoch={}] stopping {} (SIGTERM, SIGKILL after {})", node, service, r.epoch, r.describe(),
        timeout);
    signal(List.of(r), "TERM");
    killLater(r, timeout);
  }

  private void killLater(Running r, Duration timeout) {
    killer.schedule(() -> {
      if ((r.handle == null || r.handle.isAlive()) && !r.exitCode.isDone()) {
        LOG.warn("[node={} service={} epoch={}] {} still alive {} after SIGTERM; SIGKILL", node, r.service, r.epoch,
            r.describe(), timeout);
        signal(List.of(r), "KILL");
      }
    }, timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * Stops every service, each with at most {@code maxTimeout} before SIGKILL. All of them are
   * signalled at once (one {@code kill} for all process groups), so this stays fast with many.
   */
  public void stopAll(Duration maxTimeout) {
    List<Running> stopping = all().stream().filter(r -> !r.stopping).toList();
    for (Running r : stopping) {
      r.stopping = true;
      LOG.info("[node={} service={} epoch={}] stopping {} (SIGTERM, SIGKILL after {})", node, r.service, r.epoch,
          r.describe(), r.stopTimeout.compareTo(maxTimeout) < 0 ? r.stopTimeout : maxTimeout);
    }
    signal(stopping, "TERM");
    stopping.forEach(r -> killLater(r, r.stopTimeout.compareTo(maxTimeout) < 0 ? r.stopTimeout : maxTimeout));
  }

  /**
   * SIGKILL to every service, now: first to each main process straight from this JVM (no fork),
   * then to all their process groups with one {@code kill}.
   */
  public void killAll(String why) {
    List<Running> all = all();
    for (Running r : all) {
      r.stopping = true;
      destroyForcibly(r);
    }
    for (Running r : all) {
      LOG.warn("[node={} service={} epoch={}] SIGKILL {}: {}", node, r.service, r.epoch, r.describe(), why);
    }
    signal(all, "KILL");
  }

  /** Kills one service's process group now (it runs without valid ownership). */
  public void kill(ServiceName service, String why) {
    Running r = running.get(service);
    if (r != null) {
      r.stopping = true;
      destroyForcibly(r);
      LOG.error("[node={} service={} epoch={}] SIGKILL {}: {}", node, service, r.epoch, r.describe(), why);
      signal(List.of(r), "KILL");
    }
  }

  /**
   * Waits until no process of this supervisor, nor anything they started, is alive, or the timeout
   * passes. A main process that is a zombie (ended, not yet reaped by a parent that is perhaps gone)
   * counts as ended once nothing of its tree is alive, even when nobody reported its exit.
   */
  public boolean awaitAllGone(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    for (Running r : all()) {
      while (!r.gone.isDone() && !(r.handle != null && ServiceTrees.ended(r.pid()) && !ServiceTrees.alive(r.pid()))) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        try {
          r.gone.get(Math.min(left, TimeUnit.MILLISECONDS.toNanos(20)), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
          // look again
        } catch (ExecutionException e) {
          break; // ended all the same
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return false;
        }
      }
    }
    return true;
  }

  private void exited(Running r, int code) {
    r.gone.complete(null);
    unhandledExits.add(r.service); // before it stops counting as running: see exitPending
    if (!running.remove(r.service, r)) {
      unhandledExits.remove(r.service);
      return;
    }
    changed.run();
    LOG.info("[node={} service={} epoch={}] {} exited with {}{}", node, r.service, r.epoch, r.describe(),
        code == UNKNOWN_EXIT ? "an unknown code" : "code " + code, r.stopping ? "" : " on its own");
    onExit.accept(new Exit(r.service, r.epoch, r.pid(), code, r.stopping));
  }

  /** Signals whole process groups; a group's id is its service's pid (setsid). */
  private void signal(List<Running> all, String signal) {
    List<Running> services = new ArrayList<>();
    for (Running r : all) {
      if (r.provided == null) {
        services.add(r);
      } else if (signal.equals("KILL")) {
        r.provided.kill();
      } else {
        r.provided.stop();
      }
    }
    if (services.isEmpty() || signalGroups(services.stream().map(Running::pid).toList(), signal)) {
      return;
    }
    for (Running r : services) { // no kill(1): at least the processes this JVM can see
      r.handle.descendants().forEach(signal.equals("KILL") ? ProcessHandle::destroyForcibly : ProcessHandle::destroy);
      if (signal.equals("KILL")) {
        r.handle.destroyForcibly();
      } else {
        r.handle.destroy();
      }
    }
  }

  private static void destroyForcibly(Running r) {
    if (r.provided != null) {
      r.provided.kill();
    } else {
      ServiceTrees.killInner(r.pid());
      r.handle.destroyForcibly();
    }
  }

  public static boolean signalGroup(long pgid, String signal) {
    return signalGroups(List.of(pgid), signal);
  }

  /**
   * One {@code kill -s SIGNAL -- -pgid...}; false when it could not run. With one group, also
   * false when that group is gone; with several, groups already gone are fine.
   */
  public static boolean signalGroups(List<Long> pgids, String signal) {
    List<String> command = new ArrayList<>(List.of("kill", "-s", signal, "--"));
    pgids.forEach(p -> command.add("-" + p));
    try {
      Process kill = new ProcessBuilder(command)
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .start();
      return kill.waitFor(2, TimeUnit.SECONDS) && (pgids.size() > 1 || kill.exitValue() == 0);
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  @Override
  public void close() {
    killAll("supervisor closed");
    forker.shutdown();
    killer.shutdown();
    logKeeper.shutdownNow();
  }
}
