package dev.baton.cli;

import sun.misc.Signal;

/**
 * SIGTERM and SIGINT start a graceful stop instead of killing the JVM, so that the agent can hand
 * its services over and exit 0 (a shutdown hook would exit 143).
 */
public final class Signals {
  private Signals() {}

  public static void onTerminate(Runnable action) {
    Signal.handle(new Signal("TERM"), s -> action.run());
    Signal.handle(new Signal("INT"), s -> action.run());
  }
}
