package dev.baton.api;

import java.util.List;

/**
 * The answer to {@code POST /v1/reload}: what the node changed after reading its config file
 * again. Each list holds service names, sorted.
 *
 * @param node the node that reloaded
 * @param file the config file it read
 * @param added services it now provides (published at once, claimed and started as placement decides)
 * @param removed services it no longer provides (a running one is stopped gracefully, then released)
 * @param restarted services whose process changed (command, env or workdir): a running one is
 *     restarted in place, at its epoch, with the new settings
 * @param changed services with other changed settings (checks, recovery, stop-timeout, actions),
 *     which took effect without touching the process
 * @param unchanged services left exactly as they were
 * @param settings the node-wide settings that changed ({@code rules}, {@code events.webhooks},
 *     {@code service-logs})
 * @param detail all of it in one line, as the {@code node.reloaded} event records it
 */
public record ReloadResponse(String node, String file, List<String> added, List<String> removed,
    List<String> restarted, List<String> changed, List<String> unchanged, List<String> settings, String detail) {}
