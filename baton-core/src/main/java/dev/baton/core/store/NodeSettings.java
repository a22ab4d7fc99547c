package dev.baton.core.store;

/** Operator settings of one node, kept in the store. A drained node owns no service. */
public record NodeSettings(boolean drained) {
  public static final NodeSettings DEFAULT = new NodeSettings(false);
}
