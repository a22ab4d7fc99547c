package dev.baton.api;

/**
 * {@code GET /v1/health/live} and {@code /v1/health/ready}.
 *
 * @param status {@code live}, {@code ready} or {@code not-ready}
 * @param node the answering node
 * @param reason why it is not ready (null when it is)
 * @param viewAgeMillis how old its view of the group is (null before the first store read, and for
 *     {@code live})
 */
public record HealthResponse(String status, String node, String reason, Long viewAgeMillis) {}
