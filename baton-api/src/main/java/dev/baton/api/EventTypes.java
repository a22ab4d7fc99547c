package dev.baton.api;

import java.util.List;

/**
 * Every event type Baton records, the {@code type} field of {@link EventEntry}. A type is
 * {@code <subject>.<what happened>}; per-service actions are keyed by the part after
 * {@code service.} ({@link #SERVICE_SUFFIXES}).
 */
public final class EventTypes {
  public static final String NODE_JOINED = "node.joined";
  public static final String NODE_LEFT = "node.left";
  public static final String NODE_LOST = "node.lost";
  public static final String NODE_FENCED = "node.fenced";
  /** The node read its config file again and applied it ({@code baton reload}, SIGHUP); the detail says what changed. */
  public static final String NODE_RELOADED = "node.reloaded";
  /** The node refused to apply its config file again; nothing changed; the detail names the first problem. */
  public static final String NODE_RELOAD_REFUSED = "node.reload-refused";
  public static final String SERVICE_CLAIMED = "service.claimed";
  public static final String SERVICE_STARTED = "service.started";
  public static final String SERVICE_STOPPED = "service.stopped";
  public static final String SERVICE_RELEASED = "service.released";
  public static final String SERVICE_FAILED = "service.failed";
  public static final String SERVICE_RESTARTED = "service.restarted";
  public static final String SERVICE_BANNED = "service.banned";
  public static final String SERVICE_CLEARED = "service.cleared";
  /**
   * A better-ranked node has been a candidate for the service's failback delay (failback {@code rank}):
   * the owner hands the service over to it by a planned move; recorded by the owner.
   */
  public static final String SERVICE_FAILBACK = "service.failback";
  public static final String CHECK_PASSED = "check.passed";
  public static final String CHECK_FAILED = "check.failed";
  public static final String REPORT_RECEIVED = "report.received";
  public static final String ACTION_RUN = "action.run";
  public static final String GUARDIAN_RESTARTED_AGENT = "guardian.restarted-agent";
  public static final String GUARDIAN_KILLED_SERVICES = "guardian.killed-services";
  /** An operator asked for a planned move; its detail names the target and the epoch. */
  public static final String OPERATOR_MOVE = "operator.move";
  public static final String OPERATOR_DISABLE = "operator.disable";
  public static final String OPERATOR_ENABLE = "operator.enable";
  public static final String OPERATOR_RANK = "operator.rank";
  public static final String OPERATOR_DRAIN = "operator.drain";
  public static final String OPERATOR_UNDRAIN = "operator.undrain";
  /** An operator asked for a restart in place; recorded by the owner, before the stop and start it causes. */
  public static final String OPERATOR_RESTART = "operator.restart";
  /** An operator paused a service (or, with no service, every service of the group): Baton takes no decision about it. */
  public static final String OPERATOR_PAUSE = "operator.pause";
  /** An operator resumed a paused service (or, with no service, every paused one): Baton acts on it again. */
  public static final String OPERATOR_RESUME = "operator.resume";
  /** An operator set a service's failback policy; the detail says which, with its delay. */
  public static final String OPERATOR_FAILBACK = "operator.failback";

  /** Every type, in the order the docs list them. */
  public static final List<String> ALL = List.of(NODE_JOINED, NODE_LEFT, NODE_LOST, NODE_FENCED,
      NODE_RELOADED, NODE_RELOAD_REFUSED,
      SERVICE_CLAIMED, SERVICE_STARTED, SERVICE_STOPPED, SERVICE_RELEASED, SERVICE_FAILED, SERVICE_RESTARTED,
      SERVICE_BANNED, SERVICE_CLEARED, SERVICE_FAILBACK, CHECK_PASSED, CHECK_FAILED, REPORT_RECEIVED, ACTION_RUN,
      GUARDIAN_RESTARTED_AGENT, GUARDIAN_KILLED_SERVICES, OPERATOR_MOVE, OPERATOR_DISABLE, OPERATOR_ENABLE,
      OPERATOR_RANK, OPERATOR_DRAIN, OPERATOR_UNDRAIN, OPERATOR_RESTART, OPERATOR_PAUSE, OPERATOR_RESUME,
      OPERATOR_FAILBACK);

  /**
   * The keys of a node's own {@code on:} commands (the top level of its config): the events that
   * concern a node as a whole, and a failed service of any service it provides.
   */
  public static final List<String> NODE_ACTIONS = List.of(NODE_LOST, NODE_FENCED, SERVICE_FAILED);

  /** The prefix of the events about one service's provider. */
  public static final String SERVICE_PREFIX = "service.";

  /** The keys of a service's {@code on:} actions: the service types without their prefix. */
  public static final List<String> SERVICE_SUFFIXES = ALL.stream()
      .filter(t -> t.startsWith(SERVICE_PREFIX))
      .map(t -> t.substring(SERVICE_PREFIX.length()))
      .toList();

  private EventTypes() {}
}
