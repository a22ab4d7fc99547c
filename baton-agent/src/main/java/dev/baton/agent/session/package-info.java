/**
 * Sessions: keeping this node's session alive and fencing the node when it cannot
 * ({@link dev.baton.agent.session.SessionKeeper}), and judging peers' sessions by the
 * observed-time rule ({@link dev.baton.agent.session.Liveness}, {@code node.lost}). Uses
 * {@code config}, {@code events} and baton-core; knows nothing of services or placement.
 */
package dev.baton.agent.session;
