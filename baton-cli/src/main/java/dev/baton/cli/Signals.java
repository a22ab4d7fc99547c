package dev.baton.cli;

import sun.misc.Signal;

/**
 * SIGTERM and SIGINT start a graceful stop instead of killing the JVM, so that the agent can hand
 * its services over and exit 0 (a shutdown hook would exit 143); SIGHUP reloads the config.
 */
public final class Signals {
  private Signals() {}

  /**
   * SIGHUP runs {@code action} (a reload of the config) instead of ending the JVM, which is what
   * the JVM does by default.
   */
  public static void onReload(Runnable action) {
    Signal.handle(new Signal("HUP"), s -> action.run());
  }

  public static void onTerminate(Runnable action) {
    Signal.handle(new Signal("TERM"), s -> action.run());
    Signal.handle(new Signal("INT"), s -> action.run());
  }
}
