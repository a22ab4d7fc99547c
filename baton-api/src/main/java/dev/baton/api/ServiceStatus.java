package dev.baton.api;

import java.util.List;

/**
 * A service on the whiteboard: its valid owner (null when none), its current epoch and every
 * provider's state. {@code GET /v1/services/{name}} returns one of these.
 */
public record ServiceStatus(String name, String owner, long epoch, List<ProviderEntry> providers) {}
