package dev.baton.agent.events;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.agent.config.WebhookConfig;
import dev.baton.core.Threads;
import dev.baton.core.store.Event;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * POSTs this node's events to the configured webhooks. Each webhook has a thread and a bounded
 * queue of its own ({@value #QUEUE} events), so a receiver that hangs delays only its own later
 * events: never failover, never the store's event log, never another webhook. Each event is tried
 * {@code 1 + retries} times, each attempt bounded by the webhook's timeout, with a backoff of
 * 0.5 s, 1 s, 2 s, ... (at most 10 s) between attempts; it is then given up (logged). When the
 * queue is full, new events are dropped, counted and logged. Delivery is at most once per attempt
 * and in order per webhook; a receiver may see an event twice when an answer is lost.
 */
public final class Webhooks implements EventListener, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Webhooks.class);
  static final int QUEUE = 1000;
  private static final Duration FIRST_BACKOFF = Duration.ofMillis(500);
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(10);

  private final String group;
  private final String node;
  private final ObjectMapper json;
  private final List<Sender> senders = new ArrayList<>();

  public Webhooks(List<WebhookConfig> hooks, String group, String node, ObjectMapper json) {
    this.group = group;
    this.node = node;
    this.json = json;
    for (int i = 0; i < hooks.size(); i++) {
      senders.add(new Sender(hooks.get(i), i));
    }
  }

  @Override
  public void onEvent(Event event) {
    if (senders.isEmpty()) {
      return;
    }
    byte[] body;
    try {
      body = json.writeValueAsBytes(Events.entry(event));
    } catch (JsonProcessingException e) {
      LOG.error("[node={}] event #{} cannot be written as JSON: {}", node, event.seq(), e.toString());
      return;
    }
    for (Sender s : senders) {
      if (s.hook.wants(event.type())) {
        s.enqueue(event, body);
      }
    }
  }

  /** Events dropped by webhook {@code index} because its queue was full. */
  long dropped(int index) {
    return senders.get(index).dropped.get();
  }

  /**
   * Gives queued deliveries up to a second in all (so the {@code node.left} of a graceful stop
   * usually gets out), then abandons the rest: a hung receiver never delays shutdown by more.
   */
  @Override
  public void close() {
    senders.forEach(s -> s.executor.shutdown());
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
    for (Sender s : senders) {
      try {
        s.executor.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    senders.forEach(s -> {
      if (!s.executor.shutdownNow().isEmpty() || !s.executor.isTerminated()) {
        LOG.warn("[node={} webhook={}] undelivered events abandoned at shutdown", node, s.hook.url());
      }
    });
  }

  private final class Sender {
    final WebhookConfig hook;
    final ThreadPoolExecutor executor;
    final HttpClient http;
    final AtomicLong dropped = new AtomicLong();

    Sender(WebhookConfig hook, int index) {
      this.hook = hook;
      this.http = HttpClient.newBuilder().connectTimeout(hook.timeout()).build();
      this.executor = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(QUEUE),
          Threads.named("baton-webhook-" + node + "-" + index), (task, pool) -> {
            long n = dropped.incrementAndGet();
            if (n == 1 || n % 100 == 0) {
              LOG.warn("[node={} webhook={}] queue full ({} waiting): {} event(s) dropped so far", node, hook.url(),
                  QUEUE, n);
            }
          });
    }

    void enqueue(Event event, byte[] body) {
      if (!executor.isShutdown()) {
        executor.execute(() -> deliver(event, body));
      }
    }

    private void deliver(Event event, byte[] body) {
      HttpRequest request = HttpRequest.newBuilder(hook.url())
          .timeout(hook.timeout())
          .header("Content-Type", "application/json")
          .header("X-Baton-Group", group)
          .header("X-Baton-Event", event.type())
          .POST(HttpRequest.BodyPublishers.ofByteArray(body))
          .build();
      Duration backoff = FIRST_BACKOFF;
      for (int attempt = 0; attempt <= hook.retries(); attempt++) {
        String failure;
        try {
          HttpResponse<Void> response = http.send(request, HttpResponse.BodyHandlers.discarding());
          if (response.statusCode() / 100 == 2) {
            return;
          }
          failure = "answered " + response.statusCode();
        } catch (IOException e) {
          failure = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
        boolean last = attempt == hook.retries();
        LOG.warn("[node={} webhook={}] event {} #{}: attempt {} of {} failed ({}){}", node, hook.url(), event.type(),
            event.seq(), attempt + 1, hook.retries() + 1, failure, last ? "; giving up" : "; retrying in " + backoff);
        if (last) {
          return;
        }
        try {
          Thread.sleep(backoff.toMillis());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
        backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
      }
    }
  }
}
