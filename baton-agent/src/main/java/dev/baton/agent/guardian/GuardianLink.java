package dev.baton.agent.guardian;

import dev.baton.agent.supervisor.Supervisor;
import dev.baton.core.BatonException;
import dev.baton.core.ServiceName;
import dev.baton.core.Threads;
import dev.baton.core.store.SessionId;
import java.io.DataInputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's side of its guardian ({@link GuardianMain}, docs/guardian.md): asks it to fork the
 * service processes, tells it the fence deadline, records the notes it leaves, and starts a new
 * guardian when this one dies.
 *
 * <p>The deadline goes through a file, not the socket: the agent rewrites
 * {@code state-dir/fence-deadline} atomically after every successful renewal, and the guardian
 * reads it on its own schedule, so neither waits for the other and a paused agent simply stops
 * moving it.
 *
 * <p>Thread-safe. {@link Listener} calls come from the link's own threads.
 */
public final class GuardianLink implements Supervisor.Spawner, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(GuardianLink.class);
  private static final long SPAWN_TIMEOUT_MILLIS = 5_000;
  private static final long CONNECT_PATIENCE_MILLIS = 10_000;
  /** How long after a watched process ended the guardian may take to report its exit code. */
  private static final long EXIT_REPORT_GRACE_MILLIS = 500;

  /** What the guardian put in the agent's environment. */
  public record Env(Path socket, long guardianPid, long launcherPid, List<String> agentCommand, String restart) {
    /** The guardian's settings, present when this agent was started by a guardian. */
    public static Optional<Env> from(Map<String, String> env) {
      String socket = env.get(GuardianFiles.ENV_SOCKET);
      if (socket == null || socket.isEmpty()) {
        return Optional.empty();
      }
      String command = env.getOrDefault(GuardianFiles.ENV_AGENT_COMMAND, "");
      return Optional.of(new Env(Path.of(socket), number(env.get(GuardianFiles.ENV_GUARDIAN_PID)),
          number(env.get(GuardianFiles.ENV_LAUNCHER_PID)),
          command.isEmpty() ? List.of() : GuardianFiles.words(command), env.get(GuardianFiles.ENV_RESTART)));
    }

    private static long number(String s) {
      try {
        return s == null ? 0 : Long.parseLong(s.trim());
      } catch (NumberFormatException e) {
        return 0;
      }
    }
  }

  /**
   * A service process the guardian holds: started for {@code service} at {@code epoch} under
   * {@code session}; {@code startTicks} (clock ticks since boot) and the pid name that process.
   */
  public record Held(ServiceName service, long epoch, SessionId session, long pid, long startTicks) {
    /** Whether that very process still runs (not a later one that reuses the pid). */
    public boolean running() {
      return GuardianFiles.running(pid) && GuardianFiles.startTicks(pid) == startTicks;
    }

    @Override
    public String toString() {
      return service + " (pid " + pid + ", epoch " + epoch + ")";
    }
  }

  public interface Listener {
    /** A note the guardian left, to be recorded as an event. */
    void note(String type, ServiceName service, Long epoch, String detail);

    /** The launcher that owns the node is gone along with the guardian: the node is going down. */
    void nodeGone(String why);
  }

  private final Path stateDir;
  private final Env env;
  private final String tag;
  private final Listener listener;
  private final Object writeLock = new Object();
  private final AtomicLong ids = new AtomicLong();
  private final Map<Long, CompletableFuture<Long>> pending = new ConcurrentHashMap<>();
  private final Map<Long, CompletableFuture<Integer>> exits = new ConcurrentHashMap<>();
  /** What the guardian said it holds when this agent first connected. */
  private final CompletableFuture<List<Held>> held = new CompletableFuture<>();
  private final ScheduledExecutorService notes;
  private volatile SocketChannel channel;
  private volatile long guardianPid;
  private volatile boolean running;
  private volatile boolean closed;
  private long lastDeadlineErrorNanos;

  public GuardianLink(Path stateDir, Env env, String node, Listener listener) {
    this.stateDir = stateDir;
    this.env = env;
    this.tag = "[node=" + node + "]";
    this.listener = listener;
    this.guardianPid = env.guardianPid();
    this.notes = Executors.newSingleThreadScheduledExecutor(Threads.named("baton-guardian-notes-" + node));
  }

  /** Why this agent was restarted by its guardian, or null on its first start. */
  public String restartReason() {
    return env.restart();
  }

  /**
   * Connects to the guardian, learns which service processes it holds ({@link #held()}), and starts
   * reading its notes.
   *
   * @throws BatonException when the guardian cannot be reached or does not say what it holds
   */
  public void connect() {
    connectNow();
    try {
      held.get(CONNECT_PATIENCE_MILLIS, TimeUnit.MILLISECONDS);
    } catch (TimeoutException | ExecutionException e) {
      throw new BatonException("the guardian at " + env.socket() + " did not say which service processes it holds"
          + " within " + CONNECT_PATIENCE_MILLIS + "ms (a guardian of another Baton version? restart the node)", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BatonException("interrupted while connecting to the guardian", e);
    }
    notes.scheduleWithFixedDelay(this::readNotes, 0, 500, TimeUnit.MILLISECONDS);
  }

  /**
   * The service processes the guardian held when this agent connected: the truth about what runs
   * on this node, whatever the agent's mirror says. Empty before {@link #connect}.
   */
  public List<Held> held() {
    return held.getNow(List.of());
  }

  /**
   * Asks the guardian to SIGKILL one of its service processes (its whole tree); the exit is
   * reported like any other. Nothing happens when the guardian no longer holds {@code pid}.
   */
  public void kill(long pid, String why) {
    try {
      GuardianFiles.Message m = new GuardianFiles.Message(GuardianFiles.KILL);
      m.out.writeLong(pid);
      m.out.writeUTF(why);
      send(m);
    } catch (IOException e) {
      throw new BatonException("cannot ask the guardian to kill pid " + pid + ": " + e.getMessage(), e);
    }
  }

  /** Tells the guardian this agent has started: from now on it is restarted when it dies. */
  public void running() {
    running = true;
    sendQuietly(GuardianFiles.RUNNING);
  }

  /** Tells the guardian this agent is stopping gracefully: it exits when the agent has. */
  public void bye() {
    sendQuietly(GuardianFiles.BYE);
  }

  /**
   * Publishes the fence deadline: {@code nanos} on the monotonic clock ({@link System#nanoTime()},
   * CLOCK_MONOTONIC, shared by every process of this machine), for {@code session}. Call after
   * every successful renewal with the moment it was sent plus {@code timing.killAfter()}. The
   * guardian kills the processes started under any other session, and refuses to start one.
   */
  public void deadline(long nanos, SessionId session) {
    try {
      GuardianFiles.writeAtomically(stateDir.resolve(GuardianFiles.DEADLINE),
          nanos + " " + ProcessHandle.current().pid() + " " + session.value() + "\n");
    } catch (IOException e) {
      long now = System.nanoTime();
      if (now - lastDeadlineErrorNanos > TimeUnit.SECONDS.toNanos(5)) {
        lastDeadlineErrorNanos = now;
        LOG.error("{} cannot write the fence deadline for the guardian ({}); it will kill the services when the last"
            + " one it read passes", tag, e.toString());
      }
    }
  }

  @Override
  public Supervisor.Spawned spawn(ServiceName service, long epoch, SessionId session, List<String> command,
      Map<String, String> env, Path workdir, Path log) {
    long id = ids.incrementAndGet();
    CompletableFuture<Long> reply = new CompletableFuture<>();
    pending.put(id, reply);
    try {
      GuardianFiles.Message m = new GuardianFiles.Message(GuardianFiles.SPAWN);
      m.out.writeLong(id);
      m.out.writeUTF(service.value());
      m.out.writeLong(epoch);
      m.out.writeUTF(session.value());
      m.out.writeUTF(workdir == null ? "" : workdir.toString());
      m.out.writeUTF(log.toString());
      List<String> bare = command.subList(6, command.size()); // the guardian adds setpriv and setsid itself
      m.out.writeInt(bare.size());
      for (String word : bare) {
        m.out.writeUTF(word);
      }
      m.out.writeInt(env.size());
      for (Map.Entry<String, String> e : env.entrySet()) {
        m.out.writeUTF(e.getKey());
        m.out.writeUTF(e.getValue());
      }
      send(m);
      long pid = reply.get(SPAWN_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
      return watch(pid);
    } catch (IOException e) {
      throw new BatonException("cannot start " + service + ": the guardian cannot be reached (" + e.getMessage() + ")", e);
    } catch (ExecutionException e) {
      throw new BatonException("cannot start " + service + " " + command.subList(6, command.size()) + ": "
          + e.getCause().getMessage(), e.getCause());
    } catch (TimeoutException e) {
      throw new BatonException("cannot start " + service + ": the guardian did not answer within "
          + SPAWN_TIMEOUT_MILLIS + "ms", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BatonException("interrupted while starting " + service, e);
    } finally {
      pending.remove(id); // a late answer finds nobody waiting and kills what it started
    }
  }

  /** Watches a process of a previous run that the guardian holds, for a re-adoption. */
  public Supervisor.Spawned adopt(Held process) {
    Supervisor.Spawned spawned = watch(process.pid());
    if (spawned.handle().isAlive() && !process.running()) { // gone, and its pid taken by another process since
      return new Supervisor.Spawned(new GoneProcess(process.pid()), CompletableFuture.completedFuture(Supervisor.UNKNOWN_EXIT));
    }
    return spawned;
  }

  /**
   * Watches a process of the guardian: its exit code comes from the guardian, or, if the guardian
   * does not report it, is {@link Supervisor#UNKNOWN_EXIT}.
   */
  private Supervisor.Spawned watch(long pid) {
    CompletableFuture<Integer> exit = exits.computeIfAbsent(pid, p -> new CompletableFuture<>());
    exit.whenComplete((code, e) -> exits.remove(pid, exit));
    Optional<ProcessHandle> handle = ProcessHandle.of(pid);
    // Gone already (a command that could not be executed ends at once) or later: the guardian's
    // report of its exit code is on its way; it counts as unknown only if it does not come.
    Runnable unknownLater = () -> CompletableFuture.delayedExecutor(EXIT_REPORT_GRACE_MILLIS, TimeUnit.MILLISECONDS)
        .execute(() -> exit.complete(Supervisor.UNKNOWN_EXIT));
    if (handle.isEmpty()) {
      unknownLater.run();
      return new Supervisor.Spawned(new GoneProcess(pid), exit);
    }
    handle.get().onExit().thenRun(unknownLater);
    return new Supervisor.Spawned(handle.get(), exit);
  }

  // ---- the connection

  private void connectNow() {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CONNECT_PATIENCE_MILLIS);
    while (true) {
      try {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        ch.connect(UnixDomainSocketAddress.of(env.socket()));
        channel = ch;
        GuardianFiles.Message hello = new GuardianFiles.Message(GuardianFiles.HELLO);
        hello.out.writeLong(ProcessHandle.current().pid());
        send(hello);
        if (running) {
          send(new GuardianFiles.Message(GuardianFiles.RUNNING));
        }
        Thread reader = new Thread(() -> read(ch), "baton-guardian-link");
        reader.setDaemon(true);
        reader.start();
        LOG.info("{} connected to its guardian (pid {}) at {}", tag, guardianPid, env.socket());
        return;
      } catch (IOException e) {
        if (System.nanoTime() > deadline) {
          throw new BatonException("cannot reach the guardian at " + env.socket() + ": " + e.getMessage(), e);
        }
        sleep(50);
      }
    }
  }

  private void read(SocketChannel ch) {
    try {
      DataInputStream in;
      while ((in = GuardianFiles.receive(ch)) != null) {
        byte type = in.readByte();
        switch (type) {
          case GuardianFiles.SPAWNED -> {
            long id = in.readLong();
            long pid = in.readLong();
            CompletableFuture<Long> waiting = pending.remove(id);
            if (waiting == null || !waiting.complete(pid)) {
              LOG.warn("{} the guardian started pid {} after the agent gave up waiting; killing it", tag, pid);
              Supervisor.signalGroup(pid, "KILL");
            }
          }
          case GuardianFiles.SPAWN_FAILED -> {
            CompletableFuture<Long> waiting = pending.remove(in.readLong());
            String why = in.readUTF();
            if (waiting != null) {
              waiting.completeExceptionally(new IOException(why));
            }
          }
          case GuardianFiles.CHILDREN -> {
            List<Held> list = new ArrayList<>();
            for (int i = in.readInt(); i > 0; i--) {
              list.add(new Held(ServiceName.of(in.readUTF()), in.readLong(), new SessionId(in.readUTF()), in.readLong(),
                  in.readLong()));
            }
            held.complete(List.copyOf(list)); // a guardian started later holds nothing: the first answer counts
          }
          case GuardianFiles.EXITED -> {
            long pid = in.readLong();
            int code = in.readInt();
            exits.computeIfAbsent(pid, p -> new CompletableFuture<>()).complete(code);
          }
          default -> throw new IOException("unknown message type " + type);
        }
      }
    } catch (IOException e) {
      if (!closed) {
        LOG.warn("{} connection to the guardian broke: {}", tag, e.getMessage());
      }
    }
    lost(ch);
  }

  private synchronized void lost(SocketChannel ch) {
    if (closed || channel != ch) {
      return;
    }
    channel = null;
    pending.values().forEach(f -> f.completeExceptionally(new IOException("the guardian is gone")));
    // The guardian closes this connection only by dying (its exit closes the socket a moment
    // before it shows as ended); if it still runs after a second, connect again.
    for (int i = 0; i < 50 && GuardianFiles.running(guardianPid); i++) {
      sleep(20);
    }
    if (GuardianFiles.running(guardianPid)) {
      try {
        connectNow();
        return;
      } catch (BatonException e) {
        LOG.error("{} the guardian (pid {}) runs but cannot be reached: {}", tag, guardianPid, e.getMessage());
        return;
      }
    }
    if (env.launcherPid() > 0 && !GuardianFiles.running(env.launcherPid())) {
      LOG.error("{} the guardian (pid {}) and the launcher (pid {}) are gone: the node is being taken down", tag,
          guardianPid, env.launcherPid());
      listener.nodeGone("the guardian and the launcher that own this node are gone");
      return;
    }
    if (env.agentCommand().isEmpty()) {
      LOG.error("{} the guardian (pid {}) is gone and this agent does not know how to start another", tag, guardianPid);
      return;
    }
    List<String> command = GuardianMain.command(ProcessHandle.current().info().command().orElse("java"),
        System.getProperty("java.class.path"), stateDir, env.launcherPid(), ProcessHandle.current().pid(),
        env.agentCommand());
    List<String> detached = new ArrayList<>(List.of("setsid", "--"));
    detached.addAll(command);
    try {
      Process p = new ProcessBuilder(detached).inheritIO().start();
      long old = guardianPid;
      guardianPid = p.pid();
      LOG.warn("{} the guardian (pid {}) died (its services died with it); started a new guardian, pid {}", tag, old,
          p.pid());
      connectNow();
    } catch (IOException | BatonException e) {
      LOG.error("{} cannot start a new guardian: {}", tag, e.getMessage());
    }
  }

  private void send(GuardianFiles.Message m) throws IOException {
    SocketChannel ch = channel;
    if (ch == null) {
      throw new IOException("not connected to the guardian");
    }
    synchronized (writeLock) {
      m.send(ch);
    }
  }

  private void sendQuietly(byte type) {
    try {
      send(new GuardianFiles.Message(type));
    } catch (IOException e) {
      LOG.warn("{} cannot tell the guardian ({}): {}", tag, type, e.getMessage());
    }
  }

  // ---- notes

  private void readNotes() {
    List<Path> files = new ArrayList<>();
    try (DirectoryStream<Path> dir = Files.newDirectoryStream(stateDir.resolve(GuardianFiles.NOTES), "*.note")) {
      dir.forEach(files::add);
    } catch (IOException e) {
      return;
    }
    files.sort(null);
    for (Path f : files) {
      try {
        List<String> lines = Files.readAllLines(f);
        Files.deleteIfExists(f);
        if (lines.size() >= 4) {
          ServiceName service = lines.get(1).isEmpty() ? null : ServiceName.of(lines.get(1));
          Long epoch = lines.get(2).isEmpty() ? null : Long.valueOf(lines.get(2));
          listener.note(lines.get(0), service, epoch, lines.get(3));
        }
      } catch (IOException | RuntimeException e) {
        LOG.warn("{} cannot read the guardian's note {}: {}", tag, f, e.toString());
      }
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BatonException("interrupted while connecting to the guardian", e);
    }
  }

  @Override
  public void close() {
    closed = true;
    notes.shutdownNow();
    SocketChannel ch = channel;
    if (ch != null) {
      try {
        ch.close();
      } catch (IOException e) {
        // closing anyway
      }
    }
  }

  /** A process that had already ended when it was to be watched. */
  private record GoneProcess(long pid) implements ProcessHandle {
    @Override
    public ProcessHandle.Info info() {
      return new ProcessHandle.Info() {
        @Override
        public Optional<String> command() {
          return Optional.empty();
        }

        @Override
        public Optional<String> commandLine() {
          return Optional.empty();
        }

        @Override
        public Optional<String[]> arguments() {
          return Optional.empty();
        }

        @Override
        public Optional<Instant> startInstant() {
          return Optional.empty();
        }

        @Override
        public Optional<Duration> totalCpuDuration() {
          return Optional.empty();
        }

        @Override
        public Optional<String> user() {
          return Optional.empty();
        }
      };
    }

    @Override
    public Optional<ProcessHandle> parent() {
      return Optional.empty();
    }

    @Override
    public Stream<ProcessHandle> children() {
      return Stream.empty();
    }

    @Override
    public Stream<ProcessHandle> descendants() {
      return Stream.empty();
    }

    @Override
    public CompletableFuture<ProcessHandle> onExit() {
      return CompletableFuture.completedFuture(this);
    }

    @Override
    public boolean supportsNormalTermination() {
      return true;
    }

    @Override
    public boolean destroy() {
      return false;
    }

    @Override
    public boolean destroyForcibly() {
      return false;
    }

    @Override
    public boolean isAlive() {
      return false;
    }

    @Override
    public int compareTo(ProcessHandle other) {
      return Long.compare(pid, other.pid());
    }
  }
}
