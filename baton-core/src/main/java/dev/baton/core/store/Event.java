package dev.baton.core.store;

import dev.baton.core.NodeName;
import dev.baton.core.ServiceName;
import java.time.Instant;

/** A numbered event of the group's history; {@code seq} grows by store order of appends. */
public record Event(long seq, Instant time, String type, NodeName node, ServiceName service, Long epoch, String detail) {
  public static Event numbered(long seq, EventDraft d) {
    return new Event(seq, d.time(), d.type(), d.node(), d.service(), d.epoch(), d.detail());
  }
}
