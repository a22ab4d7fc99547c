package dev.baton.core.store;

import dev.baton.core.NodeName;
import dev.baton.core.ServiceName;
import java.time.Instant;
import java.util.Objects;

/**
 * An event before the store numbers it. {@code time} is the writer's wall clock, for people to
 * read; it orders nothing (the sequence number does).
 */
public record EventDraft(Instant time, String type, NodeName node, ServiceName service, Long epoch, String detail) {
  public EventDraft {
    Objects.requireNonNull(time, "time");
    Objects.requireNonNull(type, "type");
  }
}
