package dev.baton.api;

/**
 * One numbered event of the group's history, as {@code GET /v1/events}, the SSE stream and
 * webhooks carry it.
 *
 * @param seq the store's sequence number, growing in append order; 0 for an event the store
 *     could not record (only webhooks, actions and listeners of the node that appended it see those)
 * @param time when it happened, ISO-8601 UTC, by the writing node's wall clock (orders nothing)
 * @param type one of {@link EventTypes#ALL}
 * @param node the node that recorded it
 * @param service the service it is about, or null
 * @param epoch the service's epoch it is about, or null
 * @param detail free text for people, or null
 */
public record EventEntry(long seq, String time, String type, String node, String service, Long epoch, String detail) {}
