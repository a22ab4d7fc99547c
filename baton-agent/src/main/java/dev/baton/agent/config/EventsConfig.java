package dev.baton.agent.config;

import dev.baton.core.InvalidInputException;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What this node does with events: the {@code events:} section (webhooks) and the top-level
 * {@code on:} (local commands). Immutable.
 *
 * @param webhooks where every event (or those of chosen types) is POSTed
 * @param on commands this node runs when it records an event of the node's own, keyed by the
 *     event type ({@code node.lost}, {@code node.fenced}, {@code service.failed}); may be empty
 */
public record EventsConfig(List<WebhookConfig> webhooks, Map<String, List<String>> on) {
  public static final EventsConfig NONE = new EventsConfig(List.of());

  public EventsConfig {
    webhooks = List.copyOf(webhooks);
    Map<String, List<String>> actions = new TreeMap<>();
    on.forEach((type, command) -> {
      if (command.isEmpty()) {
        throw new InvalidInputException("on." + type + " is empty; expected a command");
      }
      actions.put(type, List.copyOf(command));
    });
    on = Collections.unmodifiableMap(actions);
  }

  /** Webhooks only, no local commands. */
  public EventsConfig(List<WebhookConfig> webhooks) {
    this(webhooks, Map.of());
  }
}
