package dev.baton.agent.placement;

import dev.baton.core.NodeName;
import dev.baton.core.ServiceName;
import dev.baton.core.store.Snapshot;
import java.util.Map;

/**
 * What the reconciler last saw and decided, for the whiteboard. Immutable.
 *
 * @param nodeStates per node: alive, lost, left or drained (this node's judgement)
 * @param validOwners per service, the owner whose session is alive
 * @param targets per service, the owner the placement function chose
 */
public record View(Snapshot snapshot, Map<NodeName, String> nodeStates, Map<ServiceName, NodeName> validOwners,
    Map<ServiceName, NodeName> targets) {}
