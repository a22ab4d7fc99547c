package dev.baton.agent.events;

import dev.baton.core.NodeName;
import dev.baton.core.ServiceName;
import dev.baton.core.Threads;
import dev.baton.core.store.Event;
import dev.baton.core.store.EventDraft;
import dev.baton.core.store.Store;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fan-out point of this node's events. {@link #append} returns at once; one thread of its own
 * then writes the events to the store's event log (which numbers them) and hands each to every
 * subscriber in append order: embedders' {@link EventListener}s, webhooks and per-service actions
 * (which queue their own slow work). So recording history never delays a claim, a start or a
 * fence, and a slow webhook never delays the store write of the next event. The events that
 * queued up while the thread was writing go to the store together, up to {@value #BATCH} in one
 * call ({@link Store#appendEvents}): a node that claims and starts many services at once costs
 * the store a few commits, not two per service.
 *
 * <p>Best effort: an event the store cannot record (unreachable, timed out) is logged and still
 * delivered to the subscribers with sequence number 0; when more events wait than the queue holds
 * ({@value #QUEUE}, or {@value #PER_SERVICE} per service the node provides if that is more: a node
 * that claims and starts all its services at once queues a few events for each), new ones are
 * dropped, counted and logged. Thread-safe.
 */
public final class EventLog implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EventLog.class);
  static final int QUEUE = 1000;
  static final int PER_SERVICE = 4;
  static final int BATCH = 100;

  private final Store store;
  private final NodeName node;
  private final List<EventListener> subscribers = new CopyOnWriteArrayList<>();
  private final ThreadPoolExecutor writer;
  private final AtomicLong dropped = new AtomicLong();
  private final int queue;
  // Guarded by this: the events not yet written, and whether a write task is queued or running.
  private final ArrayDeque<Pending> pending = new ArrayDeque<>();
  private boolean writing;

  /** An event log for a node that provides {@code services} services (its queue grows with them). */
  public EventLog(Store store, NodeName node, int services) {
    this.store = store;
    this.node = node;
    this.queue = Math.max(QUEUE, PER_SERVICE * services);
    this.writer = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(),
        Threads.named("baton-events-" + node));
  }

  /** Adds a subscriber for every event appended from now on. */
  public void subscribe(EventListener listener) {
    subscribers.add(listener);
  }

  /** An event waiting to be written, and who waits for its sequence number (or null). */
  private record Pending(EventDraft draft, CompletableFuture<Long> seq) {}

  /** Records an event of this node; returns at once. {@code service}, {@code epoch}, {@code detail} may be null. */
  public void append(String type, ServiceName service, Long epoch, String detail) {
    enqueue(new Pending(new EventDraft(Instant.now(), type, node, service, epoch, detail), null));
  }

  /**
   * Records an event as {@link #append} does and waits up to {@code timeout} for the store to number
   * it: for an answer that names its event, so that a client can read what happened after it.
   * Events this node appends later get higher numbers.
   *
   * @return the event's sequence number, or 0 when the store did not record it in time (it may
   *     still be recorded, or may not)
   */
  public long appendAndWait(String type, ServiceName service, Long epoch, String detail, Duration timeout) {
    CompletableFuture<Long> seq = new CompletableFuture<>();
    enqueue(new Pending(new EventDraft(Instant.now(), type, node, service, epoch, detail), seq));
    try {
      return seq.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException | ExecutionException e) {
      return 0;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 0;
    }
  }

  private void enqueue(Pending event) {
    synchronized (this) {
      if (pending.size() >= queue) {
        long n = dropped.incrementAndGet();
        if (n == 1 || n % 100 == 0) {
          LOG.warn("[node={}] event queue full ({} waiting): {} event(s) dropped so far", node, queue, n);
        }
        if (event.seq() != null) {
          event.seq().complete(0L);
        }
        return;
      }
      pending.add(event);
      if (writing) {
        return; // the running write task takes it along
      }
      writing = true;
    }
    try {
      writer.execute(this::writeAll);
    } catch (RejectedExecutionException e) {
      synchronized (this) {
        writing = false; // closed
      }
    }
  }

  /** Writes and delivers what is pending, a batch at a time, until nothing is. */
  private void writeAll() {
    while (true) {
      List<Pending> batch = new ArrayList<>();
      synchronized (this) {
        while (!pending.isEmpty() && batch.size() < BATCH) {
          batch.add(pending.poll());
        }
        if (batch.isEmpty()) {
          writing = false;
          return;
        }
      }
      List<Long> seqs = null;
      try {
        seqs = store.appendEvents(batch.stream().map(Pending::draft).toList());
      } catch (RuntimeException e) {
        LOG.warn("[node={}] {} event(s) from {} on not recorded in the store: {}", node, batch.size(),
            batch.get(0).draft().type(), e.getMessage());
      }
      for (int i = 0; i < batch.size(); i++) {
        long seq = seqs == null ? 0 : seqs.get(i);
        if (batch.get(i).seq() != null) {
          batch.get(i).seq().complete(seq);
        }
        deliver(Event.numbered(seq, batch.get(i).draft()));
      }
    }
  }

  private void deliver(Event event) {
    for (EventListener l : subscribers) {
      try {
        l.onEvent(event);
      } catch (RuntimeException e) {
        LOG.warn("[node={}] event listener {} failed on {} #{}: {}", node, l, event.type(), event.seq(), e.toString());
      }
    }
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
        synchronized (this) {
          LOG.warn("[node={}] {} event(s) not recorded at shutdown", node, pending.size());
        }
        writer.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
