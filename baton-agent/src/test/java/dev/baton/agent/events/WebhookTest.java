package dev.baton.agent.events;

import static dev.baton.agent.Http.get;
import static dev.baton.agent.Http.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.baton.agent.Agent;
import dev.baton.agent.Http;
import dev.baton.agent.TestNodes;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Webhook receivers started by the test (the JDK's HTTP server on port 0) and real agents. */
class WebhookTest {
  @TempDir Path dir;
  HttpServer receiver;
  final List<JsonNode> received = new CopyOnWriteArrayList<>();
  final AtomicInteger pending = new AtomicInteger();
  final CountDownLatch release = new CountDownLatch(1);
  Agent a;
  Agent b;

  @AfterEach
  void stopEverything() {
    release.countDown();
    if (b != null) {
      b.stop();
    }
    if (a != null) {
      a.stop();
    }
    if (receiver != null) {
      receiver.stop(0);
    }
  }

  /** A receiver that records each event and answers 204, or never answers when {@code hang}. */
  String startReceiver(boolean hang) throws Exception {
    receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    receiver.setExecutor(Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "webhook-receiver");
      t.setDaemon(true);
      return t;
    }));
    receiver.createContext("/hook", exchange -> {
      received.add(Http.JSON.readTree(exchange.getRequestBody()));
      if (hang) {
        pending.incrementAndGet();
        try {
          release.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        pending.decrementAndGet();
      }
      exchange.sendResponseHeaders(204, -1);
      exchange.close();
    });
    receiver.start();
    return "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook";
  }

  @Test
  void aWebhookReceivesTheEventsOfItsTypesAsJson() throws Exception {
    String url = startReceiver(false);
    a = TestNodes.agent(TestNodes.config(dir, "node-a", "sleep 600", "", String.join("\n",
        "events:",
        "  webhooks:",
        "    - url: " + url,
        "      types: [service.claimed, service.started]",
        "      timeout: 2s",
        "      retries: 1")));
    a.start();

    await().atMost(Duration.ofSeconds(10)).until(() -> received.size() >= 2);
    assertThat(received).extracting(e -> e.path("type").asText()).containsExactly("service.claimed", "service.started");
    JsonNode claimed = received.get(0);
    assertThat(claimed.path("seq").asLong()).isPositive();
    assertThat(claimed.path("node").asText()).isEqualTo("node-a");
    assertThat(claimed.path("service").asText()).isEqualTo("svc");
    assertThat(claimed.path("epoch").asLong()).isEqualTo(1);
    // node.joined came before them and was not sent: the filter, not timing, kept it out.
    assertThat(Http.events(a, "node.joined")).isNotEmpty();
  }

  @Test
  void aWebhookThatNeverAnswersDelaysNeitherTheStopNorTheFailover() throws Exception {
    String url = startReceiver(true);
    String hook = String.join("\n",
        "events:",
        "  webhooks:",
        "    - url: " + url,
        "      timeout: 30s",
        "      retries: 3");
    a = TestNodes.agent(TestNodes.config(dir, "node-a", "sleep 600", "", hook));
    a.start();
    await().atMost(Duration.ofSeconds(10)).until(() -> "node-a".equals(owner()));
    b = TestNodes.agent(TestNodes.config(dir, "node-b", "sleep 600", "", hook));
    b.start();
    await().atMost(Duration.ofSeconds(10)).until(() -> pending.get() == 2); // one hung delivery per node

    long t0 = System.nanoTime();
    a.stop();
    await().atMost(Duration.ofSeconds(5)).until(() -> "node-b".equals(owner())
        && json(get(b, "/v1/services/svc/active")).path("active").asBoolean());
    Duration took = Duration.ofNanos(System.nanoTime() - t0);

    assertThat(took).isLessThan(Duration.ofSeconds(5));
    assertThat(pending.get()).as("deliveries still hanging at the receiver").isPositive();
    assertThat(json(get(b, "/v1/services/svc")).path("epoch").asLong()).isEqualTo(2);
  }

  private String owner() throws Exception {
    Agent any = b != null ? b : a;
    return json(get(any, "/v1/services/svc")).path("owner").asText(null);
  }
}
