package dev.baton.agent.config;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * One health check of a provider. Immutable.
 *
 * @param name unique among the service's checks; shown as the reason when it fails
 * @param command for {@link Kind#EXEC}: healthy on exit 0
 * @param url for {@link Kind#HTTP}: healthy on a 2xx answer containing {@code bodyContains}, if set
 * @param host for {@link Kind#TCP}, with {@code port}: healthy when a connection opens
 * @param ttl for {@link Kind#TTL}: healthy while the service said it is alive within this long
 *     ({@code baton heartbeat SERVICE} or {@code PUT /v1/services/{name}/heartbeat})
 * @param interval time between two runs
 * @param timeout how long one run may take before it counts as a failure
 * @param failures consecutive failures that make the provider unhealthy
 * @param grace after the process starts, failures do not count for this long
 * @param standby also run while the provider waits; failing makes it unavailable for takeover
 */
public record CheckConfig(String name, Kind kind, List<String> command, URI url, String bodyContains,
    String host, int port, Duration ttl, Duration interval, Duration timeout, int failures, Duration grace,
    boolean standby) {

  public enum Kind {
    EXEC, HTTP, TCP, TTL;

    public String key() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(5);
  static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(2);
  static final int DEFAULT_FAILURES = 3;
  static final Duration DEFAULT_GRACE = Duration.ofSeconds(10);

  public CheckConfig {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(interval, "interval");
    Objects.requireNonNull(timeout, "timeout");
    Objects.requireNonNull(grace, "grace");
    command = command == null ? null : List.copyOf(command);
  }
}
