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
final class BatonClient {
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

  BatonClient(String url) {
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

  StatusResponse status() {
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
      throw new BatonException(base + " answered " + response.statusCode() + ": " + message);
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
