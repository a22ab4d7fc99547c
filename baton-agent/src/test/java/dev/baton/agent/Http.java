package dev.baton.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;

/** A real HTTP client of an in-process agent's API. */
public final class Http {
  public static final ObjectMapper JSON = new ObjectMapper();
  public static final HttpClient CLIENT = HttpClient.newHttpClient();

  private Http() {}

  public static HttpResponse<String> get(Agent agent, String path) throws Exception {
    return CLIENT.send(HttpRequest.newBuilder(URI.create("http://" + agent.apiAddress() + path)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  public static HttpResponse<String> post(Agent agent, String path, String body) throws Exception {
    return CLIENT.send(HttpRequest.newBuilder(URI.create("http://" + agent.apiAddress() + path))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  public static JsonNode json(HttpResponse<String> response) throws Exception {
    return JSON.readTree(response.body());
  }

  /** Every event of the group, read through {@code GET /v1/events} of {@code agent}. */
  public static List<JsonNode> events(Agent agent) throws Exception {
    List<JsonNode> all = new ArrayList<>();
    JsonNode page = json(get(agent, "/v1/events?limit=1000"));
    page.path("events").forEach(all::add);
    return all;
  }

  public static List<JsonNode> events(Agent agent, String type) throws Exception {
    return events(agent).stream().filter(e -> e.path("type").asText().equals(type)).toList();
  }
}
