/**
 * Metrics: the node's Micrometer registry, scraped in Prometheus' text format at {@code GET
 * /metrics} (docs/metrics.md names every metric). Fed by the agent's own seams: the store it talks
 * to ({@link dev.baton.agent.metrics.AgentMetrics#meter}), the events it records, the session
 * keeper's renewals and the reconciler's failovers. Uses only baton-core, the events package and
 * Micrometer; no HTTP server.
 */
package dev.baton.agent.metrics;
