package dev.baton.api;

/** {@code GET /v1/services/{name}/active}: 200 on the node that provides it, 503 elsewhere. */
public record ActiveResponse(String service, String node, boolean active, Long epoch) {}
