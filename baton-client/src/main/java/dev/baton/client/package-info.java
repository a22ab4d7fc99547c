/**
 * Baton's Java client: {@link dev.baton.client.ServiceClient} finds where a service runs through
 * any of a few agents ({@code GET /v1/services/{name}/resolve}), prefers the active provider
 * nearest to the client's own location, and follows the service through failovers: it resolves
 * again when a call fails or when the group's event stream says the service moved, and it tries
 * the next agent when one does not answer. Depends on the JDK's HttpClient and Jackson only.
 */
package dev.baton.client;
