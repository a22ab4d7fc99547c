/**
 * Supervision: starting, stopping and killing this node's provider processes
 * ({@link dev.baton.agent.supervisor.Supervisor}), or running them inside the JVM through the
 * public SPI {@link dev.baton.agent.supervisor.ServiceRunner}, which embedders give the agent. Uses
 * {@code config} and baton-core only; who forks (the agent or its guardian) is a
 * {@link dev.baton.agent.supervisor.Supervisor.Spawner} given from above.
 */
package dev.baton.agent.supervisor;
