package dev.baton.client.example;

import dev.baton.client.ServiceClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.LocalTime;
import java.util.Arrays;
import java.util.List;

/**
 * A small program that follows a service through failovers: it asks the service's active
 * endpoint for {@code PATH} over HTTP once a second and prints who answered.
 *
 * <pre>
 * java -cp baton-client.jar:baton-api.jar:jackson-*.jar dev.baton.client.example.FollowService \
 *     SERVICE AGENT[,AGENT...] [LOCATION] [PATH]
 * </pre>
 *
 * e.g. {@code FollowService web 10.0.0.5:7070,10.0.0.6:7070 eu/paris /}. Stop it with Ctrl-C.
 */
public final class FollowService {
  private FollowService() {}

  public static void main(String[] args) throws InterruptedException {
    if (args.length < 2 || args.length > 4) {
      System.err.println("usage: FollowService SERVICE AGENT[,AGENT...] [LOCATION] [PATH]");
      System.err.println("  e.g. FollowService web 10.0.0.5:7070,10.0.0.6:7070 eu/paris /");
      return;
    }
    List<String> agents = Arrays.asList(args[1].split(","));
    String path = args.length > 3 ? args[3] : "/";
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    try (ServiceClient client = ServiceClient.builder(args[0]).agents(agents)
        .location(args.length > 2 ? args[2] : null).build()) {
      while (true) {
        try {
          String answer = client.call(e -> {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://" + e.address() + path))
                .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() >= 500) {
              throw new IllegalStateException(e + " answered " + r.statusCode());
            }
            return e + ": " + r.statusCode() + " " + r.body().strip();
          });
          System.out.println(LocalTime.now() + "  " + answer);
        } catch (RuntimeException e) {
          System.out.println(LocalTime.now() + "  failed: " + e.getMessage());
        }
        Thread.sleep(1000);
      }
    }
  }
}
