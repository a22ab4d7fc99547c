package dev.baton.agent.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.agent.Agent;
import dev.baton.agent.TestNodes;
import dev.baton.core.store.Event;
import dev.baton.core.store.Snapshot;
import dev.baton.core.store.Store;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicReference;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Generated requests (methods, paths, query parameters, headers, bodies) thrown at the API of a real
 * agent on a SQLite store: every answer is a success or a 4xx with {@code {"error": ...}}, never a
 * 5xx or a hang, and a refused request changes nothing in the store.
 */
class HttpFuzzTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static Path dir;
  static Agent agent;
  static Store store;
  static int port;

  @BeforeContainer
  static void startAnAgent() throws IOException {
    dir = Files.createTempDirectory("baton-http-fuzz");
    agent = TestNodes.agent(TestNodes.config(dir, "node-a", "sleep 600"));
    agent.start();
    String address = agent.apiAddress();
    port = Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
    store = TestNodes.store(dir);
    await().atMost(Duration.ofSeconds(10)).until(() -> store.snapshot().ownerships().containsKey(
        dev.baton.core.ServiceName.of("svc")));
  }

  @AfterContainer
  static void stopTheAgent() throws Exception {
    store.close();
    agent.stop();
  }

  /** One request as it goes on the wire. */
  record Request(String method, String target, String accept, String body) {
    byte[] bytes() {
      byte[] b = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
      String head = method + " " + target + " HTTP/1.1\r\nHost: fuzz\r\nConnection: close\r\n"
          + (accept == null ? "" : "Accept: " + accept + "\r\n")
          + (body == null ? "" : "Content-Type: application/json\r\nContent-Length: " + b.length + "\r\n") + "\r\n";
      byte[] h = head.getBytes(StandardCharsets.UTF_8);
      byte[] all = new byte[h.length + b.length];
      System.arraycopy(h, 0, all, 0, h.length);
      System.arraycopy(b, 0, all, h.length, b.length);
      return all;
    }
  }

  record Answer(int status, String head, String body) {}

  @Property(tries = 200)
  void everyAnswerIsASuccessOrA4xxJsonErrorAndAnErrorChangesNothing(@ForAll("requests") Request request)
      throws Exception {
    check(request);
  }

  @Property(tries = 150)
  void everyBodyToARouteThatTakesOneIsASuccessOrA4xxJsonErrorAndAnErrorChangesNothing(
      @ForAll("bodyRequests") Request request) throws Exception {
    check(request);
  }

  /**
   * Whether the last request was a change that succeeded: the agent acts on it after answering (a
   * drain releases the service, say), so the store is let settle before the next one is judged.
   */
  static boolean acting;

  static void check(Request request) throws Exception {
    if (acting) {
      awaitSettled();
      acting = false;
    }
    State before = state();
    Answer answer = send(request);
    acting = answer.status() < 400 && !request.method().equals("GET") && !request.method().equals("HEAD");
    String what = request.method() + " " + request.target() + " " + request.body() + " -> " + answer.status() + " "
        + answer.body();
    boolean loadBalancerNo = answer.status() == 503 && request.target().matches("/v1/services/[^/?]+/active.*");
    assertThat(answer.status() < 500 || loadBalancerNo).as(what).isTrue();
    // A load balancer's "not here" is a 503 with the service's state, not an error.
    if (answer.status() >= 400 && !loadBalancerNo && !request.method().equals("HEAD")) {
      assertThat(answer.head().toLowerCase(Locale.ROOT)).as(what).contains("content-type: application/json");
      JsonNode error = JSON.readTree(answer.body());
      assertThat(error.size()).as(what).isEqualTo(1);
      assertThat(error.path("error").asText()).as(what).isNotBlank()
          .doesNotContain("com.fasterxml", "org.eclipse", "io.javalin", "Exception", "line:", "column:");
      assertThat(error.path("error").asText().length()).as(what).isLessThan(1000);
    }
    if (answer.status() >= 400 && !loadBalancerNo) {
      assertThat(state()).as("the store after " + what).isEqualTo(before);
    }
  }

  /** Waits until the store has not changed for 600 ms. */
  static void awaitSettled() {
    AtomicReference<State> last = new AtomicReference<>(state());
    await("the store settled after a change").atMost(Duration.ofSeconds(20)).during(Duration.ofMillis(600))
        .pollInterval(Duration.ofMillis(100)).until(() -> {
          State now = state();
          return now.equals(last.getAndSet(now));
        });
  }

  /** What a request could change: the settings, the ownerships and the event log. */
  record State(Object settings, Object ownerships, long lastEvent) {}

  static State state() {
    Snapshot s = store.snapshot();
    List<Event> events = store.events(0, 100_000);
    return new State(s.settings(), s.ownerships(), events.isEmpty() ? 0 : events.get(events.size() - 1).seq());
  }

  static Answer send(Request request) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(10_000); // a hang fails the property
      socket.getOutputStream().write(request.bytes());
      socket.getOutputStream().flush();
      InputStream in = socket.getInputStream();
      ByteArrayOutputStream head = new ByteArrayOutputStream();
      while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
        int c = in.read();
        if (c < 0) {
          break;
        }
        head.write(c);
      }
      String h = head.toString(StandardCharsets.ISO_8859_1);
      assertThat(h).as("an answer to " + request).startsWith("HTTP/1.1 ");
      int status = Integer.parseInt(h.substring(9, 12));
      if (h.toLowerCase(Locale.ROOT).contains("content-type: text/event-stream") || request.method().equals("HEAD")) {
        return new Answer(status, h, "");
      }
      return new Answer(status, h, new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
  }

  @Provide
  Arbitrary<Request> requests() {
    Arbitrary<String> method = Arbitraries.of("GET", "GET", "POST", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS");
    Arbitrary<String> name = Arbitraries.oneOf(Arbitraries.of("svc", "node-a", "node-b", "nope", "Bad", "..", "%2e%2e",
            "%ZZ", "%", "a%00b", "%C3", "%E2%9C%93", "x".repeat(70), "a+b", "%0a", "%1b[2J", ""),
        Arbitraries.strings().withChars("abcXYZ019._-%~!$&'()*+,;=:@").ofMaxLength(20));
    Arbitrary<String> path = Arbitraries.oneOf(
        Arbitraries.of("/v1/status", "/v1/events", "/v1/events/stream", "/v1/reports", "/v1/stop", "/", "/v1",
            "/v2/status", "/v1/status/", "//v1//status"),
        name.map(n -> "/v1/services/" + n),
        Combinators.combine(name, Arbitraries.of("active", "heartbeat", "clear", "move", "disable", "enable", "ranking",
            "restart", "resolve", "x")).as((n, verb) -> "/v1/services/" + n + "/" + verb),
        Combinators.combine(name, Arbitraries.of("drain", "undrain", "x")).as((n, verb) -> "/v1/nodes/" + n + "/" + verb));
    Arbitrary<String> param = Combinators.combine(
        Arbitraries.of("since", "service", "limit", "node", "type", "from", "x", "", "%ZZ", "since"),
        Arbitraries.oneOf(Arbitraries.of("0", "1", "-1", "1000", "1001", "99999999999999999999", "svc", "node-a", "Bad",
            "%ZZ", "%", "%C3", "%0a", "", "abc", "node.joined", "node.lost,service.started", "node.lost,",
            "eu/paris", "eu//paris", "/"), Arbitraries.strings().withChars("az09%+&=").ofMaxLength(8)))
        .as((k, v) -> k + "=" + v);
    Arbitrary<String> query = Arbitraries.oneOf(Arbitraries.just(""),
        param.list().ofMinSize(1).ofMaxSize(3).map(l -> "?" + String.join("&", l)));
    Arbitrary<String> accept = Arbitraries.of(null, "application/json", "text/event-stream", "*/*", "text/html");
    return Combinators.combine(method, path, query, accept, bodies())
        // Stopping the agent is a success, but it would end the run.
        .filter((m, p, q, a, b) -> !(m.equals("POST") && p.equals("/v1/stop")))
        .as((m, p, q, a, b) -> new Request(m, p + q, a, b));
  }

  @Provide
  Arbitrary<Request> bodyRequests() {
    return Combinators.combine(Arbitraries.of("POST /v1/reports", "POST /v1/services/svc/move",
        "PUT /v1/services/svc/ranking", "POST /v1/services/nope/move"), bodies())
        .as((route, body) -> new Request(route.substring(0, route.indexOf(' ')), route.substring(route.indexOf(' ') + 1),
            null, body));
  }

  /** Bodies: none, JSON-like values of the API's shapes, mutated ones, junk, deep nesting. */
  static Arbitrary<String> bodies() {
    Arbitrary<String> text = Arbitraries.oneOf(Arbitraries.of("node-a", "node-b", "svc", "disk-full", "Bad Name",
        "a\nb", "\u001b[31m", "\u0000", "x".repeat(3000), "✓"), Arbitraries.strings().ofMaxLength(10));
    Arbitrary<String> scalar = Arbitraries.oneOf(text.map(HttpFuzzTest::quote), Arbitraries.of("1", "-0", "1e999",
        "null", "true", "[]", "{}", "[\"node-a\",\"node-a\"]", "[\"node-b\",5]", "9".repeat(1200)));
    Arbitrary<String> member = Combinators.combine(Arbitraries.of("to", "ranking", "condition", "service", "detail", "x",
        ""), scalar).as((k, v) -> quote(k) + ":" + v);
    Arbitrary<String> object = member.list().ofMaxSize(4).map(l -> "{" + String.join(",", l) + "}");
    Arbitrary<String> mutated = Combinators.combine(object, Arbitraries.of("", " ", "x", "}", "{}", "[", ",", "\"",
        "\u0000", "{\"to\":\"node-a\"}"), Arbitraries.integers().between(0, 3))
        .as((o, junk, how) -> switch (how) {
          case 0 -> o + junk;
          case 1 -> o.substring(0, o.length() / 2);
          case 2 -> junk + o;
          default -> o;
        });
    Arbitrary<String> deep = Arbitraries.integers().between(10, 3000).map(n -> "[".repeat(n) + "]".repeat(n));
    return Arbitraries.oneOf(Arbitraries.just(null), object, mutated, deep, Arbitraries.strings().ofMaxLength(40));
  }

  static String quote(String s) {
    try {
      return JSON.writeValueAsString(s);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
