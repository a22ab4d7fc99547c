package dev.baton.cli;

import dev.baton.agent.Agent;
import dev.baton.agent.config.AgentConfig;
import dev.baton.agent.guardian.GuardianMain;
import dev.baton.core.BatonException;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code baton agent -c FILE} with the guardian on (docs/guardian.md): this process is the
 * launcher, the one a user or a service manager starts and stops. It starts the guardian (which
 * starts the real agent as its child) under {@code setpriv --pdeathsig KILL -- setsid --}, so the
 * node dies with the launcher and a Ctrl-C reaches only the launcher; it turns SIGTERM and SIGINT
 * into a graceful stop of the node, passes SIGHUP on to the agent (a reload), and exits with the guardian's code (0 after a graceful stop).
 *
 * <p>If the guardian dies while the agent lives, the agent starts a new guardian; the launcher then
 * follows the node through the agent's mirrored pid until the agent stops.
 *
 * <p>{@code bin/baton} does not keep a JVM as the launcher (docs/performance.md, "Footprint"): its
 * launcher is a shell ({@code baton-node.bash}) that runs this command with {@link #PLAN_ENV} naming a
 * file. This JVM then checks the config as always, writes the state-dir and the guardian's command
 * (with the shell as the launcher) into that file, NUL-separated, and exits 0; the shell starts the
 * guardian and does the rest of what {@link #run} does here.
 */
final class GuardedNode {
  private static final long NO_AGENT_PATIENCE_MILLIS = 15_000;
  /** Set by {@code bin/baton}'s launcher shell: the file to write the plan into, instead of running the node. */
  static final String PLAN_ENV = "BATON_LAUNCHER_PLAN";

  private final AgentConfig config;
  private final PrintWriter err;
  private volatile Process guardian;
  private volatile boolean stopping;

  GuardedNode(AgentConfig config, PrintWriter err) {
    this.config = config;
    this.err = err;
  }

  /** Runs the node until it stops; returns the exit code. Call from the main thread (it forks the guardian). */
  int run() throws InterruptedException {
    String java = ProcessHandle.current().info().command().orElse("java");
    String classpath = System.getProperty("java.class.path");
    List<String> agent = new ArrayList<>(List.of(java));
    agent.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
    agent.addAll(List.of("-cp", classpath, Main.class.getName(), "agent", "-c", config.file().toString()));
    if (config.access().insecure()) {
      agent.add("--insecure"); // from the command line, or api.insecure: the agent checks it again
    }
    if (config.pairBackup()) {
      agent.add("--backup"); // from the command line, or pair.role: the agent reads it again
    }
    String plan = System.getenv(PLAN_ENV);
    long launcherPid = plan == null ? ProcessHandle.current().pid()
        : ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(0L);
    List<String> command = new ArrayList<>(List.of("setpriv", "--pdeathsig", "KILL", "--", "setsid", "--"));
    command.addAll(GuardianMain.command(java, classpath, config.stateDir(), launcherPid, 0, agent));
    if (plan != null) {
      return writePlan(Path.of(plan), command);
    }
    Signals.onTerminate(this::stop);
    Signals.onReload(this::reload);
    try {
      Files.createDirectories(config.stateDir());
      guardian = new ProcessBuilder(command).inheritIO().start();
    } catch (IOException e) {
      throw new BatonException("cannot start the guardian of node " + config.node() + ": " + e.getMessage(), e);
    }
    if (stopping) {
      guardian.destroy();
    }
    int code = guardian.waitFor();
    if (code < 128) {
      return code;
    }
    err.println("baton: the guardian of node " + config.node() + " (pid " + guardian.pid() + ") died with code " + code
        + "; the agent starts a new one. Following the node until its agent stops.");
    err.flush();
    return followAgent();
  }

  /** The state-dir, then the guardian's command, each word ended by a NUL (bash's {@code mapfile -d ''}). */
  private int writePlan(Path plan, List<String> command) {
    StringBuilder text = new StringBuilder(config.stateDir().toString()).append('\0');
    for (String word : command) {
      text.append(word).append('\0');
    }
    try {
      Files.createDirectories(config.stateDir());
      Files.writeString(plan, text);
    } catch (IOException e) {
      throw new BatonException("cannot start the guardian of node " + config.node() + ": " + e.getMessage(), e);
    }
    return ExitCodes.OK;
  }

  private void stop() {
    stopping = true;
    Process g = guardian;
    if (g != null && g.isAlive()) {
      g.destroy();
    } else {
      currentAgent().ifPresent(ProcessHandle::destroy);
    }
  }

  /** SIGHUP: passed on to the node's agent, which reads its config file again. */
  private void reload() {
    currentAgent().filter(ProcessHandle::isAlive).ifPresentOrElse(a -> GuardianMain.sendHup(a.pid()), () -> {
      err.println("baton: SIGHUP: no agent of node " + config.node() + " runs to reload its config");
      err.flush();
    });
  }

  /** Waits until no agent of this node runs any more: 0 if the last one stopped gracefully. */
  private int followAgent() throws InterruptedException {
    long noAgentSince = -1;
    boolean signalled = false;
    while (true) {
      OptionalLong pid = Agent.mirroredPid(config.stateDir());
      if (pid.isEmpty()) {
        return ExitCodes.OK;
      }
      Optional<ProcessHandle> agent = ProcessHandle.of(pid.getAsLong()).filter(ProcessHandle::isAlive);
      if (agent.isPresent()) {
        noAgentSince = -1;
        if (stopping && !signalled) {
          agent.get().destroy();
          signalled = true;
        }
        try {
          agent.get().onExit().get(200, TimeUnit.MILLISECONDS);
        } catch (TimeoutException | java.util.concurrent.ExecutionException e) {
          // still running
        }
      } else {
        long now = System.nanoTime();
        noAgentSince = noAgentSince < 0 ? now : noAgentSince;
        if (now - noAgentSince > TimeUnit.MILLISECONDS.toNanos(NO_AGENT_PATIENCE_MILLIS)) {
          err.println("baton: no agent of node " + config.node() + " has run for "
              + NO_AGENT_PATIENCE_MILLIS / 1000 + "s and the last one did not stop gracefully");
          err.flush();
          return ExitCodes.FAILED;
        }
        Thread.sleep(200);
      }
    }
  }

  private Optional<ProcessHandle> currentAgent() {
    OptionalLong pid = Agent.mirroredPid(config.stateDir());
    return pid.isPresent() ? ProcessHandle.of(pid.getAsLong()) : Optional.empty();
  }
}
