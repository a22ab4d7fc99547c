package dev.baton.client;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.api.ResolveResponse;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;

/**
 * Reaches one Baton service wherever it runs. Given a few agents' API addresses, it resolves the
 * service through the first agent that answers ({@code GET /v1/services/{name}/resolve}), takes
 * the active provider nearest to its own location, and keeps it until a call to it fails or the
 * group's event stream says the service moved (a newer epoch started, or the current one stopped
 * or was released); then it resolves again. An agent that does not answer is skipped for the next.
 *
 * <pre>{@code
 * try (ServiceClient web = ServiceClient.builder("web").agents("10.0.0.5:7070", "10.0.0.6:7070")
 *     .location("eu/paris").build()) {
 *   String page = web.call(e -> http.send(HttpRequest.newBuilder(URI.create("http://" + e.address() + "/")).build(),
 *       BodyHandlers.ofString()).body());
 * }
 * }</pre>
 *
 * <p>Agents that lock their API need the group's token ({@link Builder#tokenFile}, sent as
 * {@code Authorization: Bearer}) and, over {@code https://}, the certificates to verify them with
 * ({@link Builder#caCertificates}, like the CLI's {@code --cacert}).
 *
 * <p>This class is thread-safe. {@link #call} retries a failed call on the service's next owner
 * until the failover timeout, so use it for calls that may be repeated; a service moves after its
 * owner's lease passes (3s by default), so the timeout should be longer than the group's lease.
 */
public final class ServiceClient implements AutoCloseable {
  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,62}");
  private static final Duration FIRST_PAUSE = Duration.ofMillis(100);
  private static final Duration LONGEST_PAUSE = Duration.ofSeconds(1);
  private static final Duration LEARN_PAUSE = Duration.ofMillis(100);
  private static final Duration LEARN_FOR = Duration.ofSeconds(5);

  private final String service;
  private final String location;
  private final Agents agents;
  private final Duration failoverTimeout;
  private final Duration requestTimeout;
  private final HttpClient http;
  /** The group's API token, or null to send none. */
  private final String token;
  private final ObjectMapper json = new ObjectMapper()
      .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
  private final EventWatch watch;
  private volatile boolean closed;
  private final Object lock = new Object();
  /** The endpoint calls go to, or null when it must be resolved again. Guarded by {@link #lock}. */
  private Endpoint current;
  /** The highest epoch of the service seen, by a resolve or an event. Guarded by {@link #lock}. */
  private long epoch;

  private ServiceClient(Builder b) {
    this.service = b.service;
    this.location = b.location;
    this.agents = new Agents(b.agents);
    this.failoverTimeout = b.failoverTimeout;
    this.requestTimeout = b.requestTimeout;
    HttpClient.Builder http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(b.requestTimeout);
    this.http = (b.trust == null ? http : http.sslContext(b.trust)).build();
    this.token = b.token;
    this.watch = b.followEvents ? new EventWatch(this.http, this::request, agents, service, json, this::event) : null;
    if (watch != null) {
      watch.start();
    }
  }

  /** A client of {@code service}; give it at least one agent. */
  public static Builder builder(String service) {
    return new Builder(service);
  }

  /** The settings of a client, checked as they are given. */
  public static final class Builder {
    private final String service;
    private List<String> agents = List.of();
    private String location;
    private boolean followEvents = true;
    private Duration failoverTimeout = Duration.ofSeconds(30);
    private Duration requestTimeout = Duration.ofSeconds(2);
    private String token;
    private SSLContext trust;

    private Builder(String service) {
      if (service == null || !NAME.matcher(service).matches()) {
        throw new IllegalArgumentException("invalid service name \"" + service + "\"; expected 1-63 of a-z 0-9 . _ -,"
            + " starting with a letter or digit");
      }
      this.service = service;
    }

    /** The agents to ask, {@code host:port} or {@code http://host:port}, tried in this order. */
    public Builder agents(String... addresses) {
      return agents(List.of(addresses));
    }

    public Builder agents(List<String> addresses) {
      new Agents(addresses); // checks them now, naming a bad one
      this.agents = List.copyOf(addresses);
      return this;
    }

    /**
     * The client's own location, such as {@code eu/paris/rack-1}: of several active providers the
     * one sharing the longest prefix with it is used. Default: the answering agent's location.
     */
    public Builder location(String path) {
      if (path != null && !path.isEmpty()) {
        for (String segment : path.split("/", -1)) {
          if (!NAME.matcher(segment).matches()) {
            throw new IllegalArgumentException("invalid location \"" + path + "\": segment \"" + segment
                + "\" must be 1-63 of a-z 0-9 . _ -, starting with a letter or digit");
          }
        }
      }
      this.location = path;
      return this;
    }

    /** Whether to follow the group's event stream to learn of moves before a call fails (default true). */
    public Builder followEvents(boolean follow) {
      this.followEvents = follow;
      return this;
    }

    /**
     * How long {@link ServiceClient#call} keeps trying before it gives up (default 30s): longer than
     * the group's lease, so that a call made while the owner's node dies waits for the next owner.
     */
    public Builder failoverTimeout(Duration timeout) {
      if (timeout == null || timeout.isNegative()) {
        throw new IllegalArgumentException("invalid failover timeout " + timeout + "; expected 0 or more");
      }
      this.failoverTimeout = timeout;
      return this;
    }

    /** How long to wait for an agent's answer (default 2s); then the next agent is asked. */
    public Builder requestTimeout(Duration timeout) {
      if (timeout == null || timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("invalid request timeout " + timeout + "; expected more than 0");
      }
      this.requestTimeout = timeout;
      return this;
    }

    /**
     * The group's API token (the agents' {@code api.token-file}), sent to every agent as
     * {@code Authorization: Bearer}. Default: none.
     *
     * @throws IllegalArgumentException when it is empty or holds characters a header cannot carry
     */
    public Builder token(String token) {
      this.token = AgentAccess.checkedToken(token, "the API token given");
      return this;
    }

    /**
     * The group's API token, read now from {@code file} (the agents' {@code api.token-file}).
     *
     * @throws IllegalArgumentException naming the file when it cannot be read or is empty
     */
    public Builder tokenFile(Path file) {
      this.token = AgentAccess.tokenFrom(file);
      return this;
    }

    /**
     * The certificates (PEM: the agents' CA, or their own certificate) that {@code https://} agents
     * are verified with, read now, instead of the JDK's certificate authorities. Default: the
     * JDK's.
     *
     * @throws IllegalArgumentException naming the file when it cannot be read or holds no certificate
     */
    public Builder caCertificates(Path pemFile) {
      this.trust = AgentAccess.trusting(pemFile);
      return this;
    }

    public ServiceClient build() {
      if (agents.isEmpty()) {
        throw new IllegalArgumentException("no agent given for service " + service
            + "; call agents(\"host:port\", ...) with a few agents of its group");
      }
      return new ServiceClient(this);
    }
  }

  /**
   * Calls the service's endpoint. When the call throws, the endpoint is forgotten, the service
   * resolved again and the call made again, after a pause growing from 100ms to 1s, until it
   * succeeds or the failover timeout has passed since the first attempt.
   *
   * @throws BatonClientException when the timeout passed: the last failure is its cause
   */
  public <T> T call(EndpointCall<T> call) {
    long deadline = System.nanoTime() + failoverTimeout.toNanos();
    Duration pause = FIRST_PAUSE;
    Exception last = null;
    Endpoint tried = null;
    while (true) {
      Endpoint e = null;
      try {
        e = endpoint();
      } catch (BatonClientException noEndpoint) {
        last = noEndpoint;
      }
      if (e != null) {
        tried = e;
        try {
          return call.call(e);
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          throw new BatonClientException("call to " + service + " at " + e + " interrupted", interrupted);
        } catch (Exception failed) {
          last = failed;
          forget(e);
        }
      }
      if (System.nanoTime() - deadline >= 0) {
        throw new BatonClientException("no call to " + service + " succeeded within " + failoverTimeout
            + (tried == null ? "" : "; last tried " + tried) + ": " + last, last);
      }
      try {
        Thread.sleep(pause.toMillis());
      } catch (InterruptedException interrupted) {
        Thread.currentThread().interrupt();
        throw new BatonClientException("call to " + service + " interrupted", interrupted);
      }
      pause = pause.multipliedBy(2).compareTo(LONGEST_PAUSE) > 0 ? LONGEST_PAUSE : pause.multipliedBy(2);
    }
  }

  /**
   * The endpoint calls go to now, resolving the service when none is known.
   *
   * @throws BatonClientException when no agent answers, the group has no such service, or no
   *     provider of it is active now (between two owners, or none declares an endpoint)
   */
  public Endpoint endpoint() {
    synchronized (lock) {
      if (current != null) {
        return current;
      }
    }
    ResolveResponse r = resolve();
    Endpoint chosen = choose(r).orElseThrow(() -> new BatonClientException("no active provider of " + service
        + " declares an endpoint now (owner " + r.owner() + ", epoch " + r.epoch() + ", " + r.endpoints().size()
        + " endpoint(s) listed); it may be between owners, or set services." + service + ".endpoint in its config"));
    synchronized (lock) {
      if (r.epoch() >= epoch) {
        epoch = r.epoch();
        current = chosen;
      }
      return chosen;
    }
  }

  /** The endpoint known now, without resolving: empty when the next call resolves first. */
  public Optional<Endpoint> cached() {
    synchronized (lock) {
      return Optional.ofNullable(current);
    }
  }

  /** Forgets {@code e} (a call to it failed), unless another endpoint has replaced it already. */
  public void forget(Endpoint e) {
    synchronized (lock) {
      if (Objects.equals(current, e)) {
        current = null;
      }
    }
  }

  /**
   * Asks the agents, the last one that answered first, where the service's providers are, ordered
   * for this client's location.
   *
   * @throws BatonClientException naming every agent tried when none answered, or what the agent
   *     said when the request was refused (an unknown service, a malformed location)
   */
  public ResolveResponse resolve() {
    String path = "/v1/services/" + service + "/resolve"
        + (location == null ? "" : "?from=" + URLEncoder.encode(location, StandardCharsets.UTF_8));
    StringBuilder failures = new StringBuilder();
    for (URI base : agents.inOrder()) {
      HttpResponse<String> r;
      try {
        r = http.send(request(base.resolve(path)).timeout(requestTimeout).GET().build(),
            HttpResponse.BodyHandlers.ofString());
      } catch (SSLException e) {
        failures.append(failures.length() == 0 ? "" : "; ").append(base.getAuthority()).append(": TLS failed (")
            .append(e.getMessage()).append("); for an agent whose certificate the JDK's authorities do not vouch for,"
                + " give its CA with caCertificates(file)");
        continue;
      } catch (IOException e) {
        failures.append(failures.length() == 0 ? "" : "; ").append(base.getAuthority()).append(": ").append(e);
        continue;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new BatonClientException("resolving " + service + " interrupted", e);
      }
      if (r.statusCode() == 200) {
        agents.answered(base);
        try {
          return json.readValue(r.body(), ResolveResponse.class);
        } catch (IOException e) {
          throw new BatonClientException("agent " + base.getAuthority() + " answered resolve of " + service
              + " with what is not a resolution: " + e.getMessage(), e);
        }
      }
      String error = error(r.body());
      if (r.statusCode() == 401) { // every agent of a group has the same token: the next would refuse too
        throw new BatonClientException("agent " + base.getAuthority() + " refused to resolve " + service + " (401): "
            + error + (token == null ? "; no token was sent: give the group's API token with tokenFile(file)"
                : "; the token given was refused: use the one in the agents' api.token-file"));
      }
      if (r.statusCode() == 404 || r.statusCode() == 400) {
        throw new BatonClientException("agent " + base.getAuthority() + " refused to resolve " + service + ": " + error);
      }
      failures.append(failures.length() == 0 ? "" : "; ").append(base.getAuthority()).append(": ")
          .append(r.statusCode()).append(' ').append(error);
    }
    throw new BatonClientException("no agent could resolve " + service + " (" + failures
        + "); check that the agents " + agents + " run and their addresses");
  }

  /** A request to an agent, with the token when there is one. */
  private HttpRequest.Builder request(URI uri) {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri);
    return token == null ? request : request.header("Authorization", "Bearer " + token);
  }

  /** The active endpoint nearest to this client's location (the first of the nearest). */
  private static Optional<Endpoint> choose(ResolveResponse r) {
    return r.endpoints().stream().filter(ResolveResponse.ResolvedEndpoint::active)
        .max(Comparator.comparingInt(ResolveResponse.ResolvedEndpoint::shared).thenComparing((a, b) ->
            Integer.compare(r.endpoints().indexOf(b), r.endpoints().indexOf(a))))
        .map(e -> Endpoint.parse(e.node(), e.endpoint(), r.epoch(), e.location()));
  }

  /** An event of the service from the stream: forget the endpoint when it is no longer the owner's. */
  private void event(JsonNode e) {
    String type = e.path("type").asText();
    long at = e.path("epoch").asLong(0);
    boolean refresh;
    synchronized (lock) {
      boolean newer = at > epoch;
      boolean ended = at == epoch && (type.equals("service.stopped") || type.equals("service.released"));
      if (current != null && (newer || ended) && current.epoch() <= at) {
        current = null;
      }
      refresh = newer && type.equals("service.started");
    }
    if (refresh) {
      learnOwner(at);
    }
  }

  /**
   * Learns the owner of epoch {@code at} now, before the next call needs it. Its service has just
   * started, and its node may report it active only a moment later (once it publishes that it
   * provides, after its health checks): resolve again every {@link #LEARN_PAUSE} until it does, for
   * at most {@link #LEARN_FOR}. Later the next call resolves again.
   */
  private void learnOwner(long at) {
    long deadline = System.nanoTime() + LEARN_FOR.toNanos();
    while (!closed) {
      try {
        if (endpoint().epoch() >= at) {
          return;
        }
      } catch (BatonClientException notYet) {
        // not active yet, or no agent answered
      }
      if (System.nanoTime() - deadline >= 0) {
        return;
      }
      synchronized (lock) {
        current = null; // an older owner's endpoint is no answer
      }
      try {
        Thread.sleep(LEARN_PAUSE.toMillis());
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private String error(String body) {
    try {
      JsonNode n = json.readTree(body);
      return n.path("error").asText(body);
    } catch (IOException e) {
      return body.length() > 200 ? body.substring(0, 200) + "…" : body;
    }
  }

  /** Stops following the event stream. */
  @Override
  public void close() {
    closed = true;
    if (watch != null) {
      watch.close();
    }
  }

  @Override
  public String toString() {
    return "ServiceClient[" + service + " via " + agents + "]";
  }
}
