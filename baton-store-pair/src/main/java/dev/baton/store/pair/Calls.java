package dev.baton.store.pair;

/** Where a pair store's calls go: a member of the pair, or a client of one. */
interface Calls extends AutoCloseable {

  /** Applies {@code op} at the live member and returns its answer (an error answer included). */
  Op.Result call(Op op);

  /** Calls {@code listener} soon after any change other than a renewal; closing the handle stops it. */
  AutoCloseable watch(Runnable listener);

  /** Notes that a session was opened through this process, so that it survives this member going live. */
  default void opened(dev.baton.core.store.SessionId session) {}

  @Override
  void close();
}
