/**
 * Placement on this node: the {@link dev.baton.agent.placement.Reconciler}, which brings the node
 * in line with the placement function (claims, starts, stops, releases, restarts) and keeps the
 * {@link dev.baton.agent.placement.View} the whiteboard shows; and the operator verbs, which write
 * the settings placement reads. The top of the packages below the agent: uses {@code session},
 * {@code supervisor}, {@code watchdog}, {@code events}, {@code config} and baton-core.
 */
package dev.baton.agent.placement;
