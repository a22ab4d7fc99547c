package dev.baton.agent.watchdog;

import dev.baton.agent.events.EventListener;
import dev.baton.api.EventTypes;
import dev.baton.core.store.Event;
import java.util.List;
import java.util.Map;

/**
 * Runs the node's own {@code on:} commands (the top level of its config) for the events this node
 * records: like webhooks and per-service actions, a command runs on the node that records the
 * event, so once per occurrence in the group. {@code node.lost} is recorded by one surviving node
 * (the alive node with the lowest name), {@code node.fenced} by the fenced node itself,
 * {@code service.failed} by the node that declared its provider failed; give every node the same
 * {@code on:} to have the command run whichever node that is.
 *
 * <p>The command runs on the {@link ActionRunner} (one at a time, killed after its timeout, output in
 * {@code <state-dir>/logs/actions.log}, an {@code action.run} event afterwards), never on the thread
 * that records events. Besides the {@code BATON_*} basics it gets {@code BATON_EVENT_TYPE},
 * {@code BATON_EVENT_SEQ}, {@code BATON_EVENT_NODE} (the node the event is about: the lost node of a
 * {@code node.lost}, else the node that recorded it), {@code BATON_EVENT_SERVICE} (empty when none)
 * and {@code BATON_EVENT_DETAIL}.
 */
public final class NodeActions implements EventListener {
  private volatile Map<String, List<String>> on;
  private final ActionRunner runner;

  public NodeActions(Map<String, List<String>> on, ActionRunner runner) {
    this.on = on;
    this.runner = runner;
  }

  /** Takes a reloaded config's {@code on:} commands: the events recorded from now on run them. */
  public void reconfigure(Map<String, List<String>> next) {
    this.on = next;
  }

  @Override
  public void onEvent(Event event) {
    List<String> command = on.get(event.type());
    if (command == null) {
      return;
    }
    String about = event.type().equals(EventTypes.NODE_LOST) ? lostNode(event.detail()) : null;
    runner.run("on " + event.type(), command, event.service(), event.epoch(), Map.of(
        "BATON_EVENT_TYPE", event.type(),
        "BATON_EVENT_SEQ", Long.toString(event.seq()),
        "BATON_EVENT_NODE", about != null ? about : event.node() == null ? "" : event.node().value(),
        "BATON_EVENT_SERVICE", event.service() == null ? "" : event.service().value(),
        "BATON_EVENT_DETAIL", event.detail() == null ? "" : event.detail()));
  }

  /** The lost node a {@code node.lost} detail names: its first word (as the session's LostNodes writes it), or null. */
  static String lostNode(String detail) {
    if (detail == null) {
      return null;
    }
    int end = detail.indexOf(' ');
    String name = end < 0 ? detail : detail.substring(0, end);
    return dev.baton.core.Names.isValid(name) ? name : null;
  }
}
