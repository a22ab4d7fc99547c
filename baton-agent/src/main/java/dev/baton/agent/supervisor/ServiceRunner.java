package dev.baton.agent.supervisor;

import dev.baton.core.ServiceName;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Provides services inside this JVM instead of forking a process per service: the seam for
 * applications that embed a node and provide services as callbacks, and for {@code baton bench
 * scale}, which runs many logical nodes in one JVM. Given to an agent through its
 * {@code Agent.Embedding}; an agent without one forks its configured commands as always.
 *
 * <p>The agent calls {@link #start} only right after the store granted its claim, exactly where it
 * would fork the process, and treats the returned {@link Provided} like a process: {@link
 * Provided#stop()} where it would send SIGTERM, {@link Provided#kill()} where it would send SIGKILL
 * (when fencing, among others), and the service counts as running until {@link Provided#exit()}
 * completes. Nothing outside the JVM guards an in-process service: a paused JVM pauses it too,
 * which keeps it from acting, but it is the application's job to stop acting once killed.
 */
public interface ServiceRunner {

  /**
   * Starts {@code service} at {@code epoch}; returns at once.
   *
   * @param env what a process would get in its environment ({@code BATON_EPOCH} and the others)
   * @throws dev.baton.core.BatonException if it cannot be started (the message says why)
   */
  Provided start(ServiceName service, long epoch, Map<String, String> env);

  /** One run of a service. Implementations must be thread-safe. */
  interface Provided {
    /** Completes with an exit code (0: stopped normally) once the run has ended. */
    CompletableFuture<Integer> exit();

    /** Asks the run to end (the SIGTERM of a process). */
    void stop();

    /** Ends the run now (the SIGKILL of a process); {@link #exit()} must complete promptly. */
    void kill();
  }
}
