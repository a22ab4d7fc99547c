package dev.baton.store.pair;

import dev.baton.core.GroupName;
import dev.baton.core.InvalidInputException;
import dev.baton.core.NodeName;
import dev.baton.core.Threads;
import dev.baton.core.store.SessionId;
import dev.baton.core.store.StoreException;
import dev.baton.core.store.StoreOptions;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This process's member of a hot-backup pair. The live member holds the pair's state and applies
 * every call; it heartbeats its peer every interval, and each heartbeat carries what changed since
 * the peer's last acknowledgement (the renewal counters alone when nothing else did). The backup
 * keeps that copy, forwards its own calls to the live member, and goes live with a higher term
 * once {@code threshold} heartbeats in a row are missing (and, with a witness, once the witness
 * agrees the live member is gone). A member that starts learns its peer's term before anything
 * else and joins as the backup when its peer is up; it goes live at once only when both start
 * together and it is the preferred one (not started as the backup; then the lower listen address).
 *
 * <p>Every renewal of the live member's own sessions (and, when a witness is set, its witness
 * session) is sent no earlier than its caller's renewal call began; so the backup, which counts
 * the threshold from the last heartbeat it received, goes live no earlier than a full lease after
 * the renewal the live agent fences itself by.
 */
final class PairMember implements Calls {
  private static final Logger log = LoggerFactory.getLogger(PairMember.class);

  enum Role { JOINING, LIVE, BACKUP }

  // ---- messages between the members
  record Hello(Role role, long term, boolean backup, long version) {}

  record Beat(long term, boolean backup, long version, Map<GroupName, GroupState> state,
      Map<GroupName, Map<NodeName, Long>> renewals) {}

  record Ack(long term, Role role, long version, Map<GroupName, Long> events) {}

  record SyncReply(long term, Role role, long version, Map<GroupName, GroupState> groups) {}

  record Saved(long term, long version, Map<GroupName, GroupState> groups) {}

  private final PairUrl url;
  private final GroupName group;
  private final Duration callTimeout;
  private final Duration beatTimeout;
  private final Frames frames;
  private final Link.Sender sender;
  private final Link peer;
  private final String self;
  private final ServerSocket server;
  private final Witness witness;
  private final ExecutorService persister = Executors.newSingleThreadExecutor(Threads.named("pair-save"));
  private final Set<SessionId> localSessions = ConcurrentHashMap.newKeySet();
  private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
  private final Object replicating = new Object();
  private final AtomicLong rejectedLogged = new AtomicLong();

  private final Object lock = new Object();
  private Role role = Role.JOINING;
  private long term;
  private long version;
  private Map<GroupName, GroupState> groups = new TreeMap<>();
  private long peerVersion = -1;
  private Map<GroupName, Long> peerEvents = Map.of();
  private long lastHeardLiveNanos;
  private boolean peerReachable = true;
  private volatile boolean closed;
  private Thread ticker;
  /** When the backup last renewed its witness session and read the witness (ticker thread only). */
  private long lastWitnessNanos;
  /** When the backup last tried to go live (ticker thread only): once an interval at most. */
  private long lastPromotionNanos;

  PairMember(PairUrl url, StoreOptions options) {
    this.url = url;
    this.group = options.group();
    this.callTimeout = options.callTimeout();
    this.beatTimeout = min(callTimeout, url.interval());
    this.self = PairUrl.show(url.listen());
    this.frames = new Frames(Frames.readKey(url.keyFile()), window(url));
    this.sender = new Link.Sender(group, self);
    this.peer = new Link(url.members().get(0), frames, sender);
    load();
    try {
      server = new ServerSocket();
      server.setReuseAddress(true);
      server.bind(new InetSocketAddress(url.listen().getHostString(), url.listen().getPort()));
    } catch (IOException e) {
      throw new InvalidInputException("[group=" + group + "] pair.listen " + self + " cannot be bound: "
          + e.getMessage() + " (another agent of this pair on this host, or another program, holds it)");
    }
    this.witness = url.witness() == null ? null : new Witness(url, options, self);
  }

  /** How far a message's send time may be from the receiver's clock: 10 heartbeats, at least 5 s. */
  static Duration window(PairUrl url) {
    Duration tenBeats = url.interval().multipliedBy(10);
    return tenBeats.compareTo(Duration.ofSeconds(5)) > 0 ? tenBeats : Duration.ofSeconds(5);
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) < 0 ? a : b;
  }

  // ---------------------------------------------------------------- start: join the pair

  /** Starts serving and joins the pair: returns once this member is live or the backup. */
  void start() {
    Thread acceptor = new Thread(this::accept, "pair-accept");
    acceptor.setDaemon(true);
    acceptor.start();
    join();
    ticker = new Thread(this::tick, "pair-ticker");
    ticker.setDaemon(true);
    ticker.start();
  }

  /**
   * How long a starting member waits for its peer before it goes live alone: twice the silence
   * that makes a backup go live, at least 2 s. A live peer answers or heartbeats it well within
   * that even on a loaded machine (at threshold 3 a wait of one silence, 600 ms, let a restarted
   * member go live beside its live peer in bench pair); a dead one costs the pair that long once.
   */
  private Duration joinWait() {
    Duration twice = url.silence().multipliedBy(2);
    return twice.compareTo(Duration.ofSeconds(2)) > 0 ? twice : Duration.ofSeconds(2);
  }

  private void join() {
    long deadline = System.nanoTime() + joinWait().toNanos();
    Duration helloTimeout = url.interval().compareTo(Duration.ofMillis(500)) > 0 ? url.interval()
        : Duration.ofMillis(500);
    while (!closed) {
      synchronized (lock) {
        if (role != Role.JOINING) {
          return; // a heartbeat of the live peer made this member its backup
        }
      }
      Hello answer = null;
      try {
        answer = peer.call("hello", hello(), Hello.class, helloTimeout);
      } catch (IOException e) {
        log.debug("[group={}] pair: no answer from {} yet: {}", group, peer.address(), e.toString());
      }
      if (answer != null) {
        if (answer.role() == Role.LIVE && answer.term() >= term()) {
          becomeBackupOf(answer.term(), "it is live at term " + answer.term());
          sync();
          return;
        }
        if (answer.role() == Role.LIVE || answer.role() == Role.JOINING && preferredOver(answer)) {
          if (answer.term() > term() || answer.version() > version()) {
            sync(); // its copy is the newer one
          }
          if (goLive(Math.max(term(), answer.term()) + 1, "its peer " + peer.address() + " is "
              + answer.role().name().toLowerCase() + " at term " + answer.term())) {
            return;
          }
        } else if (answer.role() == Role.BACKUP) {
          becomeBackupOf(answer.term(), "it is the backup (its live member went away: it goes live"
              + " when it has missed " + url.threshold() + " heartbeats)");
          return;
        }
      } else if (System.nanoTime() - deadline >= 0) {
        if (goLive(term() + 1, "no answer from its peer " + peer.address() + " for " + joinWait().toMillis()
            + " ms")) {
          return;
        }
        becomeBackupOf(term(), "the witness does not agree its peer is gone");
        return;
      }
      sleep(url.interval().dividedBy(2));
    }
  }

  private Hello hello() {
    synchronized (lock) {
      return new Hello(role, term, url.backup(), version);
    }
  }

  private boolean preferredOver(Hello peerHello) {
    if (url.backup() != peerHello.backup()) {
      return !url.backup();
    }
    return self.compareTo(peer.address()) < 0;
  }

  private void becomeBackupOf(long peerTerm, String why) {
    synchronized (lock) {
      boolean wasLive = role == Role.LIVE;
      if (role != Role.BACKUP) {
        version = -1; // until the live member's whole state arrives (see onBeat)
      }
      role = Role.BACKUP;
      lastHeardLiveNanos = System.nanoTime();
      if (peerTerm > term) {
        term = peerTerm;
        saveNow();
      }
      if (wasLive) {
        log.warn("[group={}] pair: {} is the backup now at term {}: {}; the sessions opened here end, and"
            + " their agents stop what they ran", group, self, term, why);
      } else {
        log.info("[group={}] pair: {} joins as the backup at term {}: {}", group, self, term, why);
      }
    }
    fire();
  }

  /** Asks the peer for its whole copy and takes it (joining, or its copy is newer). */
  private void sync() {
    try {
      SyncReply reply = peer.call("sync", Map.of(), SyncReply.class, callTimeout.multipliedBy(4));
      synchronized (lock) {
        groups = new TreeMap<>(reply.groups());
        version = reply.version();
        term = Math.max(term, reply.term());
        saveLater();
      }
      fire();
    } catch (IOException e) {
      log.warn("[group={}] pair: could not read the state of {}: {}; its next heartbeat brings it", group,
          peer.address(), e.toString());
    }
  }

  /**
   * Goes live at term {@code next} (or the witness's next term); false when the witness does not
   * agree that the peer is gone.
   */
  private boolean goLive(long next, String why) {
    long newTerm = next;
    if (witness != null) {
      java.util.OptionalLong granted = witness.claimLive();
      if (granted.isEmpty()) {
        return false;
      }
      newTerm = Math.max(next, granted.getAsLong());
    }
    synchronized (lock) {
      role = Role.LIVE;
      term = newTerm;
      long now = System.nanoTime();
      for (GroupState g : groups.values()) {
        g.raiseFloors(term);
        g.expireAllBut(localSessions, now);
      }
      version++;
      peerVersion = -1;
      saveNow();
      log.warn("[group={}] pair: {} is live at term {}: {}", group, self, term, why);
    }
    fire();
    return true;
  }

  // ---------------------------------------------------------------- the ticker

  private void tick() {
    while (!closed) {
      Role r;
      synchronized (lock) {
        r = role;
      }
      try {
        if (r == Role.LIVE) {
          long started = System.nanoTime();
          beat();
          if (witness != null && witness.renew() == Witness.Renewal.LOST) {
            demoteByWitness();
          }
          sleepNanos(url.interval().toNanos() - (System.nanoTime() - started));
        } else {
          if (witness != null && System.nanoTime() - lastWitnessNanos >= url.interval().toNanos()) {
            lastWitnessNanos = System.nanoTime();
            witness.renew();
            witness.observe();
          }
          long silentNanos;
          synchronized (lock) {
            silentNanos = System.nanoTime() - lastHeardLiveNanos;
          }
          if (silentNanos >= url.silence().toNanos()
              && System.nanoTime() - lastPromotionNanos >= url.interval().toNanos()) {
            lastPromotionNanos = System.nanoTime();
            goLive(term() + 1, "no heartbeat from " + peer.address() + " for " + silentNanos / 1_000_000
                + " ms (" + url.threshold() + " x " + url.interval().toMillis() + " ms)");
          }
          sleep(url.interval().dividedBy(4));
        }
      } catch (RuntimeException e) {
        log.error("[group={}] pair: ticker failed; it goes on", group, e);
        sleep(url.interval());
      }
    }
  }

  private void demoteByWitness() {
    synchronized (lock) {
      if (role != Role.LIVE) {
        return;
      }
      role = Role.BACKUP;
      lastHeardLiveNanos = System.nanoTime();
      log.warn("[group={}] pair: {} lost its witness session: its peer went live; this member is the backup",
          group, self);
    }
    fire();
  }

  /**
   * Sends one heartbeat to the peer, with the state when the peer's copy is behind. True when the
   * peer acknowledged it as from its live member.
   */
  private boolean beat() {
    synchronized (replicating) {
      Beat b;
      synchronized (lock) {
        if (role != Role.LIVE) {
          return false;
        }
        Map<GroupName, GroupState> state = null;
        Map<GroupName, Map<NodeName, Long>> renewals = new TreeMap<>();
        if (peerVersion != version) {
          state = new TreeMap<>();
          for (Map.Entry<GroupName, GroupState> e : groups.entrySet()) {
            state.put(e.getKey(), e.getValue().copyWithEventsAfter(peerEvents.getOrDefault(e.getKey(), 0L)));
          }
        } else {
          groups.forEach((g, s) -> renewals.put(g, s.renewals()));
        }
        b = new Beat(term, url.backup(), version, state, renewals);
      }
      Ack ack;
      try {
        ack = peer.call("beat", b, Ack.class, beatTimeout);
      } catch (IOException e) {
        peerReachable(false, e.toString());
        return false;
      }
      peerReachable(true, null);
      synchronized (lock) {
        if (ack.role() == Role.LIVE && (ack.term() > term || ack.term() == term && peer.address().compareTo(self) < 0)) {
          // fall through to demotion below, outside the lock
        } else if (ack.role() == Role.LIVE || ack.term() > term) {
          return false;
        } else {
          peerVersion = ack.version();
          peerEvents = ack.events() == null ? Map.of() : ack.events();
          return true;
        }
      }
      becomeBackupOf(ack.term(), "its peer " + peer.address() + " is live at term " + ack.term());
      sync();
      return false;
    }
  }

  private void peerReachable(boolean reachable, String why) {
    synchronized (lock) {
      if (peerReachable == reachable) {
        return;
      }
      peerReachable = reachable;
    }
    if (reachable) {
      log.info("[group={}] pair: the backup {} answers heartbeats again", group, peer.address());
    } else {
      log.warn("[group={}] pair: the backup {} does not answer heartbeats ({}); this member stays live{}", group,
          peer.address(), why, witness == null ? " (no witness: if only the link is cut, both go live)" : "");
    }
  }

  // ---------------------------------------------------------------- serving

  private void accept() {
    while (!closed) {
      Socket s;
      try {
        s = server.accept();
      } catch (IOException e) {
        if (!closed) {
          log.warn("[group={}] pair: accepting on {} failed: {}", group, self, e.toString());
          sleep(url.interval());
        }
        continue;
      }
      Thread t = new Thread(() -> serve(s), "pair-serve");
      t.setDaemon(true);
      t.start();
    }
  }

  private void serve(Socket s) {
    try (s) {
      s.setTcpNoDelay(true);
      DataInputStream in = new DataInputStream(new BufferedInputStream(s.getInputStream()));
      DataOutputStream out = new DataOutputStream(new BufferedOutputStream(s.getOutputStream()));
      while (!closed) {
        Frames.Message m;
        try {
          m = frames.read(in);
        } catch (Frames.Rejected e) {
          rejected(s, e.getMessage());
          return;
        }
        if (!m.type().equals("op") && !group.value().equals(m.group())) {
          // Calls may name any group (one live member can hold several); the members' own talk is of one.
          rejected(s, "a " + m.type() + " of group " + m.group() + ", not " + group);
          return;
        }
        Object reply;
        try {
          reply = handle(m);
        } catch (RuntimeException e) {
          log.warn("[group={}] pair: a {} from {} failed", group, m.type(), m.from(), e);
          return;
        }
        frames.write(out, sender.message("reply", m.seq(), reply));
      }
    } catch (EOFException | SocketException e) {
      // the other side closed the connection
    } catch (IOException e) {
      log.debug("[group={}] pair: connection from {} ended: {}", group, s.getRemoteSocketAddress(), e.toString());
    }
  }

  private void rejected(Socket s, String reason) {
    long now = System.currentTimeMillis();
    long last = rejectedLogged.get();
    if (now - last >= 1000 && rejectedLogged.compareAndSet(last, now)) {
      log.warn("[group={}] pair: refused a message from {}: {} (further refusals within a second are not logged)",
          group, s.getRemoteSocketAddress(), reason);
    }
  }

  private Object handle(Frames.Message m) throws IOException {
    return switch (m.type()) {
      case "hello" -> hello();
      case "beat" -> onBeat(Wire.JSON.treeToValue(m.body(), Beat.class));
      case "sync" -> {
        synchronized (lock) {
          yield new SyncReply(term, role, version, groups);
        }
      }
      case "op" -> call(Wire.JSON.treeToValue(m.body(), Op.class));
      default -> throw new IllegalArgumentException("unknown message type " + m.type());
    };
  }

  private Ack onBeat(Beat b) {
    boolean demoted = false;
    boolean changed = false;
    synchronized (lock) {
      if (role == Role.LIVE) {
        boolean peerWins = b.term() > term || b.term() == term && peer.address().compareTo(self) < 0;
        if (!peerWins) {
          return ack();
        }
        demoted = true;
      }
      if (b.term() < term) {
        return ack(); // a live member that has not learned of a newer term
      }
      if (role != Role.BACKUP) {
        // Its copy is of unknown age (read from its file, or its own as the live member): the live
        // member sends the whole state until this member has acknowledged one.
        version = -1;
        if (!demoted) {
          log.info("[group={}] pair: {} joins as the backup at term {}: its peer {} heartbeats it as the live"
              + " member", group, self, b.term(), peer.address());
        }
      }
      role = Role.BACKUP;
      lastHeardLiveNanos = System.nanoTime();
      if (b.term() > term) {
        term = b.term();
        saveNow();
      }
      if (b.state() != null) {
        Map<GroupName, GroupState> next = new TreeMap<>();
        for (Map.Entry<GroupName, GroupState> e : b.state().entrySet()) {
          GroupState held = groups.get(e.getKey());
          if (held == null) {
            next.put(e.getKey(), e.getValue());
          } else {
            held.replaceBy(e.getValue());
            next.put(e.getKey(), held);
          }
        }
        groups = next;
        version = b.version();
        changed = true;
        saveLater();
      } else if (b.version() == version) {
        b.renewals().forEach((g, counters) -> {
          GroupState s = groups.get(g);
          if (s != null) {
            s.applyRenewals(counters);
          }
        });
      }
    }
    if (demoted) {
      log.warn("[group={}] pair: {} is the backup now: its peer {} is live at term {}", group, self,
          peer.address(), b.term());
    }
    if (changed || demoted) {
      fire();
    }
    synchronized (lock) {
      return ack();
    }
  }

  private Ack ack() {
    Map<GroupName, Long> held = new HashMap<>();
    groups.forEach((g, s) -> held.put(g, s.lastEventHeld()));
    return new Ack(term, role, version, held);
  }

  // ---------------------------------------------------------------- calls

  @Override
  public Op.Result call(Op op) {
    Op.Result here = applyHere(op);
    if (here != null) {
      return here;
    }
    Role r;
    synchronized (lock) {
      r = role;
      if (r == Role.BACKUP && op.reads()) {
        return applyToCopy(op, false).result();
      }
    }
    if (r == Role.JOINING) {
      return Op.Result.notLive(self + " is joining its pair");
    }
    if (r == Role.LIVE) {
      return Op.Result.notLive(self + " changed its role during the call; try again");
    }
    try {
      return peer.call("op", op, Op.Result.class, callTimeout);
    } catch (IOException e) {
      if (witness == null && op.op().equals("renew")) {
        // Without a witness the backup goes live once its live member is silent, keeping its own
        // sessions: it need not stop what it runs meanwhile (a cut link makes both live, as documented).
        synchronized (lock) {
          if (role == Role.BACKUP) {
            return applyToCopy(op, false).result();
          }
        }
      }
      throw new StoreException("[group=" + group + "] pair: the live member " + peer.address()
          + " did not answer " + op.op() + ": " + e.getMessage(), e);
    }
  }

  /**
   * Applies {@code op} when this member is live, then has the backup take the change before
   * answering; null when this member is not live.
   */
  private Op.Result applyHere(Op op) {
    Authority.Applied applied;
    boolean reachable;
    synchronized (lock) {
      if (role != Role.LIVE) {
        return null;
      }
      applied = applyToCopy(op, true);
      if (applied.changed()) {
        version++;
        saveLater();
      }
      reachable = peerReachable;
    }
    if (applied.changed()) {
      if (reachable) {
        beat(); // the backup holds the change before the caller learns of it (unless it fails to answer)
      }
      fire();
    }
    return applied.result();
  }

  /** Applies {@code op} to this member's copy of its group (see {@link Authority#apply}); the caller holds the lock. */
  private Authority.Applied applyToCopy(Op op, boolean judge) {
    return Authority.apply(groups.computeIfAbsent(op.group(), g -> new GroupState()), op, System.nanoTime(), judge);
  }

  /** Whether a renewal just applied by this live member is confirmed by its peer or witness. */
  boolean confirmRenewal() {
    if (witness == null) {
      return true;
    }
    java.util.concurrent.CompletableFuture<Boolean> byWitness =
        java.util.concurrent.CompletableFuture.supplyAsync(() -> witness.renew() == Witness.Renewal.RENEWED);
    boolean reachable;
    synchronized (lock) {
      reachable = peerReachable;
    }
    // While the ticker's heartbeats fail (a cut link, a dead backup), one more heartbeat timing out
    // here (after waiting for the ticker's, which holds the replication lock) only delays the renewal
    // past its agent's fence point: the witness alone confirms it then.
    boolean byPeer = reachable && beat();
    try {
      return byPeer || byWitness.get(callTimeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      return false;
    }
  }

  // ---------------------------------------------------------------- state file

  private void load() {
    Path file = url.dataFile();
    if (file == null || !Files.exists(file)) {
      return;
    }
    try {
      Saved saved = Wire.JSON.readValue(file.toFile(), Saved.class);
      term = saved.term();
      version = saved.version();
      groups = new TreeMap<>(saved.groups());
      long now = System.nanoTime();
      groups.values().forEach(g -> g.heardAllAt(now));
      log.info("[group={}] pair: read term {} and the state of {} group(s) from {}", group, term, groups.size(), file);
    } catch (IOException e) {
      throw new StoreException("[group=" + group + "] pair: the state file " + file + " is unreadable ("
          + e.getMessage() + "); move it away to start this member empty (it learns the state from its peer)", e);
    }
  }

  /** Writes the state file now (the term must never go back); the caller holds the lock. */
  private void saveNow() {
    Path file = url.dataFile();
    if (file == null) {
      return;
    }
    try {
      Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
      Files.createDirectories(file.toAbsolutePath().getParent());
      Wire.JSON.writeValue(tmp.toFile(), new Saved(term, version, groups));
      try {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("pair: the state file " + file + " cannot be written", e);
    }
  }

  /** Writes the state file soon, on the saver's thread. */
  private void saveLater() {
    if (url.dataFile() == null || closed) {
      return;
    }
    persister.execute(() -> {
      synchronized (lock) {
        try {
          saveNow();
        } catch (UncheckedIOException e) {
          log.warn("[group={}] {}", group, e.getMessage());
        }
      }
    });
  }

  // ---------------------------------------------------------------- the rest

  long term() {
    synchronized (lock) {
      return term;
    }
  }

  private long version() {
    synchronized (lock) {
      return version;
    }
  }

  Role role() {
    synchronized (lock) {
      return role;
    }
  }

  /** This member's role and term, and how its peer is doing, for the whiteboard. */
  String describe() {
    synchronized (lock) {
      String me = "pair: this member (" + self + ")";
      String withWitness = witness == null ? "; no witness" : "; witness " + url.witness();
      return switch (role) {
        case LIVE -> me + " is live at term " + term + "; its backup " + peer.address()
            + (peerReachable ? " answers heartbeats" : " does not answer heartbeats") + withWitness;
        case BACKUP -> me + " is the backup at term " + term + "; last heartbeat from the live member "
            + peer.address() + " " + (System.nanoTime() - lastHeardLiveNanos) / 1_000_000 + " ms ago (it goes live after "
            + url.silence().toMillis() + " ms)" + withWitness;
        case JOINING -> me + " is joining its peer " + peer.address();
      };
    }
  }

  @Override
  public void opened(SessionId session) {
    localSessions.add(session);
  }

  @Override
  public AutoCloseable watch(Runnable listener) {
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  private void fire() {
    for (Runnable l : listeners) {
      try {
        l.run();
      } catch (RuntimeException e) {
        log.warn("[group={}] pair: a watcher failed", group, e);
      }
    }
  }

  @Override
  public void close() {
    closed = true;
    try {
      server.close();
    } catch (IOException ignored) {
      // closing
    }
    if (ticker != null) {
      ticker.interrupt();
    }
    peer.close();
    persister.shutdown();
    try {
      persister.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (witness != null) {
      witness.close();
    }
  }

  private void sleep(Duration d) {
    sleepNanos(d.toNanos());
  }

  private void sleepNanos(long nanos) {
    if (nanos <= 0) {
      return;
    }
    try {
      TimeUnit.NANOSECONDS.sleep(nanos);
    } catch (InterruptedException e) {
      if (!closed) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
