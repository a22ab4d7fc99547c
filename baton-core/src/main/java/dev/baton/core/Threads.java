package dev.baton.core;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/** Named daemon threads: one scheduler per duty, recognisable in a thread dump. */
public final class Threads {
  private Threads() {}

  /** Daemon threads named {@code name}, then {@code name-2}, {@code name-3}, ... */
  public static ThreadFactory named(String name) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, n.getAndIncrement() == 0 ? name : name + "-" + n.get());
      t.setDaemon(true);
      return t;
    };
  }
}
