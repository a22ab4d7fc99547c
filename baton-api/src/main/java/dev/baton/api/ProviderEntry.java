package dev.baton.api;

/**
 * One node's provider of a service.
 *
 * @param state {@code providing}, {@code starting}, {@code stopping}, {@code waiting} or {@code unavailable}
 */
public record ProviderEntry(String node, String state, String reason) {}
