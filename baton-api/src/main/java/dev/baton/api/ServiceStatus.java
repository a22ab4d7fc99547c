package dev.baton.api;

import java.util.List;

/**
 * A service on the whiteboard: its valid owner (null when none), its current epoch and every
 * provider's state. {@code GET /v1/services/{name}} returns one of these.
 *
 * @param state {@code provided} (a valid owner runs it), {@code placing} (no valid owner yet, a
 *     candidate is chosen), {@code failed} (no eligible candidate: every provider is banned,
 *     unavailable or on a lost or drained node) or {@code disabled}
 * @param moving the target of a planned move under way ({@code baton move}), or null
 */
public record ServiceStatus(String name, String state, String owner, long epoch, List<ProviderEntry> providers,
    String moving) {}
