package dev.baton.core.store;

import java.util.Locale;

/** A provider's state on the whiteboard, as its own node reports it. */
public enum ProviderState {
  /** The process was started after a granted claim and has not yet been confirmed running. */
  STARTING,
  /** The process runs with valid ownership. */
  PROVIDING,
  /** The process is being stopped (handover, fencing, shutdown). */
  STOPPING,
  /** Ready to take over; not the owner. */
  WAITING,
  /** Not eligible to take over (see the reason). */
  UNAVAILABLE;

  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static ProviderState fromWireName(String text) {
    for (ProviderState s : values()) {
      if (s.wireName().equals(text)) {
        return s;
      }
    }
    throw new IllegalArgumentException("unknown provider state \"" + text + "\"");
  }
}
