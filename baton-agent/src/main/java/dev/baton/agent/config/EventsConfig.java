package dev.baton.agent.config;

import java.util.List;

/**
 * The {@code events:} section. Immutable.
 *
 * @param retention how many events the group's log should keep, or null for the store's own
 *     retention. The store SPI has no way to set it: stores keep their own (SQLite the last 10,000
 *     events, PostgreSQL all of them); the agent logs a warning when this is set
 * @param webhooks where every event (or those of chosen types) is POSTed
 */
public record EventsConfig(Integer retention, List<WebhookConfig> webhooks) {
  public static final EventsConfig NONE = new EventsConfig(null, List.of());

  public EventsConfig {
    webhooks = List.copyOf(webhooks);
  }
}
