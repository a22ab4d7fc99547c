package dev.baton.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Follows the service's events on {@code /v1/events/stream} of one agent after another, on a
 * daemon thread of its own, and hands each event (its JSON) to a consumer. When a stream breaks or
 * an agent does not answer it goes on with the next agent after a pause, from the last event it
 * got. A stream silent for {@link #STALL} (the agent sends a comment every 15 s; a paused agent
 * sends nothing) is closed and followed elsewhere. Closing the watch ends its threads.
 */
final class EventWatch implements AutoCloseable {
  static final String TYPES = "service.claimed,service.started,service.stopped,service.released";
  private static final Duration PAUSE = Duration.ofSeconds(1);
  static final Duration STALL = Duration.ofSeconds(45);

  private final HttpClient http;
  private final Function<URI, HttpRequest.Builder> requests;
  private final Agents agents;
  private final String service;
  private final ObjectMapper json;
  private final Consumer<JsonNode> onEvent;
  private final Thread thread;
  private final Thread stallCheck;
  private volatile long lastLineNanos = System.nanoTime();
  private volatile boolean closed;
  private volatile InputStream open;
  private long since;

  /** {@code requests}: a request to an agent, with the client's token. */
  EventWatch(HttpClient http, Function<URI, HttpRequest.Builder> requests, Agents agents, String service,
      ObjectMapper json, Consumer<JsonNode> onEvent) {
    this.http = http;
    this.requests = requests;
    this.agents = agents;
    this.service = service;
    this.json = json;
    this.onEvent = onEvent;
    this.thread = new Thread(this::run, "baton-client-events-" + service);
    thread.setDaemon(true);
    this.stallCheck = new Thread(this::checkStalls, "baton-client-events-stall-" + service);
    stallCheck.setDaemon(true);
  }

  void start() {
    thread.start();
    stallCheck.start();
  }

  /** Closes a stream that has been silent for longer than {@link #STALL}: its reader moves on. */
  private void checkStalls() {
    while (!closed) {
      try {
        Thread.sleep(1000);
      } catch (InterruptedException e) {
        return;
      }
      InputStream body = open;
      if (body != null && System.nanoTime() - lastLineNanos > STALL.toNanos()) {
        try {
          body.close();
        } catch (IOException e) {
          // closed anyway
        }
      }
    }
  }

  private void run() {
    while (!closed) {
      for (URI base : agents.inOrder()) {
        if (closed) {
          return;
        }
        try {
          follow(base);
        } catch (IOException | RuntimeException e) {
          // this agent is down or the stream broke: the next one
        } catch (InterruptedException e) {
          return;
        }
      }
      try {
        Thread.sleep(PAUSE.toMillis());
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /** Reads the stream of {@code base} until it ends. */
  private void follow(URI base) throws IOException, InterruptedException {
    URI uri = base.resolve("/v1/events/stream?service=" + URLEncoder.encode(service, StandardCharsets.UTF_8)
        + "&type=" + TYPES + "&since=" + since);
    HttpResponse<InputStream> r = http.send(requests.apply(uri).header("Accept", "text/event-stream")
        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofInputStream());
    try (InputStream body = r.body()) {
      if (r.statusCode() != 200) {
        return;
      }
      lastLineNanos = System.nanoTime();
      open = body;
      if (closed) {
        return;
      }
      BufferedReader lines = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8));
      String line;
      while (!closed && (line = lines.readLine()) != null) {
        lastLineNanos = System.nanoTime();
        if (line.startsWith("id:")) {
          since = Math.max(since, Long.parseLong(line.substring(3).strip()));
        } else if (line.startsWith("data:")) {
          onEvent.accept(json.readTree(line.substring(5).strip()));
        }
      }
    } finally {
      open = null;
    }
  }

  @Override
  public void close() {
    closed = true;
    thread.interrupt();
    stallCheck.interrupt();
    InputStream body = open;
    if (body != null) {
      try {
        body.close();
      } catch (IOException e) {
        // closing anyway
      }
    }
  }
}
