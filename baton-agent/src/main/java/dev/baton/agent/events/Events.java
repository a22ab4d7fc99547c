package dev.baton.agent.events;

import dev.baton.api.EventEntry;
import dev.baton.core.store.Event;

/** The {@code /v1} shape of an event. */
final class Events {
  private Events() {}

  static EventEntry entry(Event e) {
    return new EventEntry(e.seq(), e.time().toString(), e.type(), e.node() == null ? null : e.node().value(),
        e.service() == null ? null : e.service().value(), e.epoch(), e.detail());
  }
}
