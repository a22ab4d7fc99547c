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
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A client of an agent's {@code /v1} API, given one or more agents of a group. It talks to the
 * first that answers and stays with it: when an agent cannot be reached (connection refused, or no
 * connection within 2 s; for a GET also no answer in time), it tries the next, and fails only when
 * none can be reached. Sends the group's token, when given, with every request.
 */
public final class BatonClient {
  /** No agent answered. */
  static final class UnreachableException extends BatonException {
    UnreachableException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** The agent refused the request for want of the right token (401). */
  static final class UnauthorizedException extends BatonException {
    UnauthorizedException(String message) {
      super(message);
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper()
      .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
  private final List<URI> bases;
  /** The index in {@link #bases} of the agent last reached (or to try first). */
  private volatile int current;
  private final String token;
  /** How long the agent may take to begin its answer to the event stream's request. */
  static final Duration HEADER_TIMEOUT = Duration.ofSeconds(5);
  /** How long a reload may take: the agent gives up applying one after 30 s. */
  static final Duration RELOAD_TIMEOUT = Duration.ofSeconds(40);
  private final HttpClient http;

  public BatonClient(String url) {
    this(List.of(url), null, null);
  }

  /**
   * A client of the agents at {@code urls}, tried in this order, sending {@code token} (none when null).
   *
   * @throws InvalidInputException for an address that is not {@code http://HOST:PORT}, or none
   */
  public BatonClient(List<String> urls, String token) {
    this(urls, token, null);
  }

  /**
   * As {@link #BatonClient(List, String)}, verifying {@code https://} agents with {@code tls} (null:
   * the JDK's certificate authorities).
   */
  public BatonClient(List<String> urls, String token, javax.net.ssl.SSLContext tls) {
    if (urls.isEmpty()) {
      throw new InvalidInputException("no agent address given; expected --api http://HOST:PORT[,http://HOST:PORT...]");
    }
    this.bases = urls.stream().map(BatonClient::uri).toList();
    this.token = token;
    HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2));
    this.http = (tls == null ? builder : builder.sslContext(tls)).build();
  }

  private static URI uri(String url) {
    String u = url.strip();
    u = u.contains("://") ? u : "http://" + u;
    try {
      URI uri = new URI(u.endsWith("/") ? u.substring(0, u.length() - 1) : u);
      boolean scheme = "http".equals(uri.getScheme()) || "https".equals(uri.getScheme());
      if (!scheme || uri.getHost() == null || uri.getPort() < 1 || uri.getPort() > 65535) {
        throw new URISyntaxException(url, "expected http://HOST:PORT");
      }
      return uri;
    } catch (URISyntaxException e) {
      throw new InvalidInputException("invalid --api \"" + Texts.prefix(url) + "\"; expected http://HOST:PORT (or https://)"
          + " with a port from 1 to 65535, e.g. http://127.0.0.1:7070 (several: comma separated)");
    }
  }

  /** The agent this client talks to now: the last one reached, or the first to try. */
  URI base() {
    return bases.get(current);
  }

  public StatusResponse status() {
    return JSON.convertValue(readTree(get("/v1/status")), StatusResponse.class);
  }

  /** {@code GET /v1/services/{service}/ranking}. */
  public dev.baton.api.RankingResponse ranking(String service) {
    return JSON.convertValue(readTree(get("/v1/services/" + service + "/ranking")), dev.baton.api.RankingResponse.class);
  }

  /** {@code GET /v1/services/{service}}. */
  public dev.baton.api.ServiceStatus service(String service) {
    return JSON.convertValue(readTree(get("/v1/services/" + service)), dev.baton.api.ServiceStatus.class);
  }

  /** The raw JSON of {@code GET path}, exactly as the agent sent it. */
  String get(String path) {
    return send(path, HttpRequest.Builder::GET, DEFAULT_TIMEOUT);
  }

  String put(String path) {
    return send(path, r -> r.PUT(HttpRequest.BodyPublishers.noBody()), DEFAULT_TIMEOUT);
  }

  String post(String path) {
    return send(path, r -> r.POST(HttpRequest.BodyPublishers.noBody()), DEFAULT_TIMEOUT);
  }

  /** {@code POST path} with a JSON body; the raw JSON answer. */
  String post(String path, Object body) {
    return send("POST", path, body);
  }

  /** An operator verb: {@code method path} with {@code body} as JSON (none when null). */
  public dev.baton.api.OperatorResponse operator(String method, String path, Object body) {
    return JSON.convertValue(readTree(send(method, path, body)), dev.baton.api.OperatorResponse.class);
  }

  /** {@code method path} with {@code body} as JSON (none when null); the raw JSON answer. */
  String send(String method, String path, Object body) {
    try {
      HttpRequest.BodyPublisher publisher = body == null ? HttpRequest.BodyPublishers.noBody()
          : HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body));
      return send(path, r -> r.header("Content-Type", "application/json").method(method, publisher), DEFAULT_TIMEOUT);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new BatonException("cannot write the request as JSON: " + e.getMessage(), e);
    }
  }

  /**
   * {@code POST /v1/reload}: the agent reads its config file again. It may wait for a reconciler
   * pass in progress (a slow store), so it is given longer than other requests.
   */
  public dev.baton.api.ReloadResponse reload() {
    return JSON.convertValue(readTree(send("/v1/reload", r -> r.POST(HttpRequest.BodyPublishers.noBody()),
        RELOAD_TIMEOUT)), dev.baton.api.ReloadResponse.class);
  }

  /** A page of {@code GET /v1/events}. */
  dev.baton.api.EventsResponse events(String query) {
    return JSON.convertValue(readTree(get("/v1/events?" + query)), dev.baton.api.EventsResponse.class);
  }

  /**
   * Reads the Server-Sent Events of {@code path} and hands each event's data to {@code onData}, on
   * the client's thread, until the agent ends the stream (then returns) or the thread is
   * interrupted (then returns too). The agent must answer within {@link #HEADER_TIMEOUT}, and the
   * stream must not be silent for longer than {@code stall} (the agent sends a keep-alive comment
   * every 15 s).
   *
   * @throws UnreachableException when the agent cannot be reached, does not answer, the stream
   *     breaks or stalls: worth trying again
   * @throws BatonException when the agent refuses the request (the message says why)
   */
  void stream(String path, java.util.function.Consumer<String> onData, Duration stall) {
    List<String> failures = new ArrayList<>();
    for (int tried = 0; ; tried++) {
      URI base = base();
      try {
        streamFrom(base, path, onData, stall);
        return;
      } catch (UnreachableException e) {
        if (!connectFailure(e.getCause())) {
          throw e;
        }
        failures.add(base + " (" + e.getCause().getClass().getSimpleName() + ")");
        if (tried + 1 >= bases.size()) {
          throw bases.size() == 1 ? e : unreachable(failures, e.getCause());
        }
        current = (current + 1) % bases.size();
      }
    }
  }

  private void streamFrom(URI base, String path, java.util.function.Consumer<String> onData, Duration stall) {
    CompletableFuture<Void> ended = new CompletableFuture<>();
    AtomicLong lastLine = new AtomicLong(System.nanoTime());
    AtomicReference<Flow.Subscription> subscription = new AtomicReference<>();
    Flow.Subscriber<String> lines = new Flow.Subscriber<>() {
      @Override
      public void onSubscribe(Flow.Subscription s) {
        subscription.set(s);
        s.request(Long.MAX_VALUE);
      }

      @Override
      public void onNext(String line) {
        lastLine.set(System.nanoTime());
        if (line.startsWith("data:")) {
          try {
            onData.accept(line.substring(5).strip());
          } catch (RuntimeException e) {
            ended.completeExceptionally(e);
            subscription.get().cancel();
          }
        }
      }

      @Override
      public void onError(Throwable t) {
        ended.completeExceptionally(t);
      }

      @Override
      public void onComplete() {
        ended.complete(null);
      }
    };
    HttpResponse.BodyHandler<String> handler = info -> info.statusCode() >= 400
        ? HttpResponse.BodySubscribers.ofString(StandardCharsets.UTF_8)
        : HttpResponse.BodySubscribers.mapping(HttpResponse.BodySubscribers.fromLineSubscriber(lines), v -> null);
    CompletableFuture<HttpResponse<String>> response = http.sendAsync(authorized(HttpRequest.newBuilder(base.resolve(path)))
        .timeout(HEADER_TIMEOUT).header("Accept", "text/event-stream").GET().build(), handler);
    try {
      while (true) {
        try {
          HttpResponse<String> r = response.get(100, TimeUnit.MILLISECONDS);
          if (r.statusCode() == 401) {
            throw unauthorized(base, r.body());
          }
          if (r.statusCode() >= 400) {
            throw new BatonException(base + " answered " + r.statusCode() + ": " + errorOf(r.body()));
          }
          ended.get(); // the body was read to its end: what ended it
          return;
        } catch (TimeoutException e) {
          if (ended.isCompletedExceptionally()) {
            ended.get(); // printing failed: throws what it threw
          }
          long quiet = System.nanoTime() - lastLine.get();
          if (quiet > stall.toNanos()) {
            Flow.Subscription s = subscription.get();
            if (s != null) {
              s.cancel();
            }
            response.cancel(true);
            throw new UnreachableException("the event stream from " + base + " was silent for "
                + dev.baton.core.Durations.format(Duration.ofNanos(quiet)) + (s == null ? " before it began" : ""), e);
          }
        }
      }
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof BatonException b) {
        throw b;
      }
      throw new UnreachableException(describe(cause instanceof java.net.http.HttpTimeoutException
          ? "the agent at " + base + " did not answer within " + dev.baton.core.Durations.format(HEADER_TIMEOUT)
          : "the event stream from " + base + " broke", cause), cause);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      response.cancel(true);
      Flow.Subscription s = subscription.get();
      if (s != null) {
        s.cancel();
      }
    }
  }

  private static String describe(String what, Throwable cause) {
    return what + " (" + cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : ": " + cause.getMessage()) + ")";
  }

  private static String errorOf(String body) {
    try {
      return JSON.readValue(body, ErrorResponse.class).error();
    } catch (IOException e) {
      return Texts.prefix(body);
    }
  }

  private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);

  /**
   * {@code path} with the method and body {@code method} sets, sent to the current agent, then to
   * the next ones while an agent cannot be reached; the raw answer.
   */
  private String send(String path, java.util.function.UnaryOperator<HttpRequest.Builder> method, Duration timeout) {
    List<String> failures = new ArrayList<>();
    IOException last = null;
    for (int tried = 0; tried < bases.size(); tried++) {
      URI base = base();
      HttpRequest request = method.apply(authorized(HttpRequest.newBuilder(base.resolve(path))))
          .timeout(timeout).header("Accept", "application/json").build();
      HttpResponse<String> response;
      try {
        response = http.send(request, HttpResponse.BodyHandlers.ofString());
      } catch (javax.net.ssl.SSLException e) {
        throw new BatonException("TLS with the agent at " + base + " failed (" + e.getMessage() + "); for an agent"
            + " whose certificate the JDK's authorities do not vouch for, give its CA with --cacert FILE", e);
      } catch (IOException e) {
        last = e;
        // Another agent is tried only when this one certainly did nothing: no connection, or a GET.
        boolean next = connectFailure(e) || (request.method().equals("GET") && e instanceof java.net.http.HttpTimeoutException);
        if (!next) {
          throw new UnreachableException(describe("no answer from the agent at " + base
              + " (the request may have been carried out; check with `baton status`)", e), e);
        }
        failures.add(base + " (" + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")");
        current = (current + 1) % bases.size();
        continue;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new UnreachableException("interrupted", e);
      }
      return answer(base, response);
    }
    throw unreachable(failures, last);
  }

  private UnreachableException unreachable(List<String> failures, Throwable cause) {
    if (bases.size() == 1) {
      return new UnreachableException("cannot reach the agent at " + failures.get(0)
          + "; is `baton agent` running there? Set --api or BATON_API", cause);
    }
    return new UnreachableException("cannot reach any of the " + bases.size() + " agents given: "
        + String.join(", ", failures) + "; is `baton agent` running there? Set --api or BATON_API", cause);
  }

  /** Whether {@code e} says no connection was made: refused, unroutable or timed out while connecting. */
  private static boolean connectFailure(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof java.net.ConnectException || t instanceof java.net.http.HttpConnectTimeoutException
          || t instanceof java.net.NoRouteToHostException || t instanceof java.nio.channels.UnresolvedAddressException) {
        return true;
      }
    }
    return false;
  }

  private HttpRequest.Builder authorized(HttpRequest.Builder request) {
    return token == null ? request : request.header("Authorization", "Bearer " + token);
  }

  private String answer(URI base, HttpResponse<String> response) {
    if (response.statusCode() == 401) {
      throw unauthorized(base, response.body());
    }
    if (response.statusCode() >= 400) {
      String text = base + " answered " + response.statusCode() + ": " + errorOf(response.body());
      throw switch (response.statusCode()) {
        case 400 -> new InvalidInputException(text);
        case 409 -> new dev.baton.core.ConflictException(text);
        default -> new BatonException(text);
      };
    }
    return response.body();
  }

  private UnauthorizedException unauthorized(URI base, String body) {
    return new UnauthorizedException(base + " answered 401: " + errorOf(body) + (token == null
        ? "; no token was sent: give the group's token with --token-file FILE or BATON_TOKEN"
        : "; the token given (--token-file or BATON_TOKEN) was refused: use the one in the agents' api.token-file"));
  }

  private static com.fasterxml.jackson.databind.JsonNode readTree(String body) {
    try {
      return JSON.readTree(body);
    } catch (IOException e) {
      throw new BatonException("the agent sent something that is not JSON: " + e.getMessage(), e);
    }
  }
}
