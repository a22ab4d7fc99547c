package dev.baton.store.zookeeper;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.curator.framework.recipes.watch.PersistentWatcher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@code watch()} registration: a Curator {@link PersistentWatcher} (a recursive persistent
 * watch on the group's znode, re-set by Curator after every reconnect) whose notifications are
 * coalesced and handed to the listener on the store's dispatcher thread, never on ZooKeeper's
 * event thread. Once {@link #close()} returns the listener is not called again.
 */
final class WatchHandle implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(WatchHandle.class);

  private final Runnable listener;
  private final Executor dispatcher;
  private final PersistentWatcher watcher;
  private final Runnable onClose;
  private final String who;
  private final ReentrantLock calling = new ReentrantLock();
  private final AtomicBoolean pending = new AtomicBoolean();
  private final CountDownLatch registered = new CountDownLatch(1);
  private volatile boolean closed;

  WatchHandle(Runnable listener, Executor dispatcher, PersistentWatcher watcher, Runnable onClose, String who) {
    this.listener = listener;
    this.dispatcher = dispatcher;
    this.watcher = watcher;
    this.onClose = onClose;
    this.who = who;
  }

  /** Called when ZooKeeper reports a change; schedules one listener call for all pending ones. */
  void poke() {
    if (!closed && pending.compareAndSet(false, true)) {
      try {
        dispatcher.execute(this::deliver);
      } catch (RejectedExecutionException e) {
        pending.set(false);
      }
    }
  }

  /** Called when the watch is (re-)registered on the server: changes may have been missed. */
  void registered() {
    registered.countDown();
    poke();
  }

  boolean awaitRegistered(long millis) throws InterruptedException {
    return registered.await(millis, TimeUnit.MILLISECONDS);
  }

  private void deliver() {
    pending.set(false);
    calling.lock();
    try {
      if (!closed) {
        listener.run();
      }
    } catch (RuntimeException e) {
      log.warn("{} watch listener failed", who, e);
    } finally {
      calling.unlock();
    }
  }

  @Override
  public void close() {
    calling.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
    } finally {
      calling.unlock();
    }
    watcher.close();
    onClose.run();
  }
}
