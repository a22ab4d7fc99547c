package dev.baton.agent.events;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.api.EventEntry;
import dev.baton.core.ServiceName;
import dev.baton.core.Threads;
import dev.baton.core.store.Event;
import dev.baton.core.store.Store;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
 * reading is dropped when a write to it fails. What a subscriber is on the wire (a Server-Sent
 * Events client of the HTTP API) is the {@link Sink}'s business, not the feed's.
 */
public final class EventFeed implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EventFeed.class);
  static final Duration POLL = Duration.ofMillis(200);
  static final Duration KEEP_ALIVE = Duration.ofSeconds(15);
  private static final int BATCH = 500;

  /**
   * What a request asks for.
   *
   * @param service only events about this service, or null for all
   * @param types only events of these types; empty for all
   */
  public record Query(long since, ServiceName service, int limit, Set<String> types) {
    public Query {
      types = Set.copyOf(types);
    }

    /** Events of every type. */
    public Query(long since, ServiceName service, int limit) {
      this(since, service, limit, Set.of());
    }

    /** Whether {@code e} is one the request asks for. */
    boolean wants(Event e) {
      return (service == null || service.equals(e.service())) && (types.isEmpty() || types.contains(e.type()));
    }
  }

  /** Where a stream goes: one subscriber's connection, as the feed uses it. */
  public interface Sink {
    /** Keeps the connection open after the request that subscribed has been answered. */
    void keepAlive();

    /** Calls {@code action} once the connection has closed. */
    void onClose(Runnable action);

    /** Whether the connection has closed. */
    boolean terminated();

    /** Sends a comment (a greeting, a keep-alive). */
    void comment(String text);

    /** Sends one event: its JSON, and its sequence number as the id. */
    void event(String json, String id);

    /** Closes the connection. */
    void close();
  }

  private final class Subscriber {
    final Sink client;
    final Query query;
    volatile long cursor;
    long lastWriteNanos = System.nanoTime();

    Subscriber(Sink client, Query query) {
      this.client = client;
      this.cursor = query.since();
      this.query = query;
    }
  }

  private final Store store;
  private final String node;
  private final ObjectMapper json;
  private final List<Subscriber> subscribers = new CopyOnWriteArrayList<>();
  private final ScheduledExecutorService poller;

  public EventFeed(Store store, String node, ObjectMapper json) {
    this.store = store;
    this.node = node;
    this.json = json;
    this.poller = Executors.newSingleThreadScheduledExecutor(Threads.named("baton-event-stream-" + node));
    poller.scheduleWithFixedDelay(this::push, POLL.toMillis(), POLL.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * Up to {@code q.limit()} events after {@code q.since()}, of {@code q.service()} and {@code q.types()}
   * when given, oldest first.
   */
  public List<EventEntry> read(Query q) {
    List<EventEntry> found = new ArrayList<>();
    long after = q.since();
    while (found.size() < q.limit()) {
      int want = q.service() == null && q.types().isEmpty() ? q.limit() - found.size() : BATCH;
      List<Event> page = store.events(after, want);
      for (Event e : page) {
        after = e.seq();
        if (q.wants(e)) {
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
  public void subscribe(Sink client, Query q) {
    client.keepAlive();
    Subscriber s = new Subscriber(client, q);
    client.onClose(() -> subscribers.remove(s));
    subscribers.add(s);
    client.comment("baton events of node " + node + " after " + q.since());
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
        if (s.query.wants(e)) {
          send(s, e);
        }
      }
    } while (page.size() == BATCH && !s.client.terminated());
    if (System.nanoTime() - s.lastWriteNanos > KEEP_ALIVE.toNanos()) {
      s.client.comment("keep-alive");
      s.lastWriteNanos = System.nanoTime();
    }
  }

  private void send(Subscriber s, Event e) {
    try {
      s.client.event(json.writeValueAsString(Events.entry(e)), Long.toString(e.seq()));
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
