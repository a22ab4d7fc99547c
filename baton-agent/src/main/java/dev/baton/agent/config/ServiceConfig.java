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
 */
public record ServiceConfig(ServiceName name, List<String> command, Map<String, String> env,
    Path workdir, Duration stopTimeout, List<CheckConfig> checks, RecoveryConfig recovery) {
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
  }

  /** A service without checks and with the default recovery. */
  public ServiceConfig(ServiceName name, List<String> command, Map<String, String> env, Path workdir,
      Duration stopTimeout) {
    this(name, command, env, workdir, stopTimeout, List.of(), RecoveryConfig.DEFAULT);
  }
}
