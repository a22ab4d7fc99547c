/**
 * Events: this node's event log (the fan-out to listeners), the feed that reads the group's log
 * for the API, and webhooks. Public SPI here: {@link dev.baton.agent.events.EventListener}, which
 * embedders register on the agent. At the bottom of the agent: uses only {@code config}, baton-core
 * and baton-api, and no HTTP server (what a stream is on the wire is the caller's {@code Sink}).
 */
package dev.baton.agent.events;
