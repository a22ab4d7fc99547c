/**
 * The node: {@link dev.baton.agent.Agent}, its lifecycle and the public embedding API
 * ({@code Agent.Embedding}; the SPIs are {@code supervisor.ServiceRunner} and
 * {@code events.EventListener}). The composition root: wires the packages below it (config,
 * events, session, supervisor, guardian, watchdog, placement) and never uses {@code http}, which
 * sits on top and is handed in as an {@code Agent.ApiStarter}.
 */
package dev.baton.agent;
