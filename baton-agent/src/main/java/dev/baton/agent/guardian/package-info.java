/**
 * The guardian (docs/guardian.md): {@link dev.baton.agent.guardian.GuardianMain}, the small
 * process beside an agent that forks its services and holds the fence deadline (java.base and
 * {@code GuardianFiles} only); the agent's side of it, {@link dev.baton.agent.guardian.GuardianLink};
 * and the {@link dev.baton.agent.guardian.Mirror} a restarted agent re-adopts its services from.
 * Uses {@code supervisor} (the link is its Spawner), {@code config} and baton-core.
 */
package dev.baton.agent.guardian;
