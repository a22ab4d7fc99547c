package dev.baton.cli;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.api.ErrorResponse;
import dev.baton.api.StatusResponse;
import dev.baton.core.BatonException;
import dev.baton.core.InvalidInputException;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** A client of one agent's {@code /v1} API. */
public final class BatonClient {
  /** The agent did not answer. */
  static final class UnreachableException extends BatonException {
    UnreachableException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper()
      .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
  private final URI base;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  public BatonClient(String url) {
    String u = url.contains("://") ? url : "http://" + url;
    try {
      URI uri = new URI(u.endsWith("/") ? u.substring(0, u.length() - 1) : u);
      if (!"http".equals(uri.getScheme()) || uri.getHost() == null || uri.getPort() < 0) {
        throw new URISyntaxException(url, "expected http://HOST:PORT");
      }
      this.base = uri;
    } catch (URISyntaxException e) {
      throw new InvalidInputException("invalid --api \"" + url + "\"; expected http://HOST:PORT, e.g. http://127.0.0.1:7070");
    }
  }

  URI base() {
    return base;
  }

  public StatusResponse status() {
    return JSON.convertValue(readTree(get("/v1/status")), StatusResponse.class);
  }

  /** The raw JSON of {@code GET path}, exactly as the agent sent it. */
  String get(String path) {
    return send(HttpRequest.newBuilder(base.resolve(path)).GET());
  }

  String put(String path) {
    return send(HttpRequest.newBuilder(base.resolve(path)).PUT(HttpRequest.BodyPublishers.noBody()));
  }

  String post(String path) {
    return send(HttpRequest.newBuilder(base.resolve(path)).POST(HttpRequest.BodyPublishers.noBody()));
  }

  /** {@code POST path} with a JSON body; the raw JSON answer. */
  String post(String path, Object body) {
    return send("POST", path, body);
  }

  /** An operator verb: {@code method path} with {@code body} as JSON (none when null). */
  public dev.baton.api.OperatorResponse operator(String method, String path, Object body) {
    return JSON.convertValue(readTree(send(method, path, body)), dev.baton.api.OperatorResponse.class);
  }

  private String send(String method, String path, Object body) {
    try {
      return send(HttpRequest.newBuilder(base.resolve(path)).header("Content-Type", "application/json")
          .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
              : HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body))));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new BatonException("cannot write the request as JSON: " + e.getMessage(), e);
    }
  }

  /** A page of {@code GET /v1/events}. */
  dev.baton.api.EventsResponse events(String query) {
    return JSON.convertValue(readTree(get("/v1/events?" + query)), dev.baton.api.EventsResponse.class);
  }

  /**
   * Reads the Server-Sent Events of {@code path} and hands each event's data to {@code onData}
   * until the agent ends the stream (then returns) or the thread is interrupted.
   */
  void stream(String path, java.util.function.Consumer<String> onData) {
    HttpResponse<java.util.stream.Stream<String>> response;
    try {
      response = http.send(HttpRequest.newBuilder(base.resolve(path)).header("Accept", "text/event-stream").GET()
          .build(), HttpResponse.BodyHandlers.ofLines());
    } catch (IOException e) {
      throw new UnreachableException("cannot reach the agent at " + base + " (" + e.getClass().getSimpleName()
          + (e.getMessage() == null ? "" : ": " + e.getMessage()) + "); is `baton agent` running there? Set --api or BATON_API", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UnreachableException("interrupted", e);
    }
    try (java.util.stream.Stream<String> lines = response.body()) {
      if (response.statusCode() >= 400) {
        String body = String.join("\n", lines.toList());
        String message;
        try {
          message = JSON.readValue(body, ErrorResponse.class).error();
        } catch (IOException e) {
          message = body;
        }
        throw new BatonException(base + " answered " + response.statusCode() + ": " + message);
      }
      lines.filter(line -> line.startsWith("data:")).map(line -> line.substring(5).strip()).forEach(onData);
    } catch (java.io.UncheckedIOException e) {
      throw new UnreachableException("the event stream from " + base + " broke: " + e.getCause().getMessage(), e);
    }
  }

  private String send(HttpRequest.Builder request) {
    HttpResponse<String> response;
    try {
      response = http.send(request.timeout(Duration.ofSeconds(5)).header("Accept", "application/json").build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UnreachableException("cannot reach the agent at " + base + " (" + e.getClass().getSimpleName()
          + (e.getMessage() == null ? "" : ": " + e.getMessage()) + "); is `baton agent` running there? Set --api or BATON_API", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UnreachableException("interrupted", e);
    }
    if (response.statusCode() >= 400) {
      String message;
      try {
        message = JSON.readValue(response.body(), ErrorResponse.class).error();
      } catch (IOException e) {
        message = response.body();
      }
      String text = base + " answered " + response.statusCode() + ": " + message;
      throw switch (response.statusCode()) {
        case 400 -> new InvalidInputException(text);
        case 409 -> new dev.baton.core.ConflictException(text);
        default -> new BatonException(text);
      };
    }
    return response.body();
  }

  private static com.fasterxml.jackson.databind.JsonNode readTree(String body) {
    try {
      return JSON.readTree(body);
    } catch (IOException e) {
      throw new BatonException("the agent sent something that is not JSON: " + e.getMessage(), e);
    }
  }
}
