package dev.baton.agent.config;

import dev.baton.core.InvalidInputException;
import dev.baton.core.ServiceName;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * How this node provides one service. Immutable.
 *
 * @param name the service
 * @param command the program and its arguments, not run through a shell; never empty
 * @param env variables added to the agent's environment for the command, sorted by name; Baton's
 *     own {@code BATON_*} variables are set on top and cannot be configured here
 * @param workdir the directory the command starts in (absolute), or null for the agent's own
 * @param stopTimeout how long a graceful stop waits after SIGTERM before SIGKILL
 * @param checks the provider's health checks, in config order
 * @param recovery what happens when the provider fails
 * @param on commands run on this node when it records an event about this service, keyed by the
 *     event type without {@code service.} ({@code failed}, {@code started}, ...); may be empty
 * @param rank this node's default rank for the service (1 the most preferred), published with its
 *     provider; it orders the owners until an operator sets a ranking. Null when none
 * @param endpoint the address clients use to reach the service on this node ({@code host:port},
 *     port 1 to 65535), published with its provider for {@code baton resolve}. Null when none
 */
public record ServiceConfig(ServiceName name, List<String> command, Map<String, String> env,
    Path workdir, Duration stopTimeout, List<CheckConfig> checks, RecoveryConfig recovery,
    Map<String, List<String>> on, Integer rank, String endpoint) {
  static final Duration DEFAULT_STOP_TIMEOUT = Duration.ofSeconds(10);

  public ServiceConfig {
    Objects.requireNonNull(name, "name");
    command = List.copyOf(command);
    env = Collections.unmodifiableMap(new TreeMap<>(env));
    Objects.requireNonNull(stopTimeout, "stopTimeout");
    if (command.isEmpty()) {
      throw new InvalidInputException("service " + name + ": command is empty; expected a program and its arguments");
    }
    if (stopTimeout.isNegative() || stopTimeout.isZero()) {
      throw new InvalidInputException("service " + name + ": stop timeout " + stopTimeout + " must be more than 0");
    }
    env.forEach((key, value) -> Objects.requireNonNull(value, "env " + key));
    checks = List.copyOf(checks);
    Objects.requireNonNull(recovery, "recovery");
    Map<String, List<String>> actions = new TreeMap<>();
    on.forEach((key, cmd) -> {
      if (cmd.isEmpty()) {
        throw new InvalidInputException("service " + name + ": on." + key + " is empty; expected a command");
      }
      actions.put(key, List.copyOf(cmd));
    });
    on = Collections.unmodifiableMap(actions);
    if (rank != null && rank < 1) {
      throw new InvalidInputException("service " + name + ": rank " + rank + " must be 1 (the most preferred) or more");
    }
  }

  /** These settings for the service (or instance) {@code newName}. */
  public ServiceConfig named(ServiceName newName) {
    return new ServiceConfig(newName, command, env, workdir, stopTimeout, checks, recovery, on, rank, endpoint);
  }

  /** A service without an endpoint. */
  public ServiceConfig(ServiceName name, List<String> command, Map<String, String> env, Path workdir,
      Duration stopTimeout, List<CheckConfig> checks, RecoveryConfig recovery, Map<String, List<String>> on,
      Integer rank) {
    this(name, command, env, workdir, stopTimeout, checks, recovery, on, rank, null);
  }

  /** A service without a default rank. */
  public ServiceConfig(ServiceName name, List<String> command, Map<String, String> env, Path workdir,
      Duration stopTimeout, List<CheckConfig> checks, RecoveryConfig recovery, Map<String, List<String>> on) {
    this(name, command, env, workdir, stopTimeout, checks, recovery, on, null);
  }

  /** A service without checks, with the default recovery and without per-service actions. */
  public ServiceConfig(ServiceName name, List<String> command, Map<String, String> env, Path workdir,
      Duration stopTimeout) {
    this(name, command, env, workdir, stopTimeout, List.of(), RecoveryConfig.DEFAULT, Map.of());
  }
}
