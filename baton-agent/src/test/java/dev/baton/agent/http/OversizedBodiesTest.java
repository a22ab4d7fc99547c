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
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Uploads far larger than any request of the API, chunked (no Content-Length), against a real
 * agent that owns a service: each is refused with a 413 after the first 64 KiB, and the owner keeps
 * its session, its service and its epoch throughout (renewals do not depend on the HTTP server).
 */
class OversizedBodiesTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final long UPLOAD = 300L * 1024 * 1024;
  @TempDir static Path dir;
  static Agent a;

  @BeforeAll
  static void startAnOwner() {
    a = TestNodes.agent(TestNodes.config(dir, "node-a", "sleep 600"));
    a.start();
    await().atMost(Duration.ofSeconds(10)).until(() -> HttpApiTest.get(a, "/v1/services/svc/active").path("active").asBoolean());
  }

  @AfterAll
  static void stop() {
    a.stop();
  }

  @Test
  void aChunkedBodyPastTheBoundIsA413JsonErrorAndTheConnectionIsClosed() throws Exception {
    try (Socket socket = new Socket("127.0.0.1", port())) {
      socket.setSoTimeout(10_000);
      AtomicLong sent = new AtomicLong();
      Thread writer = new Thread(() -> {
        try {
          OutputStream out = socket.getOutputStream();
          out.write(("POST /v1/reports HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
              + "Transfer-Encoding: chunked\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
          byte[] chunk = ("2000\r\n" + "x".repeat(0x2000) + "\r\n").getBytes(StandardCharsets.US_ASCII);
          while (sent.get() < UPLOAD) {
            out.write(chunk);
            sent.addAndGet(0x2000);
          }
        } catch (IOException e) {
          // the agent closed the connection: what it should do
        }
      }, "chunked-writer");
      writer.setDaemon(true);
      writer.start();
      String response = readResponse(socket.getInputStream());
      assertThat(response).startsWith("HTTP/1.1 413 ");
      assertThat(response.toLowerCase()).contains("connection: close");
      String body = response.substring(response.indexOf("\r\n\r\n") + 4);
      assertThat(JSON.readTree(body).path("error").asText()).contains("at most 65536 bytes");
      writer.join(10_000);
      assertThat(writer.isAlive()).as("the agent stopped taking the upload").isFalse();
      assertThat(sent.get()).as("bytes written before the agent closed the connection").isLessThan(UPLOAD / 10);
    }
  }

  @Test
  void aDeclaredLengthPastTheBoundIsRefusedUnread() throws Exception {
    try (Socket socket = new Socket("127.0.0.1", port())) {
      socket.setSoTimeout(10_000);
      socket.getOutputStream().write(("POST /v1/services/svc/move HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000000\r\n\r\n{")
          .getBytes(StandardCharsets.US_ASCII));
      String response = readResponse(socket.getInputStream());
      assertThat(response).startsWith("HTTP/1.1 413 ");
      assertThat(response).contains("{\"error\":\"the request body is 2000000000 bytes; the API takes at most 65536");
    }
  }

  @Test
  void fourConcurrentUploadsOfHundredsOfMegabytesLeaveTheOwnerItsServiceAndEpoch() throws Exception {
    JsonNode before = HttpApiTest.ok(a, "/v1/services/svc");
    long eventsBefore = lastSeq();
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    List<AtomicLong> pulled = new ArrayList<>();
    List<CompletableFuture<String>> uploads = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      AtomicLong count = new AtomicLong();
      pulled.add(count);
      HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + a.apiAddress() + "/v1/reports"))
          .timeout(Duration.ofSeconds(30))
          .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new Generated(UPLOAD, count))).build();
      uploads.add(http.sendAsync(request, HttpResponse.BodyHandlers.ofString())
          .handle((r, e) -> e != null ? "closed: " + e : r.statusCode() + " " + r.body()));
    }
    for (CompletableFuture<String> upload : uploads) {
      String outcome = upload.get(60, TimeUnit.SECONDS);
      // Either the 413 came back, or the client saw the connection closed while it was still sending.
      assertThat(outcome).matches("(?s)413 \\{\"error\":.*|closed: .*");
    }
    for (AtomicLong count : pulled) {
      assertThat(count.get()).as("bytes the client generated before the agent stopped it").isLessThan(UPLOAD / 4);
    }
    JsonNode after = HttpApiTest.ok(a, "/v1/services/svc");
    assertThat(after.path("owner").asText()).isEqualTo("node-a");
    assertThat(after.path("epoch").asLong()).isEqualTo(before.path("epoch").asLong());
    assertThat(HttpApiTest.get(a, "/v1/services/svc/active").path("active").asBoolean()).isTrue();
    assertThat(a.state()).isEqualTo(Agent.State.RUNNING);
    JsonNode events = HttpApiTest.ok(a, "/v1/events?since=" + eventsBefore).path("events");
    assertThat(events.findValuesAsText("type")).as("nothing happened to the node or its service: " + events)
        .doesNotContain("node.fenced", "node.lost", "service.stopped", "service.claimed", "report.received");
  }

  private static int port() {
    String address = a.apiAddress();
    return Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
  }

  private static long lastSeq() throws Exception {
    long seq = 0;
    for (JsonNode e : HttpApiTest.ok(a, "/v1/events?limit=1000").path("events")) {
      seq = e.path("seq").asLong();
    }
    return seq;
  }

  /** Reads one response: the head, then the body by its Content-Length. */
  private static String readResponse(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        break;
      }
      head.write(b);
    }
    String h = head.toString(StandardCharsets.ISO_8859_1);
    int length = 0;
    for (String line : h.split("\r\n")) {
      if (line.toLowerCase().startsWith("content-length:")) {
        length = Integer.parseInt(line.substring(15).trim());
      }
    }
    return h + new String(in.readNBytes(length), StandardCharsets.UTF_8);
  }

  /** {@code size} bytes of a report that never ends, made as they are read (never held). */
  static final class Generated extends InputStream {
    private final long size;
    private final AtomicLong count;

    Generated(long size, AtomicLong count) {
      this.size = size;
      this.count = count;
    }

    @Override
    public int read() {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0];
    }

    @Override
    public int read(byte[] b, int off, int len) {
      long left = size - count.get();
      if (left <= 0) {
        return -1;
      }
      int n = (int) Math.min(len, left);
      for (int i = 0; i < n; i++) {
        b[off + i] = count.get() + i == 0 ? (byte) '{' : (byte) 'x';
      }
      count.addAndGet(n);
      return n;
    }
  }
}
