package dev.baton.agent.events;

import dev.baton.core.store.Event;

/**
 * Receives the events this node records, for applications that embed an agent. Register it with
 * {@code Agent.addListener} before {@code Agent.start()}.
 *
 * <p>Called once per event this node appends (its own session, claims, starts, stops, reports,
 * actions, ...), in the order it appended them, after the store numbered the event; an event the
 * store could not record is still delivered, with {@link Event#seq()} 0. Events recorded by
 * <em>other</em> nodes do not come here: read them from the store's log through
 * {@code GET /v1/events} or the {@code /v1/events/stream} Server-Sent Events.
 *
 * <p>Called on a Baton thread that also records the next events: it must return quickly and must
 * not block (hand slow work to an executor of your own). An exception it throws is logged and
 * does not stop later calls. Failover never waits for a listener: events are recorded and
 * delivered after the fact, so a service may already have moved on when the call arrives.
 */
@FunctionalInterface
public interface EventListener {
  void onEvent(Event event);
}
