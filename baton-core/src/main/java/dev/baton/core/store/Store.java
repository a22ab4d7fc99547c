package dev.baton.core.store;

import dev.baton.core.NodeName;
import dev.baton.core.ServiceName;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The coordination store of one group: the only state the nodes share.
 *
 * <p>Every method is atomic, may be called from any thread, and either completes within the
 * store's call timeout or throws {@link StoreException} (the outcome of a write is then unknown).
 * Time that decides a lease is the store's own (a database clock, a ZooKeeper session), never a
 * node's wall clock. A store with no clock of its own returns false from {@link #judgesLeases()}
 * and leaves liveness to the observed-time rule: a reader judges a session dead once its
 * {@link NodeRecord#renewals()} counter has not moved for a full lease on the reader's monotonic
 * clock, and names what it saw ({@link Observed}) in its claim.
 *
 * <p>Each session runs on its own lease: the {@link StoreOptions#lease()} (and heartbeat) of the
 * store instance that opened it, which its owner fences itself by. {@link #openSession} records
 * them with the session, and every reader sees them in {@link NodeRecord#lease()} and {@link
 * NodeRecord#heartbeat()} (null for a session opened by a version of Baton that did not record
 * them). A store that judges leases judges each session by its own lease, whatever the lease of
 * the reader or claimant. A reader applying the observed-time rule waits at least the longer of its
 * own lease and the session's ({@link NodeRecord#leaseAtLeast}), so that nodes configured with
 * different leases (or a group in the middle of changing its lease) never overlap. Any change of
 * a live session's counter counts as a renewal, a decrease too: a store restored from a backup, or
 * failed over to a replica that missed the last commits, may show a lower counter of a session that
 * is still being renewed.
 *
 * <p>Implementations are found by URL scheme through {@link StoreProvider}. Every implementation
 * passes the store TCK ({@code baton-store-tck}).
 */
public interface Store extends AutoCloseable {

  /**
   * Whether {@link NodeRecord#state()} reflects lease expiry by the store's own clock. When false,
   * open sessions always read {@link SessionState#LIVE}.
   */
  boolean judgesLeases();

  /**
   * Opens a new session for {@code node} and publishes its providers, recording with the session
   * the heartbeat and lease of this store's {@link StoreOptions} (read back in {@link
   * NodeRecord#heartbeat()} and {@link NodeRecord#lease()}). Atomic: the node's record
   * is replaced only if its current session is absent, closed, expired, or equal to
   * {@code replacing} with that renewal count (a session the caller has observed dead; any
   * ownership it held becomes claimable).
   *
   * @throws dev.baton.core.ConflictException if another session of this node name is open and
   *     was not named in {@code replacing}: another agent runs with the same name
   */
  SessionId openSession(NodeInfo node, Map<ServiceName, ProviderStatus> providers, Observed replacing);

  /**
   * Renews {@code session} and returns its new renewal counter. Callers measure their fence
   * deadline from the moment they <em>sent</em> the last renewal that returned normally.
   *
   * @throws SessionLostException if the session is not the node's open session any more
   *     (closed, replaced, expired by the store clock, or ended by a claim over it)
   */
  long renew(SessionId session);

  /**
   * Closes {@code session} and releases every ownership it holds, making them claimable at
   * once. Closing a session that is already closed or lost does nothing.
   */
  void closeSession(SessionId session);

  /**
   * Replaces the provider states that {@code session}'s node publishes on the whiteboard.
   *
   * @throws SessionLostException if the session is not the node's open session
   */
  void publishProviders(SessionId session, Map<ServiceName, ProviderStatus> providers);

  /** One consistent read of nodes, ownerships, settings and decisions. */
  Snapshot snapshot();

  /**
   * Compare-and-set on a service's ownership. Granted, with the epoch raised by one, only when
   * the service's epoch equals {@link ClaimRequest#expectedEpoch()}, the claimant's session is
   * open, and the service is unowned (never claimed or released), or its owner's session is
   * closed, replaced or expired, or the request names the owner's session with its current
   * renewal counter ({@link ClaimRequest#deadOwner()}) and, for a store that judges leases, the
   * store's clock also says that lease has passed. A grant over a named dead owner also ends
   * that session ({@link SessionState#EXPIRED}): its later renewals fail, so an owner that wakes
   * up late learns it lost everything. Of any number of concurrent claims on one epoch, at most
   * one is granted.
   */
  ClaimResult claim(ClaimRequest request);

  /**
   * Claims several services, each exactly as {@link #claim} would, and returns the results in
   * request order. Each claim stands or falls on its own. A store may decide them all in one
   * transaction, to spare a node that takes over many services at once a commit each; the default
   * claims one at a time, and when one of those fails, answers it and every later one as rejected
   * (with the ownership shown as unclaimed; the failed one may in fact have been granted) rather
   * than losing the grants before it. When it throws, some of them may have been granted.
   */
  default List<ClaimResult> claimAll(List<ClaimRequest> requests) {
    List<ClaimResult> results = new ArrayList<>(requests.size());
    StoreException failed = null;
    for (ClaimRequest r : requests) {
      if (failed == null) {
        try {
          results.add(claim(r));
          continue;
        } catch (StoreException e) {
          failed = e;
        }
      }
      results.add(ClaimResult.rejected(Ownership.unclaimed(r.service()),
          "not decided, the store failed (" + failed.getMessage() + ")"));
    }
    return results;
  }

  /**
   * Releases {@code service} if it is owned by {@code session} at {@code epoch}; the epoch stays,
   * the last owner's name stays for placement. Returns false (and changes nothing) otherwise.
   */
  boolean release(ServiceName service, SessionId session, long epoch);

  /** Replaces one service's operator settings. */
  void putServiceSettings(ServiceName service, ServiceSettings settings);

  /** Replaces one node's operator settings. */
  void putNodeSettings(NodeName node, NodeSettings settings);

  /**
   * Replaces what {@code node} decided about its provider of {@code service} (its ban, restart
   * budget, failed verdict). Any node may write any node's decision; the last write wins.
   * {@link Decision#isNone()} is the same as {@link #clearDecision}.
   */
  void putDecision(NodeName node, ServiceName service, Decision decision);

  /**
   * Removes {@code node}'s decision about {@code service}, if any (an ended ban, or an operator's
   * {@code baton clear}); the node's agent, running or started later, sees it gone.
   */
  void clearDecision(NodeName node, ServiceName service);

  /** Appends an event and returns its sequence number, larger than any before it. */
  long appendEvent(EventDraft event);

  /**
   * Appends {@code events} in list order and returns their sequence numbers, each larger than any
   * before it. A store may write them all in one transaction, to spare a burst of events (a node
   * claiming and starting many services) a commit each; the default appends them one at a time.
   * When it throws, some of them may have been appended.
   */
  default List<Long> appendEvents(List<EventDraft> events) {
    List<Long> seqs = new ArrayList<>(events.size());
    for (EventDraft e : events) {
      seqs.add(appendEvent(e));
    }
    return seqs;
  }

  /** Events with a sequence number above {@code afterSeq}, oldest first, at most {@code limit}. */
  List<Event> events(long afterSeq, int limit);

  /**
   * Calls {@code listener} (on a store thread; keep it short) soon after any change other than a
   * renewal: sessions opened or closed, providers published, claims, releases, settings, decisions. It may
   * also be called when nothing changed. Renewals are not announced: readers observe them on
   * their own schedule. Closing the returned handle stops the calls.
   */
  AutoCloseable watch(Runnable listener);

  /**
   * The group's identity in this store, or empty when the group has none yet: a store that was
   * never joined, or one that was emptied or replaced since. See {@link #createIdentity()}.
   */
  Optional<String> identity();

  /**
   * Gives the group its identity (a random id) if it has none, and returns the identity it has.
   * Atomic: two nodes creating one at once get the same. An identity never changes afterwards, so
   * a node that remembers the identity it joined can tell this store from a replaced, emptied or
   * recreated one, whose epochs may start again below ones already handed out.
   */
  String createIdentity();

  /**
   * What the store says of its own state for the whiteboard, when it has something to say (a pair
   * member's role and term, and whether its peer answers); empty otherwise. Cheap: no store call.
   */
  default Optional<String> condition() {
    return Optional.empty();
  }

  /** Releases the store's resources. Does not close sessions. */
  @Override
  void close();
}
