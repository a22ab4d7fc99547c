package dev.baton.agent.watchdog;

import dev.baton.agent.config.CheckConfig;
import dev.baton.core.MonotonicClock;
import dev.baton.core.ServiceName;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs a set of health checks of one provider on a shared scheduler and reports transitions: a
 * check turns unhealthy after {@code failures} consecutive failures (failures within the grace
 * period after {@code startedNanos} do not count), and healthy again on its next success.
 * Thread-safe; the listener is called on a check thread.
 */
public final class HealthChecks implements AutoCloseable {
  public interface Listener {
    void changed(ServiceName service, CheckConfig check, boolean healthy, String detail);

    /** A check ran: {@code passed} or not, whatever its verdict (for the metrics). Must be quick. */
    default void ran(ServiceName service, CheckConfig check, boolean passed) {}
  }

  private final ServiceName service;
  private final MonotonicClock clock;
  private final long startedNanos;
  private final HttpClient http;
  private final Map<String, String> env;
  private final Listener listener;
  private final List<ScheduledFuture<?>> tasks = new ArrayList<>();
  private final List<State> states = new ArrayList<>();
  private volatile long lastHeartbeatNanos;
  private volatile boolean closed;

  public HealthChecks(ScheduledExecutorService scheduler, HttpClient http, ServiceName service, List<CheckConfig> checks,
      long startedNanos, MonotonicClock clock, Map<String, String> env, Listener listener) {
    this.service = service;
    this.clock = clock;
    this.startedNanos = startedNanos;
    this.http = http;
    this.env = env;
    this.listener = listener;
    this.lastHeartbeatNanos = startedNanos;
    for (CheckConfig check : checks) {
      State state = new State(check);
      states.add(state);
      tasks.add(scheduler.scheduleWithFixedDelay(() -> state.run(), check.interval().toMillis(),
          check.interval().toMillis(), TimeUnit.MILLISECONDS));
    }
  }

  /** The service said it is alive (ttl checks). */
  public void heartbeat() {
    lastHeartbeatNanos = clock.nanos();
  }

  /**
   * Whether no check is unhealthy now: every check passed its latest run or has not yet failed
   * {@code failures} times in a row (outside the grace period). True before any check ran.
   */
  public boolean passing() {
    return states.stream().allMatch(st -> st.healthy);
  }

  @Override
  public void close() {
    closed = true;
    tasks.forEach(t -> t.cancel(true));
  }

  private final class State {
    final CheckConfig check;
    int consecutive;
    volatile boolean healthy = true;

    State(CheckConfig check) {
      this.check = check;
    }

    void run() {
      String failure;
      try {
        failure = probe(check);
      } catch (RuntimeException e) {
        failure = e.toString();
      }
      if (closed) {
        return;
      }
      listener.ran(service, check, failure == null);
      boolean inGrace = clock.nanos() - startedNanos < check.grace().toNanos();
      if (failure == null) {
        consecutive = 0;
        if (!healthy) {
          healthy = true;
          listener.changed(service, check, true, "passing again");
        }
      } else if (!inGrace && ++consecutive >= check.failures() && healthy) {
        healthy = false;
        listener.changed(service, check, false, failure
            + (check.failures() > 1 ? " (" + consecutive + " times in a row)" : ""));
      }
    }
  }

  /** Runs a check once: null when healthy, else what failed. */
  private String probe(CheckConfig check) {
    long timeoutMillis = check.timeout().toMillis();
    switch (check.kind()) {
      case EXEC -> {
        try {
          ProcessBuilder pb = new ProcessBuilder(check.command()).redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD);
          pb.environment().putAll(env);
          Process p = pb.start();
          if (!p.waitFor(timeoutMillis, TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            return "timed out after " + timeoutMillis + "ms";
          }
          return p.exitValue() == 0 ? null : "exited with code " + p.exitValue();
        } catch (IOException e) {
          return "cannot run " + check.command() + ": " + e.getMessage();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return "interrupted";
        }
      }
      case HTTP -> {
        try {
          HttpResponse<String> r = http.send(HttpRequest.newBuilder(check.url())
              .timeout(check.timeout()).GET().build(), HttpResponse.BodyHandlers.ofString());
          if (r.statusCode() / 100 != 2) {
            return "GET " + check.url() + " answered " + r.statusCode();
          }
          if (check.bodyContains() != null && !r.body().contains(check.bodyContains())) {
            return "GET " + check.url() + " answered without \"" + check.bodyContains() + "\"";
          }
          return null;
        } catch (IOException e) {
          return "GET " + check.url() + " failed: " + e;
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return "interrupted";
        }
      }
      case TCP -> {
        try (Socket s = new Socket()) {
          s.connect(new InetSocketAddress(check.host(), check.port()), (int) timeoutMillis);
          return null;
        } catch (IOException e) {
          return "cannot connect to " + check.host() + ":" + check.port() + ": " + e.getMessage();
        }
      }
      case TTL -> {
        long silent = clock.nanos() - lastHeartbeatNanos;
        return silent <= check.ttl().toNanos() ? null
            : "no heartbeat for " + silent / 1_000_000 + "ms (ttl " + check.ttl().toMillis() + "ms)";
      }
      default -> throw new IllegalStateException("unknown check kind " + check.kind());
    }
  }
}
