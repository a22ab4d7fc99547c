package dev.baton.agent.config;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;

/**
 * One webhook: every event of {@code types} is POSTed to {@code url} as JSON. Immutable.
 *
 * @param url an absolute http or https URL
 * @param types the event types to send; empty means all
 * @param timeout the longest one attempt may take (connect and answer)
 * @param retries attempts after the first one fails (a non-2xx answer, a timeout, no connection)
 */
public record WebhookConfig(URI url, Set<String> types, Duration timeout, int retries) {
  static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(2);
  static final int DEFAULT_RETRIES = 3;
  static final int MAX_RETRIES = 10;

  public WebhookConfig {
    Objects.requireNonNull(url, "url");
    types = Set.copyOf(types);
    Objects.requireNonNull(timeout, "timeout");
  }

  /** Whether events of {@code type} go to this webhook. */
  public boolean wants(String type) {
    return types.isEmpty() || types.contains(type);
  }
}
