package dev.baton.agent.guardian;

import dev.baton.agent.supervisor.ServiceTrees;
import dev.baton.agent.supervisor.Supervisor;
import java.io.DataInputStream;
import java.io.File;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import sun.misc.Signal;

/**
 * The guardian: a small process beside one agent (docs/guardian.md). It
 * <ul>
 *   <li>forks the agent's service processes on the agent's request, each under
 *       {@code setpriv --pdeathsig KILL -- setsid --}, so they outlive the agent but not the
 *       guardian;</li>
 *   <li>holds the fence deadline, which the agent rewrites in {@code state-dir/fence-deadline}
 *       after every successful renewal (the moment the renewal was sent plus
 *       {@code timing.killAfter()}, on CLOCK_MONOTONIC, which {@link System#nanoTime()} reads on
 *       Linux and which every process of the machine shares, and the session renewed), and
 *       SIGKILLs the services' process groups when it passes, whatever the agent is doing;</li>
 *   <li>is the record of what runs: each child is tagged with the session it was started under;
 *       a child of a session that is no longer the current one (the deadline names another) is
 *       killed, a spawn decided under such a session is refused, and an agent that connects is
 *       told every child it holds, so it adopts what it may keep and has the rest killed;</li>
 *   <li>restarts the agent when it dies without saying goodbye, with backoff; and starts it again,
 *       with the same backoff, when its first start fails on a cause that passes (a port still
 *       held by a process that is going away, a store briefly unreachable).</li>
 * </ul>
 *
 * <p>Deliberately small: {@code java.base} only (no logging framework, no JSON), a 16 MB heap, and
 * a handful of threads. The one thread that forks services lives as long as the guardian, because
 * the parent-death signal follows the forking thread. Exits 0 after the agent stopped gracefully,
 * 2 when the agent refused its config before it ever ran (a bad config stops at once; any other
 * failed start or restart is retried with backoff), 1 when the launcher that owns the node is gone.
 */
public final class GuardianMain {
  /** JVM options of the guardian's own JVM. */
  public static final List<String> JVM_OPTIONS = List.of("-XX:+UseSerialGC", "-Xms4m", "-Xmx16m",
      "-XX:TieredStopAtLevel=1", "-XX:CICompilerCount=1", "-XX:ReservedCodeCacheSize=8m", "-Xss256k",
      "-XX:-UsePerfData");
  /**
   * How often the deadline file is read while services run (a renewal moves it every heartbeat).
   * The deadline itself does not wait for a poll: the guardian sleeps exactly until it. The poll
   * finds a changed session (killStale) or a deleted file; 500 ms, not 100 ms, to let an idle node
   * sleep (docs/performance.md, "Footprint").
   */
  private static final long POLL_MILLIS = 500;
  private static final long LAUNCHER_CHECK_MILLIS = 500;
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
  private static final Duration RESTART_WINDOW = Duration.ofMinutes(1);
  /** The exit code of {@code baton} for bad input (its ExitCodes.BAD_INPUT): a bad config, retried in vain. */
  private static final int EXIT_BAD_INPUT = 2;

  private final Path stateDir;
  private final long launcherPid;
  private final List<String> agentCommand;
  private final String tag;
  private final Map<Long, Child> children = new ConcurrentHashMap<>();
  private final Object agentLock = new Object();
  private final Object writeLock = new Object();
  private final AtomicLong noteSeq = new AtomicLong();

  private volatile ProcessHandle agent;
  private volatile boolean agentRan;
  private volatile boolean agentSaidBye;
  private volatile boolean stopping;
  private volatile SocketChannel connection;
  private volatile long lastDeadlineSeen = Long.MIN_VALUE;
  /** The session the deadline on file was renewed for; empty when the file names none. */
  private volatile String currentSession = "";

  /** A service process: {@code startTicks} and the pid name it for as long as the machine runs. */
  private record Child(String service, long epoch, String session, Process process, long startTicks) {}

  private GuardianMain(Path stateDir, long launcherPid, List<String> agentCommand) {
    this.stateDir = stateDir;
    this.launcherPid = launcherPid;
    this.agentCommand = agentCommand;
    this.tag = "[guardian pid=" + ProcessHandle.current().pid() + " state-dir=" + stateDir + "]";
  }

  /**
   * The command that starts a guardian.
   *
   * @param launcherPid the process that owns the node ({@code baton agent}); when it is gone the
   *     guardian takes the node down; 0 for none
   * @param adoptAgentPid an agent that is already running (it started this guardian), or 0 to
   *     start one
   */
  public static List<String> command(String java, String classpath, Path stateDir, long launcherPid,
      long adoptAgentPid, List<String> agentCommand) {
    List<String> command = new ArrayList<>();
    command.add(java);
    command.addAll(JVM_OPTIONS);
    command.addAll(List.of("-cp", classpath, GuardianMain.class.getName(), "--state-dir", stateDir.toString(),
        "--launcher-pid", Long.toString(launcherPid), "--agent-pid", Long.toString(adoptAgentPid), "--"));
    command.addAll(agentCommand);
    return command;
  }

  /** {@code --state-dir DIR --launcher-pid N --agent-pid N -- AGENT COMMAND...} */
  public static void main(String[] args) {
    List<String> list = List.of(args);
    int dashes = 6;
    if (args.length <= dashes + 1 || !args[0].equals("--state-dir") || !args[2].equals("--launcher-pid")
        || !args[4].equals("--agent-pid") || !args[dashes].equals("--")) {
      System.err.println("baton-guardian: expected --state-dir DIR --launcher-pid N --agent-pid N -- AGENT COMMAND..., got "
          + list);
      System.exit(2);
    }
    GuardianMain guardian;
    long adopt;
    try {
      guardian = new GuardianMain(Path.of(args[1]).toAbsolutePath(), Long.parseLong(args[3]),
          List.copyOf(list.subList(dashes + 1, list.size())));
      adopt = Long.parseLong(args[5]);
    } catch (RuntimeException e) {
      System.err.println("baton-guardian: bad arguments " + list + ": " + e.getMessage());
      System.exit(2);
      return;
    }
    System.exit(guardian.run(adopt));
  }

  private int run(long adoptAgentPid) {
    ServerSocketChannel server;
    try {
      Files.createDirectories(stateDir.resolve(GuardianFiles.NOTES));
      Path socket = stateDir.resolve(GuardianFiles.SOCKET);
      Files.deleteIfExists(socket);
      server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
      server.bind(UnixDomainSocketAddress.of(socket));
      GuardianFiles.writeAtomically(stateDir.resolve(GuardianFiles.GUARDIAN_PID), ProcessHandle.current().pid() + "\n");
    } catch (IOException | RuntimeException e) {
      log("ERROR", "cannot set up in the state-dir: " + e);
      return 1;
    }
    Signal.handle(new Signal("TERM"), s -> stop());
    Signal.handle(new Signal("INT"), s -> stop());
    Signal.handle(new Signal("HUP"), s -> reloadAgent());
    daemon("baton-guardian-fence", this::watchDeadline);
    daemon("baton-guardian-agent", () -> keepAgent(adoptAgentPid));
    serve(server); // on this thread, which lives as long as the guardian: it forks the services
    return 1;
  }

  // ---- the agent

  /** Starts (or adopts) the agent and restarts it, with backoff, whenever it dies without a goodbye. */
  private void keepAgent(long adoptAgentPid) {
    Deque<Long> restarts = new ArrayDeque<>();
    String why = null;
    boolean adopted = adoptAgentPid > 0;
    boolean everRan = false;
    while (true) {
      int code;
      try {
        Process started = null;
        ProcessHandle handle;
        if (adopted) {
          Optional<ProcessHandle> h = ProcessHandle.of(adoptAgentPid);
          handle = h.orElse(null);
          agentRan = true;
        } else {
          started = startAgent(restarts.size(), why);
          handle = started.toHandle();
        }
        synchronized (agentLock) {
          agent = handle;
        }
        if (stopping && handle != null) {
          handle.destroy();
        }
        if (started != null) {
          code = started.waitFor();
        } else {
          if (handle != null) {
            handle.onExit().join();
          }
          code = -1; // not our child: its exit code is not ours to read
        }
      } catch (IOException e) {
        log("ERROR", "cannot start the agent " + agentCommand + ": " + e.getMessage());
        finish(1);
        return;
      } catch (InterruptedException e) {
        finish(1);
        return;
      }
      adopted = false;
      everRan |= agentRan;
      if (agentSaidBye || stopping) {
        log("the agent stopped" + (code >= 0 ? " with exit code " + code : ""));
        finish(stopping && code > 0 ? code : 0);
        return;
      }
      if (!everRan && code == EXIT_BAD_INPUT) {
        log("ERROR", "the agent refused its config (exit code " + code + ") before it was ever running; giving up");
        finish(code);
        return;
      }
      long now = System.nanoTime();
      restarts.addLast(now);
      while (now - restarts.peekFirst() > RESTART_WINDOW.toNanos()) {
        restarts.removeFirst();
      }
      long backoff = restarts.size() <= 1 ? 0
          : Math.min(MAX_BACKOFF.toMillis(), 500L << Math.min(10, restarts.size() - 2));
      why = everRan ? "the previous agent died" + (code >= 0 ? " with exit code " + code : "")
          : "the agent could not start (exit code " + code + "; a taken port or an unreachable store passes)";
      log(why + "; restarting it" + (backoff > 0 ? " in " + backoff + "ms" : " now")
          + " (" + restarts.size() + " restart(s) in the last " + RESTART_WINDOW.toMinutes() + " min)");
      try {
        Thread.sleep(backoff);
      } catch (InterruptedException e) {
        finish(1);
        return;
      }
      if (stopping) {
        finish(0);
        return;
      }
    }
  }

  private Process startAgent(int restarts, String why) throws IOException {
    agentRan = false;
    agentSaidBye = false;
    ProcessBuilder pb = new ProcessBuilder(agentCommand).inheritIO();
    Map<String, String> env = pb.environment();
    env.put(GuardianFiles.ENV_SOCKET, stateDir.resolve(GuardianFiles.SOCKET).toString());
    env.put(GuardianFiles.ENV_GUARDIAN_PID, Long.toString(ProcessHandle.current().pid()));
    env.put(GuardianFiles.ENV_LAUNCHER_PID, Long.toString(launcherPid));
    env.put(GuardianFiles.ENV_AGENT_COMMAND, String.join(GuardianFiles.WORD_SEPARATOR, agentCommand));
    if (why != null) {
      env.put(GuardianFiles.ENV_RESTART, restarts + " " + why);
    } else {
      env.remove(GuardianFiles.ENV_RESTART);
    }
    Process p = pb.start();
    log("started the agent, pid " + p.pid());
    return p;
  }

  private void stop() {
    if (stopping) {
      return;
    }
    stopping = true;
    log("stopping: asking the agent to stop gracefully (SIGTERM)");
    synchronized (agentLock) {
      if (agent != null) {
        agent.destroy();
      }
    }
  }

  /**
   * SIGHUP: passed on to the agent, which reads its config file again ({@code baton reload}). The
   * guardian's own settings come from its command line and do not change.
   */
  private void reloadAgent() {
    ProcessHandle a;
    synchronized (agentLock) {
      a = agent;
    }
    if (a == null || !a.isAlive()) {
      log("SIGHUP: no agent runs to reload its config");
      return;
    }
    log("SIGHUP: asking the agent (pid " + a.pid() + ") to reload its config");
    sendHup(a.pid());
  }

  /** Sends SIGHUP to {@code pid} (the JDK can send only TERM and KILL). */
  public static void sendHup(long pid) {
    try {
      new ProcessBuilder("kill", "-s", "HUP", Long.toString(pid)).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor(5, java.util.concurrent.TimeUnit.SECONDS);
    } catch (java.io.IOException e) {
      throw new dev.baton.core.BatonException("cannot send SIGHUP to pid " + pid + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Kills what is left and exits. */
  private void finish(int code) {
    killChildren("the guardian is exiting");
    try {
      Files.deleteIfExists(stateDir.resolve(GuardianFiles.SOCKET));
    } catch (IOException e) {
      // gone with the directory
    }
    System.exit(code);
  }

  // ---- the fence deadline

  /**
   * Reads the deadline every {@link #POLL_MILLIS} (the agent moves it every heartbeat) and, when it
   * is nearer than that, sleeps exactly until it and reads it once more: a renewal that came in
   * time moves it; otherwise the services are killed at the deadline, not a poll later.
   */
  private void watchDeadline() {
    long lastLauncherCheck = 0;
    while (true) {
      long now = System.nanoTime();
      long sleepNanos = TimeUnit.MILLISECONDS.toNanos(POLL_MILLIS);
      if (!children.isEmpty()) {
        long deadline = readDeadline();
        if (now - deadline >= 0 || deadline == Long.MIN_VALUE) {
          String overrun = deadline == Long.MIN_VALUE ? "no deadline on file"
              : "the fence deadline passed " + (now - deadline) / 1_000_000 + "ms ago";
          String why = overrun + " with no renewal from the agent (it is paused, hung or cut off)";
          List<Child> killed = killChildren(why);
          killed.forEach(c -> note(c, why));
        } else {
          sleepNanos = Math.min(sleepNanos, deadline - now);
          killStale();
        }
      }
      if (launcherPid > 0 && now - lastLauncherCheck > TimeUnit.MILLISECONDS.toNanos(LAUNCHER_CHECK_MILLIS)) {
        lastLauncherCheck = now;
        if (!GuardianFiles.running(launcherPid)) {
          log("WARN", "the launcher (pid " + launcherPid + ") that owns this node is gone: taking the node down");
          stopping = true;
          synchronized (agentLock) {
            if (agent != null) {
              agent.destroyForcibly();
            }
          }
          finish(1);
        }
      }
      try {
        TimeUnit.NANOSECONDS.sleep(Math.max(sleepNanos, 100_000));
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /**
   * Kills the children started under a session other than the one the deadline was renewed for:
   * the agent abandoned that session (its services are fenced), and a spawn decided under it that
   * landed late must not run on.
   */
  private void killStale() {
    String current = currentSession;
    if (current.isEmpty()) {
      return; // a deadline written without a session: nothing to compare
    }
    for (Child c : children.values()) {
      if (!c.session().equals(current) && children.remove(c.process().pid(), c)) {
        String why = "its session " + c.session() + " is no longer the agent's (now " + current + ")";
        kill(c, why);
        note(c, why);
      }
    }
  }

  /** The deadline on file, or {@link Long#MIN_VALUE} when there is none (then services must go). */
  private long readDeadline() {
    try {
      String[] words = Files.readString(stateDir.resolve(GuardianFiles.DEADLINE)).trim().split(" ");
      long deadline = Long.parseLong(words[0]);
      lastDeadlineSeen = deadline;
      currentSession = words.length > 2 ? words[2] : "";
      return deadline;
    } catch (NoSuchFileException e) {
      return Long.MIN_VALUE;
    } catch (IOException | NumberFormatException e) {
      return lastDeadlineSeen; // a torn read cannot happen (rename); an odd one keeps the last deadline
    }
  }

  /**
   * Kills every service at once: first each one's processes by pid, which forks nothing, then one
   * {@code kill} for all their process groups. Killing them one by one, a fork or two each, would
   * leave the last service of a node a fork-and-exec per service past the fence deadline (seen: 260
   * ms on a loaded machine, long enough for the next owner to start).
   */
  private List<Child> killChildren(String why) {
    List<Child> killed = new ArrayList<>();
    for (Child c : children.values()) {
      if (children.remove(c.process().pid(), c) && c.process().isAlive()) {
        killed.add(c);
      }
    }
    kill(killed, why);
    return killed;
  }

  private void kill(Child c, String why) {
    kill(List.of(c), why);
  }

  private void kill(List<Child> services, String why) {
    if (services.isEmpty()) {
      return;
    }
    // Kill first, then log: on a starved node every step takes its turn.
    List<Long> groups = new ArrayList<>();
    for (Child c : services) {
      groups.addAll(ServiceTrees.killInnerAtOnce(c.process().pid()));
      c.process().destroyForcibly();
      groups.add(c.process().pid());
    }
    Supervisor.signalGroups(groups, "KILL");
    for (Child c : services) {
      log("WARN", "SIGKILL service " + c.service() + " epoch " + c.epoch() + " session " + c.session() + " (process group "
          + c.process().pid() + "): " + why);
    }
  }

  private void note(Child c, String why) {
    String text = GuardianFiles.KILLED_SERVICES + "\n" + c.service() + "\n" + c.epoch() + "\n"
        + "the guardian killed pid " + c.process().pid() + ": " + why + "\n";
    try {
      GuardianFiles.writeAtomically(stateDir.resolve(GuardianFiles.NOTES)
          .resolve(System.currentTimeMillis() + "-" + noteSeq.incrementAndGet() + ".note"), text);
    } catch (IOException e) {
      log("WARN", "cannot leave a note for the agent: " + e.getMessage());
    }
  }

  // ---- the socket

  private void serve(ServerSocketChannel server) {
    while (true) {
      try (SocketChannel ch = server.accept()) {
        connection = ch;
        DataInputStream in;
        while ((in = GuardianFiles.receive(ch)) != null) {
          handle(ch, in);
        }
      } catch (IOException e) {
        log("agent connection ended: " + e.getMessage());
      } finally {
        connection = null;
      }
    }
  }

  private void handle(SocketChannel ch, DataInputStream in) throws IOException {
    byte type = in.readByte();
    switch (type) {
      case GuardianFiles.HELLO -> {
        log("agent pid " + in.readLong() + " connected; it holds " + children.size() + " service process(es)");
        sendChildren(ch);
      }
      case GuardianFiles.KILL -> {
        long pid = in.readLong();
        String why = in.readUTF();
        Child c = children.get(pid);
        if (c != null) {
          kill(c, why); // its exit, reported as for any child, tells the agent it is gone
        }
      }
      case GuardianFiles.RUNNING -> agentRan = true;
      case GuardianFiles.BYE -> agentSaidBye = true;
      case GuardianFiles.SPAWN -> spawn(ch, in);
      default -> throw new IOException("unknown message type " + type);
    }
  }

  /** Every child this guardian holds, for an agent that just connected. */
  private void sendChildren(SocketChannel ch) throws IOException {
    List<Child> held = new ArrayList<>(children.values());
    GuardianFiles.Message m = new GuardianFiles.Message(GuardianFiles.CHILDREN);
    m.out.writeInt(held.size());
    for (Child c : held) {
      m.out.writeUTF(c.service());
      m.out.writeLong(c.epoch());
      m.out.writeUTF(c.session());
      m.out.writeLong(c.process().pid());
      m.out.writeLong(c.startTicks());
    }
    send(ch, m);
  }

  private void spawn(SocketChannel ch, DataInputStream in) throws IOException {
    long id = in.readLong();
    String service = in.readUTF();
    long epoch = in.readLong();
    String session = in.readUTF();
    String workdir = in.readUTF();
    String log = in.readUTF();
    // Its own process group (setsid), killed by the kernel when this guardian dies (setpriv).
    List<String> command = new ArrayList<>(List.of("setpriv", "--pdeathsig", "KILL", "--", "setsid", "--"));
    for (int i = in.readInt(); i > 0; i--) {
      command.add(in.readUTF());
    }
    ProcessBuilder pb = new ProcessBuilder(command);
    for (int i = in.readInt(); i > 0; i--) {
      pb.environment().put(in.readUTF(), in.readUTF());
    }
    GuardianFiles.Message reply;
    long deadline = readDeadline();
    String current = currentSession;
    String refused = stopping ? "the guardian is stopping"
        : System.nanoTime() >= deadline ? "the fence deadline has passed; renew first"
        : !current.isEmpty() && !current.equals(session) ? "it was decided under session " + session
            + ", which is no longer the agent's (now " + current + ")"
        : null;
    if (refused != null) {
      reply = new GuardianFiles.Message(GuardianFiles.SPAWN_FAILED);
      reply.out.writeLong(id);
      reply.out.writeUTF(refused);
      log("WARN", "refused to start service " + service + " epoch " + epoch + ": " + refused);
    } else {
      if (!workdir.isEmpty()) {
        pb.directory(new File(workdir));
      }
      pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(new File(log)))
          .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
      Process p;
      try {
        p = pb.start();
      } catch (IOException e) {
        reply = new GuardianFiles.Message(GuardianFiles.SPAWN_FAILED);
        reply.out.writeLong(id);
        reply.out.writeUTF(e.getMessage());
        send(ch, reply);
        return;
      }
      Child child = new Child(service, epoch, session, p, GuardianFiles.startTicks(p.pid()));
      children.put(p.pid(), child);
      p.onExit().thenRun(() -> exited(child));
      reply = new GuardianFiles.Message(GuardianFiles.SPAWNED);
      reply.out.writeLong(id);
      reply.out.writeLong(p.pid());
    }
    send(ch, reply);
  }

  private void exited(Child c) {
    children.remove(c.process().pid(), c);
    SocketChannel ch = connection;
    if (ch != null) {
      try { // first: the agent waits for the exit code only so long
        GuardianFiles.Message m = new GuardianFiles.Message(GuardianFiles.EXITED);
        m.out.writeLong(c.process().pid());
        m.out.writeInt(c.process().exitValue());
        send(ch, m);
      } catch (IOException e) {
        // the agent is gone; a new one checks its processes itself
      }
    }
    Supervisor.signalGroup(c.process().pid(), "KILL"); // what the service left behind in its group
  }

  private void send(SocketChannel ch, GuardianFiles.Message m) throws IOException {
    synchronized (writeLock) {
      m.send(ch);
    }
  }

  // ---- small things

  private void log(String message) {
    log("INFO", message);
  }

  /** One line on stderr (the node's log), in the agent's format: {@link LogLines}. */
  private void log(String level, String message) {
    System.err.println(LogLines.line(java.time.Instant.now(), level, tag + " " + message));
  }

  private static void daemon(String name, Runnable body) {
    Thread t = new Thread(body, name);
    t.setDaemon(true);
    t.start();
  }
}
