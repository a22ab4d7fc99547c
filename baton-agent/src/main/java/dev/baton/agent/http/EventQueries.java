package dev.baton.agent.http;

import dev.baton.agent.events.EventFeed;
import dev.baton.api.EventTypes;
import dev.baton.core.InvalidInputException;
import dev.baton.core.ServiceName;
import dev.baton.core.Text;
import io.javalin.http.Context;
import java.util.Set;
import java.util.TreeSet;

/** The query parameters of the event routes, checked: what an {@link EventFeed.Query} is on the wire. */
final class EventQueries {
  static final int DEFAULT_LIMIT = 100;
  static final int MAX_LIMIT = 1000;
  static final Set<String> LIST_PARAMS = Set.of("since", "service", "type", "limit");
  static final Set<String> STREAM_PARAMS = Set.of("since", "service", "type");

  private EventQueries() {}

  /** The query parameters of {@code GET /v1/events}; a bad one is an {@link InvalidInputException}. */
  static EventFeed.Query list(Context ctx) {
    return query(ctx, LIST_PARAMS);
  }

  /** The query parameters of {@code GET /v1/events/stream}. */
  static EventFeed.Query stream(Context ctx) {
    return query(ctx, STREAM_PARAMS);
  }

  private static EventFeed.Query query(Context ctx, Set<String> allowed) {
    Params params = Params.check(ctx, allowed);
    long since = number(params.get("since"), "since", 0, Long.MAX_VALUE, "an event sequence number, 0 or more", 0);
    String s = params.get("service");
    ServiceName service = s == null ? null : ServiceName.of(s);
    int limit = (int) number(params.get("limit"), "limit", 1, MAX_LIMIT, "a number from 1 to " + MAX_LIMIT,
        DEFAULT_LIMIT);
    return new EventFeed.Query(since, service, limit, types(params.get("type")));
  }

  /**
   * {@code type=service.started,service.stopped}: event types, comma-separated (the parameter is
   * given once, as every parameter is); each one of {@link EventTypes#ALL}.
   */
  static Set<String> types(String text) {
    if (text == null) {
      return Set.of();
    }
    Set<String> types = new TreeSet<>();
    for (String t : text.split(",", -1)) {
      String type = t.strip();
      if (!EventTypes.ALL.contains(type)) {
        throw new InvalidInputException((type.isEmpty() ? "an empty event type in type=" + Text.quote(text)
            : "unknown event type " + Text.quote(type)) + "; expected one or more of " + String.join(", ", EventTypes.ALL)
            + ", separated by commas");
      }
      types.add(type);
    }
    return types;
  }

  private static long number(String text, String name, long min, long max, String expected, long absent) {
    if (text == null) {
      return absent;
    }
    try {
      long n = Long.parseLong(text);
      if (n >= min && n <= max) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new InvalidInputException("invalid " + name + " " + Text.quote(text) + "; expected " + expected);
  }
}
