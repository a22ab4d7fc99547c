package dev.baton.agent.config;

import dev.baton.core.ServiceName;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * A detector rule: a reported condition (optionally about one service) and what to do then.
 * Immutable.
 *
 * @param condition the reported condition it matches
 * @param service the service the report must name, or null for any report of the condition
 * @param then the action
 * @param run the command of {@link Action#RUN}; empty for the other actions
 */
public record RuleConfig(String condition, ServiceName service, Action then, List<String> run) {

  /** What a rule does. */
  public enum Action {
    /** Restart this node's provider of the service in place. */
    RESTART,
    /** Stop this node's provider and let the next candidate take the service. */
    FAILOVER,
    /** Disable the service group-wide (nobody owns it until it is enabled again). */
    DISABLE,
    /** Drain this node: it gives up every service. */
    DRAIN_NODE,
    /** Run a command. */
    RUN;

    /** The name in the config: {@code restart}, {@code drain-node}, ... */
    public String wireName() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    static Action parse(String text) {
      for (Action a : values()) {
        if (a.wireName().equals(text)) {
          return a;
        }
      }
      return null;
    }

    /** Whether the action needs a service (from the rule or the report). */
    public boolean needsService() {
      return this == RESTART || this == FAILOVER || this == DISABLE;
    }
  }

  public RuleConfig {
    Objects.requireNonNull(condition, "condition");
    Objects.requireNonNull(then, "then");
    run = List.copyOf(run);
    if ((then == Action.RUN) == run.isEmpty()) {
      throw new IllegalArgumentException("rule for " + condition + ": a command goes with then: run, and only with it");
    }
  }

  /** Whether a report of {@code reported} about {@code about} (may be null) matches. */
  public boolean matches(String reported, ServiceName about) {
    return condition.equals(reported) && (service == null || service.equals(about));
  }
}
