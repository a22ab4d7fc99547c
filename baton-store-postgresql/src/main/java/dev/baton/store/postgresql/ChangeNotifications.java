package dev.baton.store.postgresql;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * LISTEN on the group's channel over one dedicated connection (not from the pool), and calls the
 * registered listeners when a notification arrives.
 *
 * <p>One thread per store, started by the first {@link #add}. When the connection breaks the
 * thread reconnects with a growing pause (100 ms up to 2 s) and, once listening again, calls every
 * listener: a change committed while nobody listened is then not lost, only announced late.
 * Listeners run on that thread, one after the other; a listener that throws is logged and the
 * others still run. This class is threadsafe.
 */
final class ChangeNotifications implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ChangeNotifications.class);
  private static final int WAIT_MILLIS = 500;

  @FunctionalInterface
  interface Connector {
    Connection connect() throws SQLException;
  }

  private static final class Entry {
    final Runnable listener;
    /** Registered while not listening and not yet covered by a LISTEN (guarded by lock). */
    boolean pending;
    /** watch() gave up waiting for LISTEN; call it when the connection comes (guarded by lock). */
    boolean fireOnConnect;

    Entry(Runnable listener) {
      this.listener = listener;
    }
  }

  private final Connector connector;
  private final String channel;
  private final String who;
  private final Duration callTimeout;
  private final Duration probeEvery;
  private final Object lock = new Object();
  private final List<Entry> entries = new ArrayList<>();
  private boolean listening;
  private boolean everListened;
  private boolean closed;
  private Thread thread;
  private Connection current;

  ChangeNotifications(Connector connector, String channel, String who, Duration callTimeout) {
    this.connector = connector;
    this.channel = channel;
    this.who = who;
    this.callTimeout = callTimeout;
    this.probeEvery = callTimeout.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : callTimeout;
  }

  /**
   * Registers {@code listener}. Waits up to the call timeout until the channel is listened to, so
   * that every change committed after this method returns is announced; when the database does
   * not answer in time, the listener is called once the connection comes.
   */
  AutoCloseable add(Runnable listener) {
    Entry entry = new Entry(listener);
    synchronized (lock) {
      if (closed) {
        throw new IllegalStateException(who + " watch() on a closed store");
      }
      entries.add(entry);
      if (thread == null) {
        thread = new Thread(this::run, "baton-pg-listen-" + channel);
        thread.setDaemon(true);
        thread.start();
      }
      if (!listening) {
        entry.pending = true;
        long deadline = System.nanoTime() + callTimeout.toNanos();
        while (entry.pending && !closed) {
          long left = (deadline - System.nanoTime()) / 1_000_000;
          if (left <= 0) {
            break;
          }
          try {
            lock.wait(left);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            break;
          }
        }
        if (entry.pending) {
          entry.fireOnConnect = true;
        }
      }
    }
    return () -> {
      synchronized (lock) {
        entries.remove(entry);
      }
    };
  }

  private void run() {
    long pauseMillis = 100;
    boolean failing = false;
    while (!isClosed()) {
      try (Connection connection = connector.connect()) {
        synchronized (lock) {
          if (closed) {
            return;
          }
          current = connection;
        }
        try (Statement statement = connection.createStatement()) {
          statement.execute("LISTEN " + quoted(channel));
        }
        List<Runnable> toCall = onListening();
        if (failing) {
          log.info("{} listening on channel {} again; announcing a possible missed change", who, channel);
          failing = false;
        }
        pauseMillis = 100;
        call(toCall);
        PGConnection pg = connection.unwrap(PGConnection.class);
        long lastProbe = System.nanoTime();
        while (!isClosed()) {
          PGNotification[] notifications = pg.getNotifications(WAIT_MILLIS);
          if (notifications != null && notifications.length > 0) {
            call(listeners());
          }
          if (System.nanoTime() - lastProbe > probeEvery.toNanos()) {
            try (Statement statement = connection.createStatement()) {
              statement.execute("SELECT 1");
            }
            lastProbe = System.nanoTime();
          }
        }
      } catch (SQLException | RuntimeException e) {
        if (isClosed()) {
          return;
        }
        if (!failing) {
          log.warn("{} lost the notification connection on channel {} ({}); reconnecting", who, channel, e.toString());
          failing = true;
        } else {
          log.debug("{} notification connection still failing: {}", who, e.toString());
        }
      } finally {
        synchronized (lock) {
          listening = false;
          current = null;
        }
      }
      synchronized (lock) {
        if (!closed) {
          try {
            lock.wait(pauseMillis);
          } catch (InterruptedException e) {
            return;
          }
        }
      }
      pauseMillis = Math.min(pauseMillis * 2, 2_000);
    }
  }

  /** Marks the channel listened to and returns the listeners that may have missed a change. */
  private List<Runnable> onListening() {
    synchronized (lock) {
      List<Runnable> toCall = new ArrayList<>();
      for (Entry entry : entries) {
        if (everListened || entry.fireOnConnect) {
          toCall.add(entry.listener);
        }
        entry.pending = false;
        entry.fireOnConnect = false;
      }
      listening = true;
      everListened = true;
      lock.notifyAll();
      return toCall;
    }
  }

  private List<Runnable> listeners() {
    synchronized (lock) {
      return entries.stream().map(e -> e.listener).toList();
    }
  }

  private void call(List<Runnable> listeners) {
    for (Runnable listener : listeners) {
      try {
        listener.run();
      } catch (RuntimeException e) {
        log.warn("{} a store watcher failed: {}", who, e.toString(), e);
      }
    }
  }

  private boolean isClosed() {
    synchronized (lock) {
      return closed;
    }
  }

  static String quoted(String identifier) {
    return "\"" + identifier.replace("\"", "\"\"") + "\"";
  }

  /** Stops the thread and closes its connection; waits at most a second for the thread. */
  @Override
  public void close() {
    Thread toJoin;
    Connection toClose;
    synchronized (lock) {
      closed = true;
      entries.clear();
      toJoin = thread;
      toClose = current;
      lock.notifyAll();
    }
    if (toClose != null) {
      try {
        toClose.close();
      } catch (SQLException | RuntimeException e) {
        log.debug("{} closing the notification connection: {}", who, e.toString());
      }
    }
    if (toJoin != null && toJoin != Thread.currentThread()) {
      try {
        toJoin.join(1_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
