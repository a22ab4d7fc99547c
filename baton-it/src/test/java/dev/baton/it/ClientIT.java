package dev.baton.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.baton.client.BatonClientException;
import dev.baton.client.Endpoint;
import dev.baton.client.ServiceClient;
import dev.baton.core.store.Event;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Java client ({@code baton-client}) against three real nodes (heartbeat 500ms, lease 3s, one
 * SQLite file) providing {@code web} ({@link WebNodes}): it follows the service through a SIGKILL
 * of its owner's node, failing only while the lease explains it, with the killed node's agent the
 * first it knows; and it learns of a move from the event stream before any call fails.
 */
class ClientIT {
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(1)).build();
  @TempDir Path dir;
  Group group;
  WebNodes web;

  /** One call through the client: when it was made, and who answered (null when it failed). */
  record Call(Instant sent, long sentNanos, String node, long epoch, String error) {}

  @BeforeEach
  void startThreeNodes() throws Exception {
    group = Group.sqlite(dir);
    web = new WebNodes(group);
    web.startAll();
    await("web provided, three nodes alive").atMost(Duration.ofSeconds(90)).until(() -> web.owner() != null
        && group.service().isPresent() && group.status()
            .map(st -> st.nodes().stream().filter(n -> n.state().equals("alive")).count()).orElse(0L) == 3);
  }

  @AfterEach
  void stopAll() {
    FailoverContract.closeAndCheckTheHistory(group);
  }

  /** The agents' API addresses, {@code first}'s first. */
  private List<String> agentsStartingWith(String first) {
    List<String> apis = new ArrayList<>();
    apis.add(group.nodes.get(first).api());
    group.nodes.values().stream().filter(n -> !n.name.equals(first)).forEach(n -> apis.add(n.api()));
    return apis;
  }

  private static String get(Endpoint e) throws Exception {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://" + e.address() + "/"))
        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IllegalStateException(e + " answered " + r.statusCode());
    }
    return r.body().strip();
  }

  private Instant started(String node, long epoch) {
    return group.events().stream().filter(e -> e.type().equals("service.started") && e.service() != null
            && e.service().value().equals("web") && e.node().value().equals(node) && e.epoch() != null
            && e.epoch() == epoch)
        .map(Event::time).findFirst().orElseThrow(() -> new AssertionError("no service.started of web at epoch "
            + epoch + " on " + node));
  }

  @Test
  void aRequestLoopFollowsASigkillFailoverWithOnlyTheFailuresTheLeaseExplains() throws Exception {
    String first = web.owner();
    // Each call gives up after 500ms, so that the calls made while no one provides web fail and
    // are counted; the killed node's agent is the first the client knows.
    try (ServiceClient client = ServiceClient.builder("web").agents(agentsStartingWith(first))
        .location("us/nyc").failoverTimeout(Duration.ofMillis(500)).build()) {
      assertThat(client.endpoint().node()).isEqualTo(first);
      List<Call> calls = new CopyOnWriteArrayList<>();
      AtomicBoolean running = new AtomicBoolean(true);
      Thread loop = new Thread(() -> {
        while (running.get()) {
          Instant sent = Instant.now();
          long sentNanos = System.nanoTime();
          try {
            String[] answer = client.call(ClientIT::get).split(" ");
            calls.add(new Call(sent, sentNanos, answer[0], Long.parseLong(answer[1]), null));
          } catch (BatonClientException e) {
            calls.add(new Call(sent, sentNanos, null, 0, e.getMessage()));
          }
          try {
            Thread.sleep(20);
          } catch (InterruptedException e) {
            return;
          }
        }
      }, "client-loop");
      loop.start();
      try {
        await("calls answered").atMost(Duration.ofSeconds(10)).until(() -> calls.stream()
            .filter(c -> c.node() != null).count() >= 10);
        Instant killedAt = Instant.now();
        long killed = System.nanoTime();
        group.nodes.get(first).killNode();
        await("calls answered by a new owner").atMost(group.lease.plusSeconds(30)).until(() -> calls.stream()
            .anyMatch(c -> c.node() != null && !c.node().equals(first) && c.sentNanos() > killed));
        Call firstNew = calls.stream().filter(c -> c.node() != null && !c.node().equals(first) && c.sentNanos() > killed)
            .findFirst().orElseThrow();
        await("more calls answered").atMost(Duration.ofSeconds(10)).until(() -> calls.stream()
            .filter(c -> c.node() != null && c.sentNanos() > firstNew.sentNanos()).count() >= 20);
        running.set(false);
        loop.join(10_000);

        List<Call> all = List.copyOf(calls);
        Instant newStarted = started(firstNew.node(), firstNew.epoch());
        // Failures only from the kill until the new owner's service started, plus the time its
        // process takes to listen, a call to give up and the client to resolve again (a loaded
        // machine's seconds); the window up to the start is the lease.
        Instant explainedUntil = newStarted.plusSeconds(5);
        assertThat(all).filteredOn(c -> c.node() == null).allSatisfy(c -> assertThat(
            !c.sent().isBefore(killedAt.minusMillis(600)) && c.sent().isBefore(explainedUntil))
            .as("call at " + c.sent() + " failed (" + c.error() + ") outside the failover from " + killedAt
                + " to " + newStarted).isTrue());
        assertThat(Duration.between(killedAt, newStarted)).isLessThan(group.lease.plusSeconds(10));
        // Once the new owner runs, calls reach only it; the epochs answered never go back.
        assertThat(all).filteredOn(c -> c.node() != null && c.sent().isAfter(newStarted))
            .allSatisfy(c -> assertThat(c.node()).isEqualTo(firstNew.node()));
        long highest = 0;
        for (Call c : all) {
          if (c.node() != null) {
            assertThat(c.epoch()).isGreaterThanOrEqualTo(highest);
            highest = c.epoch();
          }
        }
        System.out.printf("ClientIT: %d calls, %d failed between the SIGKILL and %d ms after it; new owner %s"
            + " answered %d ms after the kill%n", all.size(), all.stream().filter(c -> c.node() == null).count(),
            Duration.between(killedAt, explainedUntil).toMillis(), firstNew.node(),
            Duration.between(killedAt, firstNew.sent()).toMillis());
      } finally {
        running.set(false);
        loop.interrupt();
      }
    }
  }

  @Test
  void theEventStreamTellsTheClientOfAMoveBeforeAnyCallFails() throws Exception {
    String first = web.owner();
    String target = group.nodes.keySet().stream().filter(n -> !n.equals(first)).findFirst().orElseThrow();
    try (ServiceClient client = ServiceClient.builder("web").agents(agentsStartingWith(target)).build()) {
      Endpoint before = client.endpoint();
      assertThat(before.node()).isEqualTo(first);
      assertThat(client.call(ClientIT::get)).startsWith(first + " ");

      HttpResponse<String> move = HTTP.send(HttpRequest.newBuilder(URI.create(group.nodes.get(target).api()
          + "/v1/services/web/move")).header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString("{\"to\": \"" + target + "\"}")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(move.statusCode()).as(move.body()).isEqualTo(202);

      // No call is made: only the event stream can tell the client.
      await("the client knows the new owner").atMost(Duration.ofSeconds(30))
          .until(() -> client.cached().map(e -> e.node().equals(target)).orElse(false));
      assertThat(client.cached().orElseThrow().epoch()).isGreaterThan(before.epoch());
      assertThat(client.call(ClientIT::get)).startsWith(target + " ");
    }
  }
}
