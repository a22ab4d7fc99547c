package dev.baton.agent.config;

import java.util.Locale;

/**
 * How a node holds each service's processes together, so that every process a service started
 * ends with it (docs/guardian.md, "Containment"). Chosen by the top-level {@code containment} key.
 */
public enum Containment {
  /** A PID namespace per service where this machine allows it, else a process group. The default. */
  AUTO,
  /** A PID namespace per service; the agent refuses to start where it cannot make one. */
  PID_NAMESPACE,
  /** A process group per service: a process that leaves the group (setsid) is not contained. */
  PROCESS_GROUP;

  /** As written in the config: {@code auto}, {@code pid-namespace}, {@code process-group}. */
  public String key() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }
}
