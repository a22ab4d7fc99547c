package dev.baton.agent;

import dev.baton.core.NodeName;
import dev.baton.core.ServiceName;
import dev.baton.core.store.EventDraft;
import dev.baton.core.store.Store;
import java.time.Instant;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Appends this node's events to the store's event log on a thread of its own, so that recording
 * history never delays a claim or a start. Best effort: an event that cannot be written (store
 * unreachable, queue full) is logged and dropped.
 */
final class EventLog implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EventLog.class);

  private final Store store;
  private final NodeName node;
  private final ExecutorService writer;

  EventLog(Store store, NodeName node) {
    this.store = store;
    this.node = node;
    this.writer = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(1000),
        Threads.named("baton-events-" + node), new ThreadPoolExecutor.DiscardPolicy());
  }

  void append(String type, ServiceName service, Long epoch, String detail) {
    EventDraft draft = new EventDraft(Instant.now(), type, node, service, epoch, detail);
    writer.execute(() -> {
      try {
        store.appendEvent(draft);
      } catch (RuntimeException e) {
        LOG.debug("[node={}] event {} not recorded: {}", node, type, e.getMessage());
      }
    });
  }

  /** Writes what is queued, for at most a second. */
  @Override
  public void close() {
    writer.shutdown();
    try {
      writer.awaitTermination(1, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
