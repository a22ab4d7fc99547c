package dev.baton.agent.placement;

import dev.baton.core.NodeName;
import dev.baton.core.ServiceName;
import dev.baton.core.placement.ServiceQueue;
import dev.baton.core.store.Snapshot;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the reconciler last saw and decided, for the whiteboard. Immutable.
 *
 * @param nodeStates per node: alive, lost, left or drained (this node's judgement)
 * @param validOwners per service, the owner whose session is alive
 * @param targets per service, the owner the placement function chose
 * @param queues per service, the line of its providers as placement decided it (the reasons behind
 *     {@code targets})
 * @param silent per node whose session stopped being renewed but is not lost yet: how long, on this
 *     node's clock, until its lease passes and its services may be taken over
 * @param renewalsSeenNanos per node this node has seen renewing: the time, on this node's monotonic
 *     clock, at which it first saw the node's current renewal count ({@link #renewalAges})
 */
public record View(Snapshot snapshot, Map<NodeName, String> nodeStates, Map<ServiceName, NodeName> validOwners,
    Map<ServiceName, NodeName> targets, Map<ServiceName, ServiceQueue> queues, Map<NodeName, Duration> silent,
    Map<NodeName, Long> renewalsSeenNanos) {
  public View {
    queues = Map.copyOf(queues);
    silent = Map.copyOf(silent);
    renewalsSeenNanos = Map.copyOf(renewalsSeenNanos);
  }

  /** A view without the reasons of the placement. */
  public View(Snapshot snapshot, Map<NodeName, String> nodeStates, Map<ServiceName, NodeName> validOwners,
      Map<ServiceName, NodeName> targets) {
    this(snapshot, nodeStates, validOwners, targets, Map.of(), Map.of(), Map.of());
  }

  /**
   * How long ago each node this node has seen renewing last renewed, at {@code nowNanos} on this
   * node's monotonic clock (the clock of {@link #renewalsSeenNanos}); never negative.
   */
  public Map<NodeName, Duration> renewalAges(long nowNanos) {
    Map<NodeName, Duration> ages = new TreeMap<>();
    renewalsSeenNanos.forEach((n, seen) -> ages.put(n, Duration.ofNanos(Math.max(0, nowNanos - seen))));
    return ages;
  }
}
