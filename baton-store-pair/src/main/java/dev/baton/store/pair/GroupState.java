package dev.baton.store.pair;

import dev.baton.core.ConflictException;
import dev.baton.core.InvalidInputException;
import dev.baton.core.NodeName;
import dev.baton.core.ServiceName;
import dev.baton.core.store.ClaimRequest;
import dev.baton.core.store.ClaimResult;
import dev.baton.core.store.Decision;
import dev.baton.core.store.Event;
import dev.baton.core.store.EventDraft;
import dev.baton.core.store.GroupSettings;
import dev.baton.core.store.NodeInfo;
import dev.baton.core.store.NodeRecord;
import dev.baton.core.store.NodeSettings;
import dev.baton.core.store.Observed;
import dev.baton.core.store.Ownership;
import dev.baton.core.store.ProviderStatus;
import dev.baton.core.store.ServiceSettings;
import dev.baton.core.store.SessionId;
import dev.baton.core.store.SessionLostException;
import dev.baton.core.store.SessionState;
import dev.baton.core.store.Snapshot;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;

/**
 * One group's state as the live member holds it (and the backup keeps a copy of): the same
 * semantics every store has, in memory. Not thread-safe: the member holds its lock around every
 * call. Sessions are judged by the holder's monotonic clock from when it last heard them renewed
 * ({@link #expireLapsed}), so the pair judges leases by its own clock.
 *
 * <p>Epochs and event numbers granted in the pair's term {@code t} start above a floor that grows
 * with the term ({@link #raiseFloors}): a backup that goes live with a copy that missed the last
 * writes of the old live never hands out an epoch or event number the old live may have handed out.
 */
final class GroupState {
  static final int EVENTS_KEPT = 1_000;
  static final long EPOCHS_PER_TERM = 1_000_000L;
  static final long EVENTS_PER_TERM = 1_000_000_000_000L;

  /** One node's record. */
  static final class Node {
    NodeInfo info;
    SessionId session;
    long renewals;
    SessionState state;
    Map<ServiceName, ProviderStatus> providers = new TreeMap<>();
    long heartbeatMillis;
    long leaseMillis;
  }

  /** One service's ownership: the owner's session is null once released. */
  record Owner(long epoch, NodeName node, SessionId session) {}

  String identity;
  long sessionsOpened;
  long lastEventSeq;
  long epochFloor;
  long eventFloor;
  Map<NodeName, Node> nodes = new TreeMap<>();
  Map<ServiceName, Owner> services = new TreeMap<>();
  Map<ServiceName, ServiceSettings> serviceSettings = new TreeMap<>();
  Map<NodeName, NodeSettings> nodeSettings = new TreeMap<>();
  Map<NodeName, Map<ServiceName, Decision>> decisions = new TreeMap<>();
  List<Event> events = new ArrayList<>();

  /** When the holder last heard each live session renewed (its monotonic nanos); not replicated. */
  private final transient Map<SessionId, Long> heardNanos = new HashMap<>();

  /** Raises the floors of epochs and event numbers to those of {@code term}. */
  void raiseFloors(long term) {
    epochFloor = Math.max(epochFloor, (term - 1) * EPOCHS_PER_TERM);
    eventFloor = Math.max(eventFloor, (term - 1) * EVENTS_PER_TERM);
  }

  /** Ends every live session but {@code keep}'s: the backup going live, its old live gone. */
  void expireAllBut(Set<SessionId> keep, long nowNanos) {
    for (Node n : nodes.values()) {
      if (n.state == SessionState.LIVE && !keep.contains(n.session)) {
        n.state = SessionState.EXPIRED;
      }
    }
    nodes.values().forEach(n -> heardNanos.put(n.session, nowNanos));
  }

  /** Gives every live session a full lease from now: this holder has not heard them before. */
  void heardAllAt(long nowNanos) {
    nodes.values().forEach(n -> heardNanos.put(n.session, nowNanos));
  }

  /** Expires the live sessions whose lease passed since this holder last heard them renewed. */
  boolean expireLapsed(long nowNanos) {
    boolean changed = false;
    for (Node n : nodes.values()) {
      if (n.state != SessionState.LIVE) {
        continue;
      }
      Long heard = heardNanos.putIfAbsent(n.session, nowNanos);
      if (heard != null && nowNanos - heard > Duration.ofMillis(n.leaseMillis).toNanos()) {
        n.state = SessionState.EXPIRED;
        changed = true;
      }
    }
    return changed;
  }

  // ---------------------------------------------------------------- sessions

  SessionId openSession(NodeInfo info, Map<ServiceName, ProviderStatus> providers, Observed replacing,
      long heartbeatMillis, long leaseMillis, long nowNanos) {
    Node current = nodes.get(info.name());
    if (current != null && current.state == SessionState.LIVE) {
      boolean named = replacing != null && replacing.session().equals(current.session)
          && replacing.renewals() == current.renewals;
      if (!named) {
        throw new ConflictException("[node=" + info.name() + "] session " + current.session
            + " of this node name is open with " + current.renewals + " renewals"
            + (replacing == null ? "" : " (not the named " + replacing.session() + " at " + replacing.renewals()
            + " renewals)") + "; another agent runs with this name, or its session must be seen unrenewed"
            + " for a full lease and named in 'replacing'");
      }
    }
    Node n = new Node();
    n.info = info;
    sessionsOpened++;
    n.session = new SessionId(sessionsOpened + "-" + UUID.randomUUID().toString().substring(0, 8));
    n.state = SessionState.LIVE;
    n.providers = new TreeMap<>(providers);
    n.heartbeatMillis = heartbeatMillis;
    n.leaseMillis = leaseMillis;
    nodes.put(info.name(), n);
    heardNanos.put(n.session, nowNanos);
    return n.session;
  }

  long renew(SessionId session, long nowNanos) {
    Node n = live(session);
    n.renewals++;
    heardNanos.put(session, nowNanos);
    return n.renewals;
  }

  void closeSession(SessionId session) {
    Node n = liveOrNull(session);
    if (n == null) {
      return;
    }
    n.state = SessionState.CLOSED;
    services.replaceAll((s, o) -> session.equals(o.session()) ? new Owner(o.epoch(), o.node(), null) : o);
  }

  void publishProviders(SessionId session, Map<ServiceName, ProviderStatus> providers) {
    live(session).providers = new TreeMap<>(providers);
  }

  private Node liveOrNull(SessionId session) {
    for (Node n : nodes.values()) {
      if (n.session.equals(session)) {
        return n.state == SessionState.LIVE ? n : null;
      }
    }
    return null;
  }

  private Node live(SessionId session) {
    for (Node n : nodes.values()) {
      if (n.session.equals(session)) {
        if (n.state == SessionState.LIVE) {
          return n;
        }
        throw new SessionLostException("[session=" + session + "] session lost: " + (n.state == SessionState.CLOSED
            ? "it was closed" : "it expired (unrenewed for its lease, claimed over, or its pair member failed over)")
            + "; open a new session");
      }
    }
    throw new SessionLostException("[session=" + session + "] session lost: it was replaced by a newer session"
        + " of its node, or never existed; open a new session");
  }

  // ---------------------------------------------------------------- claims

  ClaimResult claim(ClaimRequest request) {
    ServiceName service = request.service();
    Owner row = services.get(service);
    long epoch = row == null ? 0 : row.epoch();
    Ownership current = row == null ? Ownership.unclaimed(service)
        : new Ownership(service, row.epoch(), row.node(), row.session());
    if (epoch != request.expectedEpoch()) {
      return ClaimResult.rejected(current, "epoch is " + epoch + ", not the expected " + request.expectedEpoch());
    }
    Node claimant = liveOrNull(request.claimant());
    if (claimant == null) {
      return ClaimResult.rejected(current, "claimant session " + request.claimant()
          + " is not open (closed, replaced, ended by a claim, or unknown)");
    }
    if (row != null && row.session() != null) {
      Node owner = liveOrNull(row.session());
      if (owner != null) {
        Observed dead = request.deadOwner();
        if (owner.session.equals(request.claimant())) {
          return ClaimResult.rejected(current, "already owned by the claimant's session");
        }
        if (dead == null) {
          return ClaimResult.rejected(current, "owned by " + owner.info.name() + " whose session " + owner.session
              + " is open; name it with its renewal counter once it has been unrenewed for a lease");
        }
        if (!dead.session().equals(owner.session)) {
          return ClaimResult.rejected(current, "the named dead owner session " + dead.session()
              + " is not the owner's session " + owner.session + " of " + owner.info.name());
        }
        if (dead.renewals() != owner.renewals) {
          return ClaimResult.rejected(current, "owner " + owner.info.name() + " renewed its session since: "
              + owner.renewals + " renewals, not the named " + dead.renewals());
        }
        return ClaimResult.rejected(current, "owner " + owner.info.name() + "'s session " + owner.session
            + " is still within its lease by the pair's clock");
      }
    }
    long granted = Math.max(epoch + 1, epochFloor + 1);
    services.put(service, new Owner(granted, claimant.info.name(), claimant.session));
    return ClaimResult.granted(new Ownership(service, granted, claimant.info.name(), claimant.session));
  }

  boolean release(ServiceName service, SessionId session, long epoch) {
    Owner row = services.get(service);
    if (row == null || !session.equals(row.session()) || row.epoch() != epoch) {
      return false;
    }
    services.put(service, new Owner(row.epoch(), row.node(), null));
    return true;
  }

  // ---------------------------------------------------------------- settings, decisions, events

  void putServiceSettings(ServiceName service, ServiceSettings settings) {
    serviceSettings.put(service, settings);
  }

  void putNodeSettings(NodeName node, NodeSettings settings) {
    nodeSettings.put(node, settings);
  }

  void putDecision(NodeName node, ServiceName service, Decision decision) {
    if (decision.isNone()) {
      clearDecision(node, service);
    } else {
      decisions.computeIfAbsent(node, k -> new TreeMap<>()).put(service, decision);
    }
  }

  boolean clearDecision(NodeName node, ServiceName service) {
    Map<ServiceName, Decision> byService = decisions.get(node);
    if (byService == null || byService.remove(service) == null) {
      return false;
    }
    if (byService.isEmpty()) {
      decisions.remove(node);
    }
    return true;
  }

  long appendEvent(EventDraft draft) {
    lastEventSeq = Math.max(lastEventSeq + 1, eventFloor + 1);
    events.add(Event.numbered(lastEventSeq, draft));
    if (events.size() > EVENTS_KEPT) {
      events.subList(0, events.size() - EVENTS_KEPT).clear();
    }
    return lastEventSeq;
  }

  List<Event> events(long afterSeq, int limit) {
    if (limit < 0) {
      throw new InvalidInputException("event limit " + limit + " is negative; expected 0 or more");
    }
    List<Event> found = new ArrayList<>();
    for (Event e : events) {
      if (found.size() >= limit) {
        break;
      }
      if (e.seq() > afterSeq) {
        found.add(e);
      }
    }
    return found;
  }

  /** Events above {@code afterSeq}, as a copy for the backup. */
  List<Event> eventsAfter(long afterSeq) {
    return events(afterSeq, EVENTS_KEPT);
  }

  /** Adds events received from the live member that this copy does not hold yet. */
  void addEvents(List<Event> received) {
    long last = events.isEmpty() ? 0 : events.get(events.size() - 1).seq();
    for (Event e : received) {
      if (e.seq() > last) {
        events.add(e);
        last = e.seq();
      }
    }
    if (events.size() > EVENTS_KEPT) {
      events.subList(0, events.size() - EVENTS_KEPT).clear();
    }
  }

  // ---------------------------------------------------------------- reading

  Snapshot snapshot() {
    List<NodeRecord> records = new ArrayList<>();
    for (Node n : nodes.values()) {
      records.add(new NodeRecord(n.info, n.session, n.renewals, n.state, n.providers,
          n.heartbeatMillis > 0 ? Duration.ofMillis(n.heartbeatMillis) : null,
          n.leaseMillis > 0 ? Duration.ofMillis(n.leaseMillis) : null));
    }
    Map<ServiceName, Ownership> ownerships = new HashMap<>();
    services.forEach((s, o) -> ownerships.put(s, new Ownership(s, o.epoch(), o.node(), o.session())));
    return new Snapshot(records, ownerships, new GroupSettings(serviceSettings, nodeSettings), decisions);
  }

  /** The renewal counters of the live sessions: what a heartbeat carries when nothing else changed. */
  Map<NodeName, Long> renewals() {
    Map<NodeName, Long> counters = new TreeMap<>();
    nodes.forEach((name, n) -> counters.put(name, n.renewals));
    return counters;
  }

  /** Takes the renewal counters of the live member's copy (sessions unchanged since its last full state). */
  void applyRenewals(Map<NodeName, Long> counters) {
    counters.forEach((name, count) -> {
      Node n = nodes.get(name);
      if (n != null) {
        n.renewals = count;
      }
    });
  }

  /** A copy of this state with only the events above {@code afterSeq}: what the backup is sent. */
  GroupState copyWithEventsAfter(long afterSeq) {
    GroupState copy = Wire.JSON.convertValue(this, GroupState.class);
    copy.events = new ArrayList<>(eventsAfter(afterSeq));
    return copy;
  }

  /** Replaces this copy's state by {@code received}, keeping the events it holds and adding the new ones. */
  void replaceBy(GroupState received) {
    identity = received.identity;
    sessionsOpened = received.sessionsOpened;
    lastEventSeq = received.lastEventSeq;
    epochFloor = received.epochFloor;
    eventFloor = received.eventFloor;
    nodes = received.nodes;
    services = received.services;
    serviceSettings = received.serviceSettings;
    nodeSettings = received.nodeSettings;
    decisions = received.decisions;
    addEvents(received.events);
  }

  long lastEventHeld() {
    return events.isEmpty() ? 0 : events.get(events.size() - 1).seq();
  }
}
