package dev.baton.agent;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.api.EventEntry;
import dev.baton.core.InvalidInputException;
import dev.baton.core.ServiceName;
import dev.baton.core.Threads;
import dev.baton.core.store.Event;
import dev.baton.core.store.Store;
import io.javalin.http.Context;
import io.javalin.http.sse.SseClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the group's event log for {@code GET /v1/events} and pushes it to
 * {@code /v1/events/stream} subscribers. The stream polls the store every {@link #POLL} on a
 * thread of its own (one read per subscriber), so a subscriber sees events appended by any node
 * of the group, within about that delay, in sequence order, each once. A subscriber that stops
 * reading is dropped when a write to it fails.
 */
final class EventFeed implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EventFeed.class);
  static final Duration POLL = Duration.ofMillis(200);
  static final Duration KEEP_ALIVE = Duration.ofSeconds(15);
  static final int DEFAULT_LIMIT = 100;
  static final int MAX_LIMIT = 1000;
  private static final int BATCH = 500;
  private static final Set<String> LIST_PARAMS = Set.of("since", "service", "limit");
  private static final Set<String> STREAM_PARAMS = Set.of("since", "service");

  /** What a request asks for. */
  record Query(long since, ServiceName service, int limit) {}

  private final class Subscriber {
    final SseClient client;
    final ServiceName service;
    volatile long cursor;
    long lastWriteNanos = System.nanoTime();

    Subscriber(SseClient client, long since, ServiceName service) {
      this.client = client;
      this.cursor = since;
      this.service = service;
    }
  }

  private final Store store;
  private final String node;
  private final ObjectMapper json;
  private final List<Subscriber> subscribers = new CopyOnWriteArrayList<>();
  private final ScheduledExecutorService poller;

  EventFeed(Store store, String node, ObjectMapper json) {
    this.store = store;
    this.node = node;
    this.json = json;
    this.poller = Executors.newSingleThreadScheduledExecutor(Threads.named("baton-event-stream-" + node));
    poller.scheduleWithFixedDelay(this::push, POLL.toMillis(), POLL.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** The query parameters of {@code GET /v1/events}; a bad one is an {@link InvalidInputException}. */
  static Query listQuery(Context ctx) {
    return query(ctx, LIST_PARAMS);
  }

  /** The query parameters of {@code GET /v1/events/stream}. */
  static Query streamQuery(Context ctx) {
    return query(ctx, STREAM_PARAMS);
  }

  private static Query query(Context ctx, Set<String> allowed) {
    Map<String, List<String>> params = ctx.queryParamMap();
    for (Map.Entry<String, List<String>> p : params.entrySet()) {
      if (!allowed.contains(p.getKey())) {
        throw new InvalidInputException("unknown parameter \"" + p.getKey() + "\" on " + ctx.path() + "; expected "
            + String.join(", ", allowed.stream().sorted().toList()));
      }
      if (p.getValue().size() > 1) {
        throw new InvalidInputException("parameter \"" + p.getKey() + "\" is given " + p.getValue().size()
            + " times; expected it once");
      }
    }
    long since = number(ctx.queryParam("since"), "since", 0, Long.MAX_VALUE, "an event sequence number, 0 or more",
        0);
    String s = ctx.queryParam("service");
    ServiceName service = s == null ? null : ServiceName.of(s);
    int limit = (int) number(ctx.queryParam("limit"), "limit", 1, MAX_LIMIT, "a number from 1 to " + MAX_LIMIT,
        DEFAULT_LIMIT);
    return new Query(since, service, limit);
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
    throw new InvalidInputException("invalid " + name + " \"" + text + "\"; expected " + expected);
  }

  /** Up to {@code q.limit()} events after {@code q.since()}, of {@code q.service()} when given, oldest first. */
  List<EventEntry> read(Query q) {
    List<EventEntry> found = new ArrayList<>();
    long after = q.since();
    while (found.size() < q.limit()) {
      int want = q.service() == null ? q.limit() - found.size() : BATCH;
      List<Event> page = store.events(after, want);
      for (Event e : page) {
        after = e.seq();
        if (q.service() == null || q.service().equals(e.service())) {
          found.add(Events.entry(e));
          if (found.size() == q.limit()) {
            break;
          }
        }
      }
      if (page.size() < want) {
        break;
      }
    }
    return found;
  }

  /** Starts streaming to {@code client}: everything after {@code q.since()}, then each new event. */
  void subscribe(SseClient client, Query q) {
    client.keepAlive();
    Subscriber s = new Subscriber(client, q.since(), q.service());
    client.onClose(() -> subscribers.remove(s));
    subscribers.add(s);
    client.sendComment("baton events of node " + node + " after " + q.since());
    poller.execute(this::push);
  }

  private void push() {
    for (Subscriber s : subscribers) {
      try {
        pushTo(s);
      } catch (RuntimeException e) {
        LOG.debug("[node={}] event stream: {}", node, e.toString());
      }
    }
  }

  private void pushTo(Subscriber s) {
    if (s.client.terminated()) {
      subscribers.remove(s);
      return;
    }
    List<Event> page;
    do {
      page = store.events(s.cursor, BATCH);
      for (Event e : page) {
        s.cursor = e.seq();
        if (s.service == null || s.service.equals(e.service())) {
          send(s, e);
        }
      }
    } while (page.size() == BATCH && !s.client.terminated());
    if (System.nanoTime() - s.lastWriteNanos > KEEP_ALIVE.toNanos()) {
      s.client.sendComment("keep-alive");
      s.lastWriteNanos = System.nanoTime();
    }
  }

  private void send(Subscriber s, Event e) {
    try {
      s.client.sendEvent("message", json.writeValueAsString(Events.entry(e)), Long.toString(e.seq()));
      s.lastWriteNanos = System.nanoTime();
    } catch (JsonProcessingException ex) {
      LOG.error("[node={}] event #{} cannot be written as JSON: {}", node, e.seq(), ex.toString());
    }
  }

  /** Ends every stream. */
  @Override
  public void close() {
    poller.shutdownNow();
    for (Subscriber s : subscribers) {
      try {
        s.client.close();
      } catch (RuntimeException e) {
        LOG.debug("[node={}] closing an event stream: {}", node, e.toString());
      }
    }
    subscribers.clear();
  }
}
