package dev.baton.store.zookeeper;

import dev.baton.core.Durations;
import dev.baton.core.MonotonicClock;
import dev.baton.core.store.StoreException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.curator.CuratorZookeeperClient;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.KeeperException.Code;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.OpResult;
import org.apache.zookeeper.OpResult.ErrorResult;
import org.apache.zookeeper.OpResult.GetChildrenResult;
import org.apache.zookeeper.OpResult.GetDataResult;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.ACL;

/**
 * ZooKeeper calls with a deadline. Curator keeps the connection and the session; the calls go
 * straight to its current {@link ZooKeeper} handle, asynchronously, and are awaited for at most
 * the call's remaining time, so no call outlasts the store's call timeout.
 *
 * <p>All calls of one store go through one handle per ZooKeeper session, which ZooKeeper answers
 * in order. A handle never changes its session: Curator replaces the handle when the
 * session ends, so a call made on the handle of session S runs as S or fails.
 *
 * <p>Callbacks complete futures on ZooKeeper's event thread; no store call may therefore be made
 * on that thread (watch listeners run on the store's own dispatcher instead).
 */
final class Zk {
  private final CuratorFramework client;
  private final MonotonicClock clock;
  private final Duration callTimeout;
  private final String who;
  private final String barrierPath;
  private final String identity;
  private volatile boolean closed;

  /**
   * {@code barrierPath}: an existing znode the read barrier checks (the group's); {@code identity}:
   * how the store authenticates, for errors ("as digest user \"baton\"").
   */
  Zk(CuratorFramework client, MonotonicClock clock, Duration callTimeout, String who, String barrierPath,
      String identity) {
    this.client = client;
    this.identity = identity;
    this.barrierPath = barrierPath;
    this.clock = clock;
    this.callTimeout = callTimeout;
    this.who = who;
  }

  /** A transaction ZooKeeper refused as a whole ({@code op} -1) or at operation {@code op}. */
  static final class Refused extends Exception {
    final Code code;
    final int op;

    Refused(Code code, int op) {
      super(code + (op < 0 ? "" : " at operation " + op), null, false, false);
      this.code = code;
      this.op = op;
    }

    boolean at(int index, Code expected) {
      return op == index && code == expected;
    }
  }

  /** The end of one call's time budget, on the monotonic clock. */
  final class Deadline {
    private final long end;
    private final Duration budget;

    private Deadline(Duration budget) {
      this.end = clock.nanos() + budget.toNanos();
      this.budget = budget;
    }

    long remainingNanos() {
      return Math.max(0, end - clock.nanos());
    }

    long remainingMillis() {
      return TimeUnit.NANOSECONDS.toMillis(remainingNanos());
    }
  }

  Deadline deadline() {
    return new Deadline(callTimeout);
  }

  Deadline deadline(Duration budget) {
    return new Deadline(budget);
  }

  void close() {
    closed = true;
  }

  /**
   * The handle of the current ZooKeeper session. Without a connection it waits for one until the
   * deadline, or fails at once when {@code waitForConnection} is false (a renewal must not be
   * counted as safe while the connection is SUSPENDED).
   */
  ZooKeeper handle(Deadline d, boolean waitForConnection) {
    if (closed) {
      throw new StoreException(who + " the store is closed");
    }
    CuratorZookeeperClient zc = client.getZookeeperClient();
    if (!zc.isConnected()) {
      if (!waitForConnection) {
        throw new StoreException(who + " not connected to ZooKeeper (connection SUSPENDED or LOST);"
            + " a renewal counts only when the ensemble answers it");
      }
      try {
        if (!client.blockUntilConnected((int) Math.max(1, d.remainingMillis()), TimeUnit.MILLISECONDS)) {
          throw new StoreException(who + " no connection to ZooKeeper at "
              + zc.getCurrentConnectionString() + " within " + Durations.format(d.budget));
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new StoreException(who + " interrupted while waiting for a ZooKeeper connection", e);
      }
    }
    try {
      return zc.getZooKeeper();
    } catch (Exception e) {
      throw new StoreException(who + " no ZooKeeper handle: " + e, e);
    }
  }

  /**
   * Reads {@code ops} (getData / getChildren) in one atomic multi-read that sees every write
   * acknowledged to any client before the call. Per-operation errors (a znode that does not
   * exist) stay in the results.
   *
   * <p>The read is preceded by a barrier: a transaction that only checks that the group's znode
   * exists. It is ordered with all writes by the leader, and the server answers this session's
   * read only after applying it. ZooKeeper's {@code sync} is not enough: a client connected to
   * the leader may still read before the leader applies a write another client already saw
   * acknowledged. Both are sent at once; ZooKeeper answers one session's requests in order.
   */
  List<OpResult> read(ZooKeeper zk, List<Op> ops, Deadline d, String what) {
    CompletableFuture<Outcome> barrier = multi(zk, List.of(Op.check(barrierPath, -1)));
    CompletableFuture<Outcome> read = multi(zk, ops);
    Outcome passed = await(barrier, d, what);
    if (passed.rc != Code.OK) {
      throw failure(what, passed.rc);
    }
    Outcome outcome = await(read, d, what);
    if (outcome.results == null) { // the request as a whole failed
      throw failure(what, outcome.rc);
    }
    return outcome.results; // its rc is the first per-operation error, if any
  }

  /**
   * Runs {@code ops} as one ZooKeeper transaction: all apply or none.
   *
   * @throws Refused when ZooKeeper refused it: an operation's precondition failed (BADVERSION,
   *     NONODE, NODEEXISTS, NOTEMPTY) or the session is gone (SESSIONEXPIRED, as a whole)
   * @throws StoreException on connection trouble or timeout; the outcome is then unknown
   */
  List<OpResult> transact(ZooKeeper zk, List<Op> ops, Deadline d, String what) throws Refused {
    Outcome outcome = await(multi(zk, ops), d, what);
    if (outcome.rc == Code.OK) {
      return outcome.results;
    }
    switch (outcome.rc) {
      case SESSIONEXPIRED -> throw new Refused(outcome.rc, -1);
      case BADVERSION, NONODE, NODEEXISTS, NOTEMPTY -> {
        for (int i = 0; outcome.results != null && i < outcome.results.size(); i++) {
          if (outcome.results.get(i) instanceof ErrorResult e && e.getErr() == outcome.rc.intValue()) {
            throw new Refused(outcome.rc, i);
          }
        }
        throw new Refused(outcome.rc, -1);
      }
      default -> throw failure(what, outcome.rc);
    }
  }

  /** Deletes {@code paths} one by one, pipelined; those already gone are fine. */
  void deleteAll(ZooKeeper zk, Collection<String> paths, Deadline d, String what) {
    List<CompletableFuture<Integer>> pending = new ArrayList<>();
    for (String path : paths) {
      CompletableFuture<Integer> f = new CompletableFuture<>();
      zk.delete(path, -1, (rc, p, ctx) -> f.complete(rc), null);
      pending.add(f);
    }
    for (CompletableFuture<Integer> f : pending) {
      int rc = await(f, d, what);
      if (rc != Code.OK.intValue() && rc != Code.NONODE.intValue()) {
        throw failure(what, Code.get(rc));
      }
    }
  }

  /** The ACL of {@code path}, which must exist. */
  List<ACL> acl(ZooKeeper zk, String path, Deadline d, String what) {
    CompletableFuture<AclOutcome> f = new CompletableFuture<>();
    zk.getACL(path, null, (rc, p, ctx, acl, stat) -> f.complete(new AclOutcome(Code.get(rc), acl)), null);
    AclOutcome outcome = await(f, d, what);
    if (outcome.rc != Code.OK) {
      throw failure(what, outcome.rc);
    }
    return outcome.acl;
  }

  private record AclOutcome(Code rc, List<ACL> acl) {}

  /** The data of a getData result, or null if the znode does not exist. */
  GetDataResult data(OpResult result, String what) {
    if (result instanceof GetDataResult data) {
      return data;
    }
    int err = ((ErrorResult) result).getErr();
    if (err == Code.NONODE.intValue()) {
      return null;
    }
    throw failure(what, Code.get(err));
  }

  /** The children of a getChildren result, empty if the znode does not exist. */
  List<String> children(OpResult result, String what) {
    if (result instanceof GetChildrenResult children) {
      return children.getChildren();
    }
    int err = ((ErrorResult) result).getErr();
    if (err == Code.NONODE.intValue()) {
      return List.of();
    }
    throw failure(what, Code.get(err));
  }

  StoreException failure(String what, Code code) {
    String meaning = switch (code) {
      case CONNECTIONLOSS -> "the connection to the ensemble was lost; the outcome is unknown";
      case OPERATIONTIMEOUT -> "the ensemble did not answer in time; the outcome is unknown";
      case SESSIONEXPIRED -> "the ZooKeeper session expired";
      case SESSIONMOVED -> "the session moved to another server meanwhile; the outcome is unknown";
      case NOAUTH -> "not allowed by the znode's ACL to this store, which connects " + identity
          + "; the group's znodes were created with other ZooKeeper credentials: give the store those"
          + " (store-password-file holding user:password; docs/store-zookeeper.md, \"Access to the znodes\")";
      default -> "ZooKeeper answered " + code;
    };
    return new StoreException(who + " " + what + " failed: " + meaning);
  }

  private record Outcome(Code rc, List<OpResult> results) {}

  private static CompletableFuture<Outcome> multi(ZooKeeper zk, List<Op> ops) {
    CompletableFuture<Outcome> f = new CompletableFuture<>();
    zk.multi(ops, (rc, path, ctx, results) -> f.complete(new Outcome(Code.get(rc), results)), null);
    return f;
  }

  private <T> T await(CompletableFuture<T> f, Deadline d, String what) {
    try {
      return f.get(d.remainingNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      throw new StoreException(who + " " + what + ": no answer from ZooKeeper within "
          + Durations.format(d.budget) + "; the outcome is unknown");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreException(who + " " + what + " interrupted; the outcome is unknown", e);
    } catch (ExecutionException e) {
      throw new StoreException(who + " " + what + " failed: " + e.getCause(), e.getCause());
    }
  }
}

