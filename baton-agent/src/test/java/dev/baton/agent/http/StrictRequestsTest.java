package dev.baton.agent.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.agent.Agent;
import dev.baton.agent.TestNodes;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a hostile client sends, against two real agents: every refusal is the right status with
 * {@code {"error": ...}} quoting at most a short prefix of the input and nothing of the parser, and
 * nothing changes.
 */
class StrictRequestsTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  @TempDir static Path dir;
  static Agent a;
  static Agent b;

  @BeforeAll
  static void startTwoAgents() {
    a = TestNodes.agent(TestNodes.config(dir, "node-a", "sleep 600"));
    a.start();
    await().atMost(Duration.ofSeconds(10)).until(() -> HttpApiTest.get(a, "/v1/services/svc").path("owner").asText().equals("node-a"));
    b = TestNodes.agent(TestNodes.config(dir, "node-b", "sleep 600"));
    b.start();
    await().atMost(Duration.ofSeconds(10)).until(() -> HttpApiTest.get(a, "/v1/services/svc").path("providers").size() == 2);
  }

  @AfterAll
  static void stopAgents() {
    b.stop();
    a.stop();
  }

  static HttpResponse<String> send(String method, String path, String body, String... headers) throws Exception {
    HttpRequest.Builder r = HttpRequest.newBuilder(URI.create("http://" + a.apiAddress() + path))
        .timeout(Duration.ofSeconds(10))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (headers.length > 0) {
      r.headers(headers);
    }
    return HTTP.send(r.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The error of a refused request: the status, a JSON body with only "error", short and free of parser internals. */
  static String error(HttpResponse<String> r, int status) throws Exception {
    assertThat(r.statusCode()).as(r.request().method() + " " + r.request().uri() + ": " + r.body()).isEqualTo(status);
    assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("application/json");
    JsonNode body = JSON.readTree(r.body());
    assertThat(body.size()).isEqualTo(1);
    String error = body.path("error").asText();
    assertThat(error).isNotEmpty().doesNotContain("com.fasterxml", "jackson", "Jackson", "line:", "column:", "Source:",
        "org.eclipse", "io.javalin", "Exception");
    assertThat(error.length()).as(error).isLessThan(700);
    return error;
  }

  static String moveState() throws Exception {
    JsonNode svc = HttpApiTest.ok(a, "/v1/services/svc");
    return svc.path("owner").asText() + "@" + svc.path("epoch").asLong() + " moving " + svc.path("moving").asText()
        + " events " + HttpApiTest.ok(a, "/v1/events?limit=1000").path("events").size();
  }

  @Test
  void aBodyWithTrailingTextOrTwoDocumentsIsRefusedAndNoMoveStarts() throws Exception {
    String before = moveState();
    assertThat(error(send("POST", "/v1/services/svc/move", "{\"to\": \"node-b\"} trailing"), 400))
        .contains("more after its JSON document");
    assertThat(error(send("POST", "/v1/services/svc/move", "{\"to\": \"node-b\"}{\"to\": \"node-b\"}"), 400))
        .contains("more after its JSON document");
    assertThat(error(send("POST", "/v1/reports", "{\"condition\": \"disk-full\"} []"), 400))
        .contains("more after its JSON document");
    assertThat(moveState()).isEqualTo(before);
  }

  @Test
  void aDuplicateKeyIsRefusedNotTakenAsTheLastValue() throws Exception {
    String before = moveState();
    assertThat(error(send("POST", "/v1/services/svc/move", "{\"to\": \"node-a\", \"to\": \"node-b\"}"), 400))
        .contains("the key \"to\" twice");
    assertThat(moveState()).isEqualTo(before);
  }

  @Test
  void deepNestingIsRefused() throws Exception {
    assertThat(error(send("PUT", "/v1/services/svc/ranking", "{\"ranking\": " + "[".repeat(5000) + "]".repeat(5000) + "}"),
        400)).contains("nested more than 16 levels");
  }

  @Test
  void errorsQuoteAShortPrefixOfTheBadInput() throws Exception {
    String name = "N".repeat(60_000);
    String error = error(send("POST", "/v1/services/svc/move", "{\"to\": \"" + name + "\"}"), 400);
    assertThat(error).contains("invalid node name \"" + "N".repeat(64) + "…\"");
    assertThat(error(send("POST", "/v1/reports", "{\"condition\": \"x\", \"" + name.substring(0, 1000) + "\": 1}"), 400))
        .contains("unknown field \"" + "N".repeat(64) + "…\"");
    assertThat(error(send("POST", "/v1/reports", "{\"condition\": \"x\", \"" + name + "\": 1}"), 400))
        .contains("a key longer than 1024 characters");
    assertThat(error(send("POST", "/v1/services/svc/move", "{\"to\": tru" + "e".repeat(50_000) + "}"), 400))
        .contains("not valid JSON at character");
    assertThat(error(send("GET", "/v1/events?limit=" + "9".repeat(3000), null), 400)).contains("invalid limit \"999");
  }

  @Test
  void aWrongMethodOnAKnownPathIs405WithAllow() throws Exception {
    HttpResponse<String> r = send("DELETE", "/v1/status", null);
    assertThat(error(r, 405)).startsWith("DELETE is not allowed on /v1/status; it takes GET");
    assertThat(r.headers().firstValue("Allow")).hasValue("GET");
    assertThat(error(send("GET", "/v1/services/svc/move", null), 405)).contains("it takes POST");
    assertThat(error(send("POST", "/v1/events/stream", null), 405)).contains("it takes GET");
    assertThat(error(send("GET", "/v1/nope", null), 404)).startsWith("no such resource: GET /v1/nope");
  }

  @Test
  void malformedOrUnknownQueryParametersAre400() throws Exception {
    String zz = raw("GET /v1/events?service=%ZZ HTTP/1.1\r\nHost: x\r\n\r\n");
    assertThat(zz).startsWith("HTTP/1.1 400 ");
    assertThat(jsonError(zz)).contains("malformed percent-escape \"%ZZ\"");
    assertThat(error(send("GET", "/v1/events?service=%C3", null), 400)).contains("does not decode to UTF-8");
    assertThat(error(send("GET", "/v1/status?verbose=1&x=2", null), 400))
        .contains("unknown query parameters \"verbose\", \"x\" on /v1/status; it takes none");
    assertThat(error(send("GET", "/v1/events?since=1&since=2", null), 400)).contains("\"since\" is given more than once");
    assertThat(error(send("POST", "/v1/services/svc/disable?force=yes", null), 400)).contains("unknown query parameter \"force\"");
    assertThat(HttpApiTest.ok(a, "/v1/services/svc").path("disabled").asBoolean()).isFalse();
  }

  @Test
  void anInvalidNodeOnClearIs400LikeEverywhereElse() throws Exception {
    assertThat(error(send("POST", "/v1/services/svc/clear?node=Bad%20Node", null), 400))
        .startsWith("invalid node name \"Bad Node\"");
    assertThat(error(send("POST", "/v1/services/svc/clear?node=node-z", null), 404)).contains("node node-z has no provider of and no decision about svc");
  }

  @Test
  void theEventStreamWithoutAcceptIs406() throws Exception {
    assertThat(error(send("GET", "/v1/events/stream", null), 406)).contains("Accept: text/event-stream");
    assertThat(error(send("GET", "/v1/events/stream", null, "Accept", "application/json"), 406))
        .contains("got \"application/json\"");
  }

  @Test
  void aReportDetailWithControlCharactersIsRefusedAndNotRecorded() throws Exception {
    String before = moveState();
    for (String detail : new String[] {"97%\\n     42  2026-12-05T00:00:00Z  node.fenced", "a\\u0000b", "\\u001b[2J\\u001b[31mred",
        "tab\\there", "c1\\u009b"}) {
      assertThat(error(send("POST", "/v1/reports", "{\"condition\": \"disk-full\", \"detail\": \"" + detail + "\"}"), 400))
          .as(detail).contains("the report's detail holds a control character (\\");
    }
    assertThat(moveState()).isEqualTo(before);
    assertThat(send("POST", "/v1/reports", "{\"condition\": \"disk-full\", \"detail\": \"/var at 97% – ✓\"}").statusCode())
        .isEqualTo(202);
  }

  @Test
  void jettysOwnErrorsAreJsonToo() throws Exception {
    String uri = raw("GET /v1/status?x=" + "a".repeat(10_000) + " HTTP/1.1\r\nHost: x\r\n\r\n");
    assertThat(uri).startsWith("HTTP/1.1 414 ");
    assertThat(jsonError(uri)).contains("URI is too long");
    String headers = raw("GET /v1/status HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(10_000) + "\r\n\r\n");
    assertThat(headers).startsWith("HTTP/1.1 431 ");
    assertThat(jsonError(headers)).contains("headers are too large");
    String bad = raw("GET /v1/status HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n");
    assertThat(bad).startsWith("HTTP/1.1 400 ");
    assertThat(jsonError(bad)).startsWith("bad request");
    String badPath = raw("GET /v1/services/%ZZ HTTP/1.1\r\nHost: x\r\n\r\n");
    assertThat(badPath).startsWith("HTTP/1.1 400 ");
    assertThat(jsonError(badPath)).startsWith("bad request");
    // Found by HttpFuzzTest: Jetty passes this one on, and Javalin's decoding of the path parameter failed (a 500).
    String badParam = raw("GET /v1/services/;% HTTP/1.1\r\nHost: x\r\n\r\n");
    assertThat(badParam).startsWith("HTTP/1.1 400 ");
    assertThat(jsonError(badParam)).startsWith("malformed percent-escape in the path");
  }

  private static String jsonError(String response) throws IOException {
    String head = response.substring(0, response.indexOf("\r\n\r\n")).toLowerCase();
    assertThat(head).contains("content-type: application/json");
    return JSON.readTree(response.substring(response.indexOf("\r\n\r\n") + 4)).path("error").asText();
  }

  /** Sends {@code request} as it is and reads the whole answer (the agent closes the connection after an error). */
  private static String raw(String request) throws IOException {
    String address = a.apiAddress();
    try (Socket socket = new Socket("127.0.0.1", Integer.parseInt(address.substring(address.lastIndexOf(':') + 1)))) {
      socket.setSoTimeout(10_000);
      socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
      socket.getOutputStream().flush();
      InputStream in = socket.getInputStream();
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      byte[] buf = new byte[4096];
      try {
        for (int n; (n = in.read(buf)) > 0; ) {
          out.write(buf, 0, n);
          String s = out.toString(StandardCharsets.UTF_8);
          int end = s.indexOf("\r\n\r\n");
          int length = s.toLowerCase().indexOf("content-length: ");
          if (end > 0 && length > 0 && length < end) {
            int cl = Integer.parseInt(s.substring(length + 16, s.indexOf("\r\n", length)).trim());
            if (out.size() >= end + 4 + cl) {
              break;
            }
          }
        }
      } catch (IOException e) {
        // closed after the answer
      }
      return out.toString(StandardCharsets.UTF_8);
    }
  }
}
