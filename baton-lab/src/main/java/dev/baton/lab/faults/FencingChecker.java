package dev.baton.lab.faults;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The fencing checker of the fault suite (docs/reliability.md, "The checker"): a server on a Unix domain
 * socket, in the benchmark's JVM and so outside every fault domain, that records everything the
 * {@link CheckedService} processes and the fault injector tell it. One lock numbers every message
 * (the one order) and stamps it with this JVM's monotonic clock (the one clock); each line also goes
 * to the checker log.
 *
 * <p>{@link Mode#AUDIT} accepts everything and only records. {@link Mode#ENFORCING} behaves like a
 * downstream system that honours epochs: it refuses a START or a write whose epoch is older than
 * the newest started for the service, answers {@code REFUSED reason} and closes the connection (the
 * service then exits).
 *
 * <p>Safety checks are judged as messages arrive (a message is judged against everything numbered
 * before it): (1) no (service, epoch) started by two processes, except a restart in place on the
 * same node after every earlier process of that epoch ended; (2) epochs never decrease per service;
 * (3) no write from an epoch older than the newest started: accepted (audit mode) or refused
 * (enforcing mode), except, refused, from a process whose whole node was frozen when the newer epoch
 * started (only a downstream that honours epochs can stop that one); (4) no two processes of one
 * service alive at once, except that a process on a node that was frozen when the next epoch's life
 * began (or thawed less than the thaw bound before) may overlap it, and must end within the thaw bound
 * after its node is thawed; (7) each reader's status reads
 * never go back to an older epoch of a service. The run tells it when the group settled after each
 * fault and when it ended, for checks 5, 6 and 8 ({@link #settled}, {@link #oneWriterEach},
 * {@link #noneLeft}).
 *
 * <p>A life is a service's process tree: it begins when its leader (the process Baton started)
 * began, as the kernel dates it (field 22 of {@code /proc/PID/stat}, sent in the START; {@link
 * BootClock}), not when the START arrives a JVM start-up later, and it ends when its worker's
 * connection ends. Checks 1 and 4 compare a new life's beginning with the ends of the others, so an
 * overlap shorter than the new worker's start-up is caught. Races: the kernel's date is rounded
 * down to its 10 ms tick (a life may seem to begin up to 10 ms early), and an end is seen when the
 * connection's EOF is read (a little late), so a start that follows a death by less than about
 * 10 ms could be judged an overlap; Baton's takeovers take at least a lease, and restarts in place
 * at least their backoff.
 */
public final class FencingChecker implements AutoCloseable {
  /** Whether the checker only records (audit) or also refuses old epochs, like a downstream that honours them. */
  public enum Mode {
    AUDIT, ENFORCING;

    /** {@code audit} or {@code enforcing}. */
    public static Mode of(String text) {
      for (Mode m : values()) {
        if (m.name().equalsIgnoreCase(text)) {
          return m;
        }
      }
      throw new IllegalArgumentException("unknown checker mode \"" + text + "\"; expected audit or enforcing");
    }

    @Override
    public String toString() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * One service process tree, from its leader's start (as the kernel dates it, when the START says;
   * else the START's arrival) to the end of its worker's connection.
   */
  public static final class Life {
    public final int id;
    public final String service;
    public final long epoch;
    public final String node;
    /** The worker's pid (the process connected to the checker). */
    public final long pid;
    /** The leader's pid (the process Baton started), or the worker's when the START did not name one. */
    public final long leaderPid;
    /** When the life began: its leader's start, on this JVM's monotonic clock. */
    public final long startNanos;
    /** When its START arrived. */
    public final long receivedNanos;
    volatile long endNanos = -1;
    volatile boolean stopped;
    volatile long lastWriteNanos;
    volatile long writes;
    /** Whether it was alive on a frozen node when a newer process of its service started. */
    volatile boolean overlappedFrozen;

    Life(int id, String service, long epoch, String node, long pid, long leaderPid, long startNanos, long receivedNanos) {
      this.id = id;
      this.service = service;
      this.epoch = epoch;
      this.node = node;
      this.pid = pid;
      this.leaderPid = leaderPid;
      this.startNanos = startNanos;
      this.receivedNanos = receivedNanos;
      this.lastWriteNanos = receivedNanos;
    }

    public boolean ended() {
      return endNanos >= 0;
    }

    public long lastWriteNanos() {
      return lastWriteNanos;
    }

    @Override
    public String toString() {
      return "[service=" + service + " epoch=" + epoch + " node=" + node + " pid=" + pid
          + (leaderPid != pid ? " leader=" + leaderPid : "") + "]";
    }
  }

  private final Path socket;
  private final ServerSocketChannel server;
  private final BufferedWriter log;
  private final Thread acceptor;
  private final List<Thread> readers = new ArrayList<>();
  private final List<Life> lives = new ArrayList<>();
  private final Map<String, Long> newestEpoch = new HashMap<>();
  private final Map<String, List<String>> violations = new HashMap<>();
  private final Map<String, Long> violationCounts = new HashMap<>();
  private final Map<String, Long> lastWrite = new HashMap<>();
  private final Map<String, Long> lastStatusEpoch = new HashMap<>();
  private final Set<String> frozenNodes = new HashSet<>();
  private final Map<String, Long> thawedAt = new HashMap<>();
  /** Per node, its freezes so far: {frozen, thawed}, thawed Long.MAX_VALUE while it lasts. */
  private final Map<String, List<long[]>> freezes = new HashMap<>();
  private final List<Double> thawToEndMillis = new ArrayList<>();
  private final Mode mode;
  private final long thawBoundNanos;
  private long refusals;
  private long statusReads;
  private long seq;
  private long writes;
  private long longestGapNanos;
  private String longestGap = "none";
  private volatile boolean closed;

  /** An audit-mode checker. */
  public FencingChecker(Path socket, Path logFile) throws IOException {
    this(socket, logFile, Mode.AUDIT, Duration.ofSeconds(10));
  }

  /**
   * @param thawBound how long a process that overlapped the next epoch on a frozen node may live on
   *     after its node is thawed (check 4)
   */
  public FencingChecker(Path socket, Path logFile, Mode mode, Duration thawBound) throws IOException {
    this.socket = socket;
    this.mode = mode;
    this.thawBoundNanos = thawBound.toNanos();
    Files.deleteIfExists(socket);
    this.log = Files.newBufferedWriter(logFile, StandardCharsets.UTF_8);
    this.server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(socket));
    this.acceptor = new Thread(this::accept, "fencing-checker-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  public Path socket() {
    return socket;
  }

  public Mode mode() {
    return mode;
  }

  private void accept() {
    while (!closed) {
      try {
        SocketChannel c = server.accept();
        Thread t = new Thread(() -> serve(c), "fencing-checker-conn");
        t.setDaemon(true);
        synchronized (this) {
          readers.add(t);
        }
        t.start();
      } catch (IOException e) {
        if (!closed) {
          record("ERROR accept: " + e.getMessage());
        }
        return;
      }
    }
  }

  private void serve(SocketChannel c) {
    Life life = null;
    try (c; BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(c), StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        if (life == null) {
          life = start(line);
          if (life == null) {
            return;
          }
          if (refusing(life)) {
            refuse(c, life, "START");
            return;
          }
        } else if (line.equals("W")) {
          if (!write(life)) {
            refuse(c, life, "write");
            return;
          }
        } else if (line.equals("STOP")) {
          life.stopped = true;
          record("STOP " + life);
        } else {
          record("ERROR unknown message from " + life + ": " + line);
        }
      }
    } catch (IOException e) {
      // the end of the connection is the end of the life either way
    } finally {
      if (life != null) {
        end(life);
      }
    }
  }

  /** Enforcing mode: whether {@code life}'s epoch is older than the newest started for its service. */
  private synchronized boolean refusing(Life life) {
    return mode == Mode.ENFORCING && life.epoch < newestEpoch.getOrDefault(life.service, life.epoch);
  }

  private void refuse(SocketChannel c, Life life, String what) throws IOException {
    String reason;
    synchronized (this) {
      refusals++;
      reason = what + " of epoch " + life.epoch + " refused: epoch " + newestEpoch.get(life.service) + " has started";
      record("REFUSED " + life + " " + reason);
    }
    c.write(ByteBuffer.wrap(("REFUSED " + reason + "\n").getBytes(StandardCharsets.UTF_8)));
  }

  private synchronized Life start(String line) {
    String[] f = line.trim().split(" ");
    long now = System.nanoTime();
    if ((f.length != 5 && f.length != 7) || !f[0].equals("START")) {
      record("ERROR a connection's first message must be START service epoch node pid [leader-pid leader-start], got: " + line);
      return null;
    }
    long epoch;
    long pid;
    long leader;
    long began;
    try {
      epoch = Long.parseLong(f[2]);
      pid = Long.parseLong(f[4]);
      leader = f.length == 7 ? Long.parseLong(f[5]) : pid;
      // A leader cannot begin after its worker's message arrived; the kernel's tick rounds down.
      began = f.length == 7 ? Math.min(now, BootClock.toNanoTime(Long.parseLong(f[6]))) : now;
    } catch (NumberFormatException e) {
      record("ERROR bad START (epoch, pids and start must be numbers): " + line);
      return null;
    }
    Life life = new Life(lives.size() + 1, f[1], epoch, f[3], pid, leader, began, now);
    long s = record("START " + life + (began < now ? String.format(" (its leader began %.1f ms earlier)", (now - began) / 1e6) : ""));
    for (Life other : lives) {
      if (!other.service.equals(life.service)) {
        continue;
      }
      // The new life runs from its leader's start until now at least: it overlaps every life that had not ended by then.
      boolean overlaps = !other.ended() || other.endNanos > began;
      if (other.epoch == epoch && (!other.node.equals(life.node) || overlaps)) {
        violation("1-one-process-per-epoch", "#" + s + " " + life + " started epoch " + epoch + " already started by "
            + other + (overlaps ? ", alive when it began" + endedAfter(other, began) : ""));
      }
      // Judged at the new life's beginning, not at its START's arrival: its worker may come up after the thaw.
      long thaw = thawOfFreezeAt(other.node, began);
      if (overlaps && thaw >= 0 && other.epoch < epoch) {
        other.overlappedFrozen = true;
        record("NOTE #" + s + " " + life + " began while " + other + " was alive on node " + other.node
            + (thaw == Long.MAX_VALUE ? ", frozen" : ", frozen or thawed a moment ago")
            + ": allowed; it must end within " + thawBoundNanos / 1_000_000 + " ms of the thaw");
        if (other.ended() && thaw != Long.MAX_VALUE) {
          thawBound(other, other.endNanos - thaw, s);
        }
      } else if (overlaps) {
        violation("4-never-two-alive", "#" + s + " " + life + " began while " + other + " was alive" + endedAfter(other, began));
      }
    }
    Long newest = newestEpoch.get(life.service);
    if (newest != null && epoch < newest) {
      violation("2-epochs-never-decrease", "#" + s + " " + life + " started epoch " + epoch + " after epoch " + newest);
    }
    newestEpoch.merge(life.service, epoch, Math::max);
    lives.add(life);
    return life;
  }

  /** How long after {@code began} {@code other} ended, or that it is still alive. */
  private static String endedAfter(Life other, long began) {
    return other.ended() ? String.format(": it ended %.1f ms after the leader began", (other.endNanos - began) / 1e6)
        : "; it still runs";
  }

  /** Judges one write; returns false when enforcing mode refuses it. */
  private synchronized boolean write(Life life) {
    long now = System.nanoTime();
    long newest = newestEpoch.getOrDefault(life.service, life.epoch);
    if (life.epoch < newest && mode == Mode.ENFORCING) {
      seq++;
      if (!life.overlappedFrozen) {
        violation("3-no-write-from-an-older-epoch", "#" + seq + " write from " + life + " after epoch " + newest
            + " started (refused; its node was not frozen, so its agent or guardian should have stopped it)");
      }
      return false;
    }
    seq++;
    writes++;
    life.writes++;
    life.lastWriteNanos = now;
    Long previous = lastWrite.put(life.service, now);
    if (previous != null && now - previous > longestGapNanos) {
      longestGapNanos = now - previous;
      longestGap = String.format("%.0f ms before write #%d from %s", (now - previous) / 1e6, seq, life);
    }
    if (life.epoch < newest) {
      violation("3-no-write-from-an-older-epoch", "#" + seq + " write from " + life + " after epoch " + newest + " started");
    }
    return true;
  }

  private synchronized void end(Life life) {
    life.endNanos = System.nanoTime();
    long s = record("END " + life + (life.stopped ? " after STOP" : " without STOP") + ", " + life.writes + " writes");
    Long thaw = thawedAt.get(life.node);
    if (life.overlappedFrozen && thaw != null && !frozenNodes.contains(life.node)) {
      thawBound(life, life.endNanos - thaw, s);
    }
  }

  /** A life that overlapped a newer epoch while its node was frozen ended {@code after} nanos after the thaw. */
  private void thawBound(Life life, long after, long s) {
    thawToEndMillis.add(Math.max(0, after) / 1e6);
    if (after > thawBoundNanos) {
      violation("4-never-two-alive", "#" + s + " " + life + " overlapped a newer epoch while frozen and lived "
          + after / 1_000_000 + " ms after its node was thawed, bound " + thawBoundNanos / 1_000_000 + " ms");
    }
  }

  /**
   * If {@code node} was frozen at {@code nanos}, or had been thawed less than the thaw bound before:
   * when that freeze was thawed (Long.MAX_VALUE while it lasts); else -1. A node just thawed cannot
   * have fenced itself yet: its guardian and agent were as frozen as its services, and once thawed
   * they need a moment to kill them, while the store may already have let another node claim (the
   * lease ran out during the freeze). So a life that begins in that moment is judged like one that
   * began during the freeze: the old process must end within the thaw bound of the thaw.
   */
  private long thawOfFreezeAt(String node, long nanos) {
    for (long[] f : freezes.getOrDefault(node, List.of())) {
      if (f[0] <= nanos && (f[1] == Long.MAX_VALUE || nanos <= f[1] + thawBoundNanos)) {
        return f[1];
      }
    }
    return -1;
  }

  /**
   * Records that every process of {@code node} is about to be frozen, or starved of CPU so that
   * neither its agent nor its guardian can act in time: from now until {@link #thawed}, a newer
   * epoch may start while its service process is alive (check 4), and that process's later writes
   * are refused without a violation (check 3).
   */
  public synchronized void frozen(String node) {
    frozenNodes.add(node);
    freezes.computeIfAbsent(node, n -> new ArrayList<>()).add(new long[] {System.nanoTime(), Long.MAX_VALUE});
    record("NOTE freezing [node=" + node + "]");
  }

  /** Records that {@code node} is being thawed: a process of it that overlapped a newer epoch must end within the thaw bound. */
  public synchronized void thawed(String node) {
    frozenNodes.remove(node);
    long now = System.nanoTime();
    thawedAt.put(node, now);
    List<long[]> f = freezes.getOrDefault(node, List.of());
    if (!f.isEmpty() && f.get(f.size() - 1)[1] == Long.MAX_VALUE) {
      f.get(f.size() - 1)[1] = now;
    }
    record("NOTE thawing [node=" + node + "]");
  }

  /** Milliseconds from the thaw of its node to the end of each process that overlapped a newer epoch while frozen. */
  public synchronized List<Double> thawToEndMillis() {
    return List.copyOf(thawToEndMillis);
  }

  /**
   * Check 7: a status read by {@code reader} (the agent that answered) showed {@code epoch} for
   * {@code service}; it must not be older than what an earlier read from the same agent showed.
   */
  public synchronized void statusRead(String reader, String service, long epoch) {
    statusReads++;
    String key = reader + " " + service;
    Long before = lastStatusEpoch.get(key);
    if (before != null && epoch < before) {
      violation("7-status-never-goes-back", "a status read from " + reader + " showed " + service + " at epoch " + epoch
          + " after an earlier read from it showed epoch " + before);
    }
    if (before == null || epoch > before) {
      lastStatusEpoch.put(key, epoch);
    }
  }

  public synchronized long statusReads() {
    return statusReads;
  }

  /**
   * Checks 5 and 8 for one fault, once the group has settled again: {@code before} and {@code after}
   * are the processes that provided each service before the fault and after it. Check 5: every
   * service is provided again within {@code bound}, plus the time the store was down. Check 8, for a
   * fault that took the store away ({@code storeDown}, from {@link Fault.Injected#at()} to {@link
   * Fault.Injected#restoredAt()}): no process started in between, and every service came back at a
   * higher epoch (every owner must have fenced itself and claimed again). {@code label} names the
   * fault in the violations.
   *
   * @return the recovery time in ms: from the fault to the start of the last process that provides a
   *     service after it, 0 when every process that ran before the fault still runs
   */
  public synchronized double settled(String label, Fault.Injected injected, boolean storeDown, Map<String, Life> before,
      Map<String, Life> after, Duration bound) {
    double ms = 0;
    for (Map.Entry<String, Life> e : after.entrySet()) {
      Life was = before.get(e.getKey());
      Life now = e.getValue();
      if (now.startNanos > injected.at()) {
        ms = Math.max(ms, (now.startNanos - injected.at()) / 1e6);
      }
      if (storeDown && now.epoch <= was.epoch) {
        violation("8-store-down-no-start-new-epochs", label + ": " + e.getKey() + " still at epoch " + now.epoch
            + " after the store came back (every owner must have fenced itself, so every service needs a new claim)");
      }
    }
    if (storeDown) {
      lives.stream().filter(l -> l.startNanos > injected.at() && l.startNanos < injected.restoredAt())
          .forEach(l -> violation("8-store-down-no-start-new-epochs", label + ": " + l + " started while the store was down"));
    }
    long outage = (injected.restoredAt() - injected.at()) / 1_000_000;
    if (ms > bound.toMillis() + outage) {
      violation("5-provided-again-within-bound", label + ": provided again after " + Math.round(ms) + " ms, bound "
          + bound.toMillis() + " ms" + (outage > 0 ? " + the " + outage + " ms the store was down" : ""));
    }
    return ms;
  }

  /** Check 6, after the last fault: exactly one process provides each of {@code services}. */
  public synchronized void oneWriterEach(List<String> services) {
    for (String name : services) {
      List<Life> alive = alive(name);
      if (alive.size() != 1) {
        violation("6-one-writer-then-none", "at the end " + alive.size() + " processes provide " + name + ": " + alive);
      }
    }
  }

  /**
   * Check 6, once the agents were told to stop and given {@code waited} to end: no process of
   * {@code services} is still connected, and none of {@code nodeProcesses} (the nodes' launchers,
   * agents and guardians) still runs (a zombie, ended but not yet reaped, does not). Kills nothing:
   * the caller kills what is left.
   */
  public synchronized void noneLeft(List<String> services, List<ProcessHandle> nodeProcesses, Duration waited) {
    String after = waited.toSeconds() + "s after the agents stopped";
    services.forEach(n -> alive(n).forEach(l -> violation("6-one-writer-then-none", l + " still connected " + after)));
    nodeProcesses.stream().filter(FencingChecker::runs).forEach(p -> violation("6-one-writer-then-none", "pid " + p.pid()
        + " (" + p.info().command().orElse("?") + ") of a node still runs " + after));
  }

  private static boolean runs(ProcessHandle p) {
    if (!p.isAlive()) {
      return false;
    }
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(p.pid()), "stat"));
      return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
    } catch (IOException | RuntimeException e) {
      return false; // gone meanwhile
    }
  }

  /** START and write messages refused (enforcing mode). */
  public synchronized long refusals() {
    return refusals;
  }

  /** Records a fault the injector is about to cause, in the one order; returns its time (monotonic nanos). */
  public synchronized long fault(String kind, String detail) {
    long now = System.nanoTime();
    record("FAULT " + kind + " " + detail);
    return now;
  }

  /** Records a note (e.g. the group settled) in the one order; returns its time (monotonic nanos). */
  public synchronized long note(String text) {
    long now = System.nanoTime();
    record("NOTE " + text);
    return now;
  }

  /** Records a violation found outside the message flow (e.g. by the end-of-run checks). */
  public synchronized void violation(String check, String text) {
    violationCounts.merge(check, 1L, Long::sum);
    List<String> list = violations.computeIfAbsent(check, k -> new ArrayList<>());
    if (list.size() < 20) {
      list.add(text);
    }
    record("VIOLATION " + check + ": " + text);
  }

  private long record(String text) {
    long s = ++seq;
    if (closed) {
      return s;
    }
    try {
      log.write(s + " " + System.nanoTime() + " " + text);
      log.newLine();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return s;
  }

  /** Every life so far, oldest start first. */
  public synchronized List<Life> lives() {
    return List.copyOf(lives);
  }

  /** The processes of {@code service} whose connection is open. */
  public synchronized List<Life> alive(String service) {
    return lives.stream().filter(l -> l.service.equals(service) && !l.ended()).toList();
  }

  /** The only live process of {@code service}, if exactly one is alive and wrote within {@code freshNanos}. */
  public synchronized Optional<Life> provider(String service, long freshNanos) {
    List<Life> alive = alive(service);
    if (alive.size() != 1 || System.nanoTime() - alive.get(0).lastWriteNanos > freshNanos) {
      return Optional.empty();
    }
    return Optional.of(alive.get(0));
  }

  /** The longest time during which no process of any service wrote, and where it ended. */
  public synchronized String longestGap() {
    return longestGap;
  }

  public synchronized long writes() {
    return writes;
  }

  /** Violations per check: their count, and the first 20 of each. */
  public synchronized Map<String, Long> violationCounts() {
    return Map.copyOf(violationCounts);
  }

  public synchronized Map<String, List<String>> violations() {
    Map<String, List<String>> copy = new HashMap<>();
    violations.forEach((k, v) -> copy.put(k, List.copyOf(v)));
    return copy;
  }

  public synchronized void flush() {
    try {
      log.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() throws IOException {
    closed = true;
    server.close();
    synchronized (this) {
      log.close();
    }
    Files.deleteIfExists(socket);
  }
}
