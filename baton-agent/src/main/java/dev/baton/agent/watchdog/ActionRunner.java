package dev.baton.agent.watchdog;

import dev.baton.agent.events.EventLog;
import dev.baton.api.EventTypes;
import dev.baton.core.ServiceName;
import dev.baton.core.Threads;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs actions (per-service {@code on:} commands and detector rules) one at a time on a thread of
 * its own, so that no action delays the reconciler, the event log or the HTTP API. A command gets
 * {@code BATON_GROUP}, {@code BATON_NODE}, {@code BATON_SERVICE}, {@code BATON_EPOCH},
 * {@code BATON_API} and the caller's extra variables; its output goes to
 * {@code <state-dir>/logs/actions.log}; it is killed after {@link #TIMEOUT}. Every action taken
 * is recorded as an {@code action.run} event saying what it did. At most {@value #QUEUE} actions
 * wait; more are dropped and logged.
 */
public final class ActionRunner implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ActionRunner.class);
  static final Duration TIMEOUT = Duration.ofSeconds(60);
  static final int QUEUE = 100;

  private final String group;
  private final String node;
  private final String api;
  private final Path log;
  private final EventLog events;
  private final ThreadPoolExecutor executor;

  public ActionRunner(String group, String node, String api, Path stateDir, EventLog events) {
    this.group = group;
    this.node = node;
    this.api = api;
    this.log = stateDir.resolve("logs").resolve("actions.log");
    this.events = events;
    this.executor = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(QUEUE),
        Threads.named("baton-actions-" + node), (task, pool) ->
            LOG.warn("[node={}] {} actions waiting; one more dropped", node, QUEUE));
  }

  /** Runs {@code task} on the action thread (for actions that are not commands). */
  void submit(Runnable task) {
    try {
      executor.execute(() -> {
        try {
          task.run();
        } catch (RuntimeException e) {
          LOG.error("[node={}] action failed", node, e);
        }
      });
    } catch (RejectedExecutionException e) {
      LOG.warn("[node={}] action not run: the agent is stopping", node);
    }
  }

  /**
   * Runs {@code command} soon, then records {@code action.run} with {@code what} and the exit code.
   *
   * @param extraEnv added on top of the {@code BATON_*} basics
   */
  void run(String what, List<String> command, ServiceName service, Long epoch, Map<String, String> extraEnv) {
    submit(() -> {
      String outcome = execute(what, command, service, epoch, extraEnv);
      events.append(EventTypes.ACTION_RUN, service, epoch, what + ": " + command + " " + outcome);
    });
  }

  /** Runs the command now and waits for it; returns what happened ("exited with code 0", ...). */
  private String execute(String what, List<String> command, ServiceName service, Long epoch,
      Map<String, String> extraEnv) {
    String tag = "[node=" + node + (service == null ? "" : " service=" + service) + "]";
    ProcessBuilder pb = new ProcessBuilder(command);
    Map<String, String> env = pb.environment();
    env.put("BATON_GROUP", group);
    env.put("BATON_NODE", node);
    env.put("BATON_SERVICE", service == null ? "" : service.value());
    env.put("BATON_EPOCH", epoch == null ? "" : epoch.toString());
    env.put("BATON_API", api);
    env.putAll(extraEnv);
    pb.redirectErrorStream(true);
    pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    Process process;
    try {
      Files.createDirectories(log.getParent());
      Files.writeString(log, Instant.now() + " " + tag + " " + what + ": " + command + "\n", StandardCharsets.UTF_8,
          StandardOpenOption.CREATE, StandardOpenOption.APPEND);
      process = pb.start();
    } catch (IOException e) {
      LOG.warn("{} {}: cannot run {}: {}", tag, what, command, e.getMessage());
      return "could not start: " + e.getMessage();
    }
    try {
      if (!process.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        LOG.warn("{} {}: {} still running after {}; killed", tag, what, command, TIMEOUT);
        return "killed after " + TIMEOUT.toSeconds() + "s";
      }
    } catch (InterruptedException e) {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      return "killed: the agent is stopping";
    }
    int code = process.exitValue();
    LOG.info("{} {}: {} exited with code {} (output in {})", tag, what, command, code, log);
    return "exited with code " + code;
  }

  /** Lets the running action finish for up to 2 s, then kills it; queued actions are not run. */
  @Override
  public void close() {
    executor.getQueue().clear();
    executor.shutdown();
    try {
      if (!executor.awaitTermination(2, TimeUnit.SECONDS)) {
        executor.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
