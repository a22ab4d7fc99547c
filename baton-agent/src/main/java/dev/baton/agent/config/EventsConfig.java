package dev.baton.agent.config;

import java.util.List;

/**
 * The {@code events:} section. Immutable.
 *
 * @param webhooks where every event (or those of chosen types) is POSTed
 */
public record EventsConfig(List<WebhookConfig> webhooks) {
  public static final EventsConfig NONE = new EventsConfig(List.of());

  public EventsConfig {
    webhooks = List.copyOf(webhooks);
  }
}
