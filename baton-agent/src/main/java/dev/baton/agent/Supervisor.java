package dev.baton.agent;

import dev.baton.agent.config.ServiceConfig;
import dev.baton.core.BatonException;
import dev.baton.core.ServiceName;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts and stops the provider processes of this node.
 *
 * <p>Every process is started as {@code setpriv --pdeathsig KILL -- setsid -- COMMAND...}: it runs
 * in a process group of its own (so a Ctrl-C meant for the agent does not reach it, and a stop
 * reaches its children), and the kernel kills it when its parent dies, so a service never outlives
 * an agent killed with SIGKILL. The parent-death signal fires when the <em>thread</em> that forked
 * the process ends, so every process is forked by one dedicated thread that lives as long as the
 * supervisor (tasks are submitted, never executed, so an exception cannot replace that thread).
 *
 * <p>Thread-safe.
 */
final class Supervisor implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Supervisor.class);

  /** A running provider process. */
  static final class Running {
    final ServiceName service;
    final long epoch;
    final Process process;
    final Instant started;
    final Duration stopTimeout;
    volatile boolean stopping;

    Running(ServiceName service, long epoch, Process process, Duration stopTimeout) {
      this.service = service;
      this.epoch = epoch;
      this.process = process;
      this.started = Instant.now();
      this.stopTimeout = stopTimeout;
    }

    long pid() {
      return process.pid();
    }
  }

  /** How a process ended: asked to stop by the agent, or on its own. */
  record Exit(ServiceName service, long epoch, long pid, int code, boolean requested) {}

  private final String group;
  private final String node;
  private final String api;
  private final Path logDir;
  private final Consumer<Exit> onExit;
  private final Map<ServiceName, Running> running = new ConcurrentHashMap<>();
  private final ExecutorService spawner;
  private final ScheduledExecutorService killer;

  Supervisor(String group, String node, String api, Path stateDir, Consumer<Exit> onExit) {
    this.group = group;
    this.node = node;
    this.api = api;
    this.logDir = stateDir.resolve("logs");
    this.onExit = onExit;
    this.spawner = Executors.newSingleThreadExecutor(Threads.named("baton-spawner-" + node));
    this.killer = Executors.newSingleThreadScheduledExecutor(Threads.named("baton-stopper-" + node));
  }

  /** The log file of a service's output. */
  Path logFile(ServiceName service) {
    return logDir.resolve(service + ".log");
  }

  Optional<Running> running(ServiceName service) {
    return Optional.ofNullable(running.get(service));
  }

  List<Running> all() {
    return new ArrayList<>(running.values());
  }

  /**
   * Starts {@code service} at {@code epoch}. The caller holds a granted claim for that epoch.
   *
   * @throws BatonException if the process could not be started (the message says why)
   */
  Running start(ServiceConfig service, long epoch) {
    if (running.containsKey(service.name())) {
      throw new IllegalStateException(service.name() + " is already running");
    }
    List<String> command = new ArrayList<>(List.of("setpriv", "--pdeathsig", "KILL", "--", "setsid", "--"));
    command.addAll(service.command());
    ProcessBuilder pb = new ProcessBuilder(command);
    Map<String, String> env = pb.environment();
    env.putAll(service.env());
    env.put("BATON_GROUP", group);
    env.put("BATON_NODE", node);
    env.put("BATON_SERVICE", service.name().value());
    env.put("BATON_EPOCH", Long.toString(epoch));
    env.put("BATON_API", api);
    if (service.workdir() != null) {
      pb.directory(service.workdir().toFile());
    }
    Path log = logFile(service.name());
    pb.redirectErrorStream(true);
    pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    Process process;
    try {
      Files.createDirectories(logDir);
      process = spawner.submit(pb::start).get();
    } catch (ExecutionException e) {
      throw new BatonException("cannot start " + service.name() + " " + service.command() + ": "
          + e.getCause().getMessage(), e.getCause());
    } catch (IOException e) {
      throw new BatonException("cannot create the log directory " + logDir + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BatonException("interrupted while starting " + service.name(), e);
    }
    Running r = new Running(service.name(), epoch, process, service.stopTimeout());
    running.put(service.name(), r);
    process.onExit().thenRun(() -> exited(r));
    LOG.info("[node={} service={} epoch={}] started pid {}: {} (output in {})",
        node, service.name(), epoch, process.pid(), service.command(), log);
    return r;
  }

  /** SIGTERM to the service's process group, SIGKILL after {@code timeout} if it is still there. */
  void stop(ServiceName service, Duration timeout) {
    Running r = running.get(service);
    if (r == null || r.stopping) {
      return;
    }
    r.stopping = true;
    LOG.info("[node={} service={} epoch={}] stopping pid {} (SIGTERM, SIGKILL after {})", node, service, r.epoch, r.pid(), timeout);
    signal(List.of(r), "TERM");
    killer.schedule(() -> {
      if (r.process.isAlive()) {
        LOG.warn("[node={} service={} epoch={}] pid {} still alive {} after SIGTERM; SIGKILL", node, service, r.epoch, r.pid(), timeout);
        signal(List.of(r), "KILL");
      }
    }, timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * Stops every service, each with at most {@code maxTimeout} before SIGKILL. All of them are
   * signalled at once (one {@code kill} for all process groups), so this stays fast with many.
   */
  void stopAll(Duration maxTimeout) {
    List<Running> stopping = all().stream().filter(r -> !r.stopping).toList();
    if (stopping.isEmpty()) {
      return;
    }
    for (Running r : stopping) {
      r.stopping = true;
      LOG.info("[node={} service={} epoch={}] stopping pid {} (SIGTERM, SIGKILL after {})", node, r.service, r.epoch,
          r.pid(), r.stopTimeout.compareTo(maxTimeout) < 0 ? r.stopTimeout : maxTimeout);
    }
    signal(stopping, "TERM");
    for (Running r : stopping) {
      Duration timeout = r.stopTimeout.compareTo(maxTimeout) < 0 ? r.stopTimeout : maxTimeout;
      killer.schedule(() -> {
        if (r.process.isAlive()) {
          LOG.warn("[node={} service={} epoch={}] pid {} still alive {} after SIGTERM; SIGKILL", node, r.service, r.epoch,
              r.pid(), timeout);
          signal(List.of(r), "KILL");
        }
      }, timeout.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  /**
   * SIGKILL to every service, now: first to each main process straight from this JVM (no fork),
   * then to all their process groups with one {@code kill}.
   */
  void killAll(String why) {
    List<Running> all = all();
    for (Running r : all) {
      r.stopping = true;
      r.process.destroyForcibly();
    }
    for (Running r : all) {
      LOG.warn("[node={} service={} epoch={}] SIGKILL pid {}: {}", node, r.service, r.epoch, r.pid(), why);
    }
    signal(all, "KILL");
  }

  /** Kills one service's process group now (it runs without valid ownership). */
  void kill(ServiceName service, String why) {
    Running r = running.get(service);
    if (r != null) {
      r.stopping = true;
      r.process.destroyForcibly();
      LOG.error("[node={} service={} epoch={}] SIGKILL pid {}: {}", node, service, r.epoch, r.pid(), why);
      signal(List.of(r), "KILL");
    }
  }

  /** Waits until no process of this supervisor is alive, or the timeout passes. */
  boolean awaitAllGone(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    for (Running r : all()) {
      long left = deadline - System.nanoTime();
      try {
        if (left <= 0 || !r.process.waitFor(left, TimeUnit.NANOSECONDS)) {
          return false;
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return true;
  }

  private void exited(Running r) {
    running.remove(r.service, r);
    int code = r.process.exitValue();
    // Children that outlived the main process still belong to its group.
    signalGroups(List.of(r.pid()), "KILL");
    LOG.info("[node={} service={} epoch={}] pid {} exited with code {}{}", node, r.service, r.epoch, r.pid(), code,
        r.stopping ? "" : " on its own");
    onExit.accept(new Exit(r.service, r.epoch, r.pid(), code, r.stopping));
  }

  /** Signals whole process groups; a group's id is its service's pid (setsid). */
  private void signal(List<Running> services, String signal) {
    if (services.isEmpty() || signalGroups(services.stream().map(Running::pid).toList(), signal)) {
      return;
    }
    for (Running r : services) { // no kill(1): at least the processes this JVM knows
      r.process.descendants().forEach(signal.equals("KILL") ? ProcessHandle::destroyForcibly : ProcessHandle::destroy);
      if (signal.equals("KILL")) {
        r.process.destroyForcibly();
      } else {
        r.process.destroy();
      }
    }
  }

  /** One {@code kill -s SIGNAL -- -pgid...}; false when it could not run. Groups already gone are fine. */
  private static boolean signalGroups(List<Long> pgids, String signal) {
    List<String> command = new ArrayList<>(List.of("kill", "-s", signal, "--"));
    pgids.forEach(p -> command.add("-" + p));
    try {
      Process kill = new ProcessBuilder(command)
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .start();
      return kill.waitFor(2, TimeUnit.SECONDS);
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
    spawner.shutdown();
    killer.shutdown();
  }
}
