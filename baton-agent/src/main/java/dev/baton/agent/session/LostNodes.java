package dev.baton.agent.session;

import dev.baton.agent.events.EventLog;
import dev.baton.api.EventTypes;
import dev.baton.core.NodeName;
import dev.baton.core.store.NodeRecord;
import dev.baton.core.store.SessionId;
import dev.baton.core.store.SessionState;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Records {@code node.lost} once per lost session for the group. Every node judges its peers, but
 * only one should write the event: the alive node with the lowest name (in its own view, the lost
 * node excluded) records it when it first judges the session lost. A session counts only if this
 * node saw it live first (its renewal counter moved while watched, or the store, judging leases
 * by its own clock, called it live), so a node that starts next to long-dead records of the past
 * does not record them again. Under a partition each side may record the same loss once.
 *
 * <p>Not thread-safe: owned by the reconciler thread.
 */
public final class LostNodes {
  private final NodeName self;
  private final boolean storeJudgesLeases;
  private final EventLog events;
  private final Map<SessionId, Long> firstSeen = new HashMap<>();
  private final Set<SessionId> seenLive = new HashSet<>();
  private final Set<SessionId> recorded = new HashSet<>();

  public LostNodes(NodeName self, boolean storeJudgesLeases, EventLog events) {
    this.self = self;
    this.storeJudgesLeases = storeJudgesLeases;
    this.events = events;
  }

  /**
   * Takes one reconcile's verdicts.
   *
   * @param nodes the snapshot's node records
   * @param lost the sessions judged lost in this run
   * @param alive the names of the nodes judged alive in this run (this node included)
   */
  public void judged(List<NodeRecord> nodes, Set<SessionId> lost, Set<NodeName> alive) {
    Set<SessionId> present = new HashSet<>();
    for (NodeRecord n : nodes) {
      SessionId s = n.session();
      present.add(s);
      Long first = firstSeen.putIfAbsent(s, n.renewals());
      if ((first != null && first != n.renewals()) || (storeJudgesLeases && n.state() == SessionState.LIVE)) {
        seenLive.add(s);
      }
      if (lost.contains(s) && seenLive.contains(s) && recorded.add(s) && lowestAlive(alive, n.info().name())) {
        events.append(EventTypes.NODE_LOST, null, null, detail(n.info().name(), s, n.info().api()));
      }
    }
    firstSeen.keySet().retainAll(present);
    seenLive.retainAll(present);
    recorded.retainAll(present);
  }

  /**
   * The detail of a {@code node.lost}. It begins with the lost node's name and a space: the node's
   * {@code on: node.lost} command reads it from there ({@code NodeActions}).
   */
  static String detail(NodeName lost, SessionId session, String api) {
    return lost + " (session " + session + ", api " + api + "): no renewal for a lease";
  }

  private boolean lowestAlive(Set<NodeName> alive, NodeName lostNode) {
    return alive.stream().filter(n -> !n.equals(lostNode)).map(NodeName::value).sorted().findFirst()
        .map(self.value()::equals).orElse(false);
  }
}
