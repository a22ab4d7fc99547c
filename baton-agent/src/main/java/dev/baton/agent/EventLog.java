package dev.baton.agent;

import dev.baton.core.NodeName;
import dev.baton.core.ServiceName;
import dev.baton.core.store.Event;
import dev.baton.core.store.EventDraft;
import dev.baton.core.store.Store;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fan-out point of this node's events. {@link #append} returns at once; one thread of its own
 * then writes each event to the store's event log (which numbers it) and hands it to every
 * subscriber in append order: embedders' {@link EventListener}s, webhooks and per-service actions
 * (which queue their own slow work). So recording history never delays a claim, a start or a
 * fence, and a slow webhook never delays the store write of the next event.
 *
 * <p>Best effort: an event the store cannot record (unreachable, timed out) is logged and still
 * delivered to the subscribers with sequence number 0; when more than {@value #QUEUE} events wait,
 * new ones are dropped, counted and logged. Thread-safe.
 */
final class EventLog implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EventLog.class);
  static final int QUEUE = 1000;

  private final Store store;
  private final NodeName node;
  private final List<EventListener> subscribers = new CopyOnWriteArrayList<>();
  private final ThreadPoolExecutor writer;
  private final AtomicLong dropped = new AtomicLong();

  EventLog(Store store, NodeName node) {
    this.store = store;
    this.node = node;
    this.writer = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(QUEUE),
        Threads.named("baton-events-" + node), (task, pool) -> {
          long n = dropped.incrementAndGet();
          if (n == 1 || n % 100 == 0) {
            LOG.warn("[node={}] event queue full ({} waiting): {} event(s) dropped so far", node, QUEUE, n);
          }
        });
  }

  /** Adds a subscriber for every event appended from now on. */
  void subscribe(EventListener listener) {
    subscribers.add(listener);
  }

  /** Records an event of this node; returns at once. {@code service}, {@code epoch}, {@code detail} may be null. */
  void append(String type, ServiceName service, Long epoch, String detail) {
    EventDraft draft = new EventDraft(Instant.now(), type, node, service, epoch, detail);
    writer.execute(() -> {
      long seq = 0;
      try {
        seq = store.appendEvent(draft);
      } catch (RuntimeException e) {
        LOG.warn("[node={}] event {} not recorded in the store: {}", node, type, e.getMessage());
      }
      Event event = Event.numbered(seq, draft);
      for (EventListener l : subscribers) {
        try {
          l.onEvent(event);
        } catch (RuntimeException e) {
          LOG.warn("[node={}] event listener {} failed on {} #{}: {}", node, l, type, seq, e.toString());
        }
      }
    });
  }

  /** Events dropped because the queue was full. */
  long dropped() {
    return dropped.get();
  }

  /** Writes and delivers what is queued, for at most a second. */
  @Override
  public void close() {
    writer.shutdown();
    try {
      if (!writer.awaitTermination(1, TimeUnit.SECONDS)) {
        LOG.warn("[node={}] {} event(s) not recorded at shutdown", node, writer.getQueue().size());
        writer.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
