package dev.baton.agent.events;

import static dev.baton.agent.Http.events;
import static dev.baton.agent.Http.get;
import static dev.baton.agent.Http.json;
import static dev.baton.agent.Http.post;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.agent.Agent;
import dev.baton.agent.Http;
import dev.baton.agent.TestNodes;
import dev.baton.core.Location;
import dev.baton.core.NodeName;
import dev.baton.core.ServiceName;
import dev.baton.core.store.Event;
import dev.baton.core.store.NodeInfo;
import dev.baton.core.store.ProviderState;
import dev.baton.core.store.ProviderStatus;
import dev.baton.core.store.SessionId;
import dev.baton.core.store.Store;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The group's event log through the API of two in-process agents on one SQLite file. */
class EventsTest {
  @TempDir static Path dir;
  static Agent a;
  static Agent b;
  static final List<Event> heardByA = new CopyOnWriteArrayList<>();
  static final ServiceName SVC = ServiceName.of("svc");

  @BeforeAll
  static void startTwoAgents() throws Exception {
    a = TestNodes.agent(TestNodes.config(dir, "node-a", "sleep 600"));
    a.addListener(heardByA::add);
    a.start();
    await().atMost(Duration.ofSeconds(10)).until(() -> !events(a, "service.started").isEmpty());
    b = TestNodes.agent(TestNodes.config(dir, "node-b", "sleep 600"));
    b.start();
    await().atMost(Duration.ofSeconds(10)).until(() -> events(a, "node.joined").size() == 2);
  }

  @AfterAll
  static void stopAgents() {
    b.stop();
    a.stop();
  }

  @Test
  void eventsArePagedBySinceAndLimitAndFilteredByService() throws Exception {
    List<JsonNode> all = events(a);
    assertThat(all).extracting(e -> e.path("type").asText())
        .containsSubsequence("node.joined", "service.claimed", "service.started", "node.joined");
    assertThat(all).extracting(e -> e.path("seq").asLong()).isSorted().doesNotHaveDuplicates();
    JsonNode claimed = all.stream().filter(e -> e.path("type").asText().equals("service.claimed")).findFirst().orElseThrow();
    assertThat(claimed.path("node").asText()).isEqualTo("node-a");
    assertThat(claimed.path("service").asText()).isEqualTo("svc");
    assertThat(claimed.path("epoch").asLong()).isEqualTo(1);
    assertThat(claimed.path("time").asText()).matches("\\d{4}-\\d\\d-\\d\\dT.*Z");

    long first = all.get(0).path("seq").asLong();
    JsonNode afterFirst = json(get(a, "/v1/events?since=" + first + "&limit=2")).path("events");
    assertThat(afterFirst).hasSize(2);
    assertThat(afterFirst.get(0).path("seq").asLong()).isEqualTo(all.get(1).path("seq").asLong());

    JsonNode ofSvc = json(get(b, "/v1/events?service=svc&limit=1000")).path("events");
    assertThat(ofSvc).isNotEmpty().allSatisfy(e -> assertThat(e.path("service").asText()).isEqualTo("svc"));
    assertThat(ofSvc).hasSize((int) all.stream().filter(e -> e.path("service").asText().equals("svc")).count());
    assertThat(json(get(b, "/v1/events?service=other")).path("events")).isEmpty();
  }

  @Test
  void badEventParametersAre400sThatSayWhatIsExpected() throws Exception {
    Map<String, String> bad = pairs(
        "/v1/events?since=-1", "invalid since \"-1\"; expected an event sequence number",
        "/v1/events?since=abc", "invalid since \"abc\"",
        "/v1/events?limit=0", "invalid limit \"0\"; expected a number from 1 to 1000",
        "/v1/events?limit=5000", "invalid limit \"5000\"",
        "/v1/events?service=Bad", "invalid service name \"Bad\"",
        "/v1/events?sinse=3", "unknown query parameter \"sinse\"",
        "/v1/events/stream?since=x", "invalid since \"x\"",
        "/v1/events?type=node.lots", "unknown event type \"node.lots\"; expected one or more of node.joined,",
        "/v1/events?type=node.lost,", "an empty event type in type=\"node.lost,\"",
        "/v1/events?type=node.lost&type=node.left", "query parameter \"type\" is given more than once",
        "/v1/events/stream?type=Service.Started", "unknown event type \"Service.Started\"");
    for (Map.Entry<String, String> e : bad.entrySet()) {
      HttpResponse<String> r = get(a, e.getKey());
      assertThat(r.statusCode()).as(e.getKey()).isEqualTo(400);
      assertThat(json(r).path("error").asText()).as(e.getKey()).contains(e.getValue());
    }
  }

  private static Map<String, String> pairs(String... keysAndValues) {
    Map<String, String> m = new java.util.LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      m.put(keysAndValues[i], keysAndValues[i + 1]);
    }
    return m;
  }

  @Test
  void eventsAreFilteredByTypeInTheListAndTheStream() throws Exception {
    List<JsonNode> all = events(a);
    JsonNode joined = json(get(a, "/v1/events?type=node.joined&limit=1000")).path("events");
    assertThat(joined).hasSize((int) all.stream().filter(e -> e.path("type").asText().equals("node.joined")).count())
        .hasSizeGreaterThanOrEqualTo(2);
    JsonNode two = json(get(b, "/v1/events?type=service.started,node.joined&service=svc&limit=1000")).path("events");
    assertThat(two).isNotEmpty().allSatisfy(e -> {
      assertThat(e.path("type").asText()).isEqualTo("service.started");
      assertThat(e.path("service").asText()).isEqualTo("svc");
    });
    assertThat(json(get(a, "/v1/events?type=node.joined&limit=1")).path("events").get(0).path("seq").asLong())
        .as("the limit counts matching events").isEqualTo(joined.get(0).path("seq").asLong());

    HttpResponse<InputStream> stream = Http.CLIENT.send(HttpRequest.newBuilder(
            URI.create("http://" + a.apiAddress() + "/v1/events/stream?since=0&type=report.received,node.joined"))
            .header("Accept", "text/event-stream").GET().build(),
        HttpResponse.BodyHandlers.ofInputStream());
    assertThat(stream.statusCode()).isEqualTo(200);
    List<String> data = new CopyOnWriteArrayList<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
        for (String line = in.readLine(); line != null; line = in.readLine()) {
          if (line.startsWith("data:")) {
            data.add(line.substring(5));
          }
        }
      } catch (Exception e) {
        // the test closed the stream
      }
    }, "sse-type-reader");
    reader.setDaemon(true);
    reader.start();
    try {
      assertThat(post(b, "/v1/reports", "{\"condition\":\"typed-stream\"}").statusCode()).isEqualTo(202);
      await().atMost(Duration.ofSeconds(10)).until(() -> data.stream().anyMatch(d -> d.contains("typed-stream")));
      assertThat(data).extracting(d -> Http.JSON.readTree(d).path("type").asText())
          .as("the stream carries only the types asked for, from the start of the log")
          .containsOnly("node.joined", "report.received").contains("node.joined");
    } finally {
      stream.body().close();
    }
  }

  @Test
  void theStreamPushesNewEventsAppendedByAnyNodeOfTheGroup() throws Exception {
    long last = events(a).stream().mapToLong(e -> e.path("seq").asLong()).max().orElse(0);
    HttpResponse<InputStream> stream = Http.CLIENT.send(HttpRequest.newBuilder(
            URI.create("http://" + a.apiAddress() + "/v1/events/stream?since=" + last))
            .header("Accept", "text/event-stream").GET().build(),
        HttpResponse.BodyHandlers.ofInputStream());
    assertThat(stream.statusCode()).isEqualTo(200);
    assertThat(stream.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/event-stream"));
    List<String> lines = new CopyOnWriteArrayList<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
        for (String line = in.readLine(); line != null; line = in.readLine()) {
          lines.add(line);
        }
      } catch (Exception e) {
        // the test closed the stream
      }
    }, "sse-reader");
    reader.setDaemon(true);
    reader.start();
    try {
      assertThat(post(b, "/v1/reports", "{\"condition\":\"stream-test\",\"detail\":\"from b\"}").statusCode()).isEqualTo(202);

      await().atMost(Duration.ofSeconds(10)).until(() -> lines.stream().anyMatch(l -> l.contains("stream-test")));
      String data = lines.stream().filter(l -> l.contains("stream-test")).findFirst().orElseThrow();
      assertThat(data).startsWith("data:");
      JsonNode event = Http.JSON.readTree(data.substring(5));
      assertThat(event.path("type").asText()).isEqualTo("report.received");
      assertThat(event.path("node").asText()).isEqualTo("node-b");
      assertThat(event.path("detail").asText()).isEqualTo("stream-test: from b");
      assertThat(event.path("seq").asLong()).isGreaterThan(last);
      assertThat(lines).contains("id: " + event.path("seq").asLong());
    } finally {
      stream.body().close();
    }
  }

  @Test
  void listenersHearEveryEventThisNodeRecordsNumbered() {
    await().atMost(Duration.ofSeconds(5)).until(() -> heardByA.size() >= 3);
    assertThat(heardByA).extracting(Event::type).containsSubsequence("node.joined", "service.claimed", "service.started");
    assertThat(heardByA).allSatisfy(e -> {
      assertThat(e.node()).isEqualTo(NodeName.of("node-a"));
      assertThat(e.seq()).isPositive();
    });
  }

  @Test
  void aNodeThatStopsRenewingIsRecordedLostOnceByTheLowestNamedAliveNode() throws Exception {
    try (Store store = TestNodes.store(dir)) {
      SessionId z = store.openSession(new NodeInfo(NodeName.of("node-z"), Location.ROOT, "127.0.0.1:9"),
          Map.of(SVC, beat(0)), null);
      // node-z renews like a live node, and after each renewal publishes the count as its provider's
      // reason: an agent whose whiteboard shows count n read a snapshot with renewal counter n or n + 1.
      ScheduledExecutorService heart = Executors.newSingleThreadScheduledExecutor();
      heart.scheduleWithFixedDelay(() -> {
        try {
          store.publishProviders(z, Map.of(SVC, beat(store.renew(z))));
        } catch (RuntimeException e) {
          // a call that timed out on a busy machine: the next beat tries again
        }
      }, 100, 100, TimeUnit.MILLISECONDS);
      try {
        long firstA = await("node-z on node-a's whiteboard").atMost(Duration.ofSeconds(10)).until(() -> beatSeenBy(a), n -> n >= 0);
        long firstB = await("node-z on node-b's whiteboard").atMost(Duration.ofSeconds(10)).until(() -> beatSeenBy(b), n -> n >= 0);
        // Counts two apart cannot come from one counter value: each agent saw node-z renew.
        await("both agents saw node-z's counter move").atMost(Duration.ofSeconds(10))
            .until(() -> beatSeenBy(a) >= firstA + 2 && beatSeenBy(b) >= firstB + 2);
      } finally {
        heart.shutdownNow();
        assertThat(heart.awaitTermination(10, TimeUnit.SECONDS)).as("node-z's heartbeat stopped").isTrue();
      }
      // node-z now stops renewing, as a crashed node would.

      await().atMost(Duration.ofSeconds(10)).until(() -> events(a, "node.lost").size() == 1);
      await("no second node.lost, from node-b or anyone").during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5))
          .until(() -> events(b, "node.lost").size() == 1);
      JsonNode lost = events(a, "node.lost").get(0);
      assertThat(lost.path("node").asText()).isEqualTo("node-a");
      assertThat(lost.path("detail").asText()).startsWith("node-z (session " + z);
      store.closeSession(z);
    }
  }

  private static ProviderStatus beat(long renewals) {
    return new ProviderStatus(ProviderState.WAITING, "beat " + renewals);
  }

  /** The count node-z last published, as {@code agent}'s whiteboard shows it; -1 when it shows none. */
  private static long beatSeenBy(Agent agent) {
    return agent.service("svc").providers().stream()
        .filter(p -> p.node().equals("node-z") && p.reason() != null && p.reason().startsWith("beat "))
        .mapToLong(p -> Long.parseLong(p.reason().substring(5))).findFirst().orElse(-1);
  }
}
