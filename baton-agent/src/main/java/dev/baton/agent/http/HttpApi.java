package dev.baton.agent.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.agent.Agent;
import dev.baton.agent.config.ApiListen;
import dev.baton.agent.config.ApiTls;
import dev.baton.agent.config.ApiToken;
import dev.baton.agent.events.EventFeed;
import dev.baton.agent.metrics.AgentMetrics;
import dev.baton.agent.placement.RestartVerb;
import dev.baton.api.ErrorResponse;
import dev.baton.api.HealthResponse;
import dev.baton.core.BatonException;
import dev.baton.core.ConflictException;
import dev.baton.core.InvalidInputException;
import dev.baton.core.NodeName;
import dev.baton.core.NotFoundException;
import dev.baton.core.Text;
import dev.baton.core.store.StoreException;
import io.javalin.Javalin;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.javalin.http.HandlerType;
import io.javalin.http.HttpResponseException;
import io.javalin.http.HttpStatus;
import io.javalin.http.sse.SseClient;
import io.javalin.json.JavalinJackson;
import java.util.Set;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's HTTP API under {@code /v1}. Errors are mapped to status codes in one place: bad input
 * (a body, a path or query parameter) 400, unknown resources 404, a method the path does not take
 * 405, an event stream not asked for as one 406, conflicts 409, a body over 64 KiB 413, store
 * trouble 503; Jetty's own errors (400, 414, 431) too. Every error body is {@code {"error": "..."}},
 * quoting at most a short prefix of the bad input. A bad request never changes state and never
 * stops the agent.
 */
public final class HttpApi implements Agent.ApiServer {
  private static final Logger LOG = LoggerFactory.getLogger(HttpApi.class);

  private static final Set<String> NONE = Set.of();
  private static final String ACTIVE_METHODS = "GET, HEAD, OPTIONS";
  private static final String EVENT_STREAM = "text/event-stream";
  private static final String REPORT_EXAMPLE = "{\"condition\": \"disk-full\", \"service\": \"web\", \"detail\": \"...\"}";

  private final Javalin app;

  private HttpApi(Javalin app) {
    this.app = app;
  }

  /**
   * Serves {@code agent}'s API on {@code listen}; returns once it listens. An {@link Agent.ApiStarter}:
   * the node calls it during its start.
   *
   * @throws BatonException when it cannot listen there
   */
  public static HttpApi start(ApiListen listen, Agent agent) {
    var refusal = agent.access().refusal(listen);
    if (refusal.isPresent()) {
      throw new BatonException("refusing to start: " + refusal.get());
    }
    ApiToken token = agent.access().token();
    ObjectMapper json = new ObjectMapper();
    JsonErrors jettyErrors = new JsonErrors(json);
    Javalin app = Javalin.create(cfg -> {
      cfg.startup.showJavalinBanner = false;
      cfg.concurrency.useVirtualThreads = false;
      cfg.jsonMapper(new JavalinJackson(json, false));
      cfg.http.maxRequestSize = Bodies.MAX_BYTES;
      cfg.http.prefer405over404 = true;
      QueuedThreadPool pool = new QueuedThreadPool(8, 2, 60_000);
      pool.setName("baton-http-" + agent.nodeName());
      pool.setDaemon(true);
      cfg.jetty.threadPool = pool;
      cfg.jetty.modifyServer(server -> server.setErrorHandler(jettyErrors.forServer()));
      ApiTls tls = agent.access().tls();
      if (tls != null) {
        cfg.jetty.addConnector((server, http) -> httpsConnector(server, http, listen, tls));
      }
      cfg.jetty.modifyServletContextHandler(handler -> handler.setErrorHandler(jettyErrors.forServlets()));
      routes(cfg.routes, agent, token, json);
    });
    try {
      app.start(listen.host(), listen.port());
    } catch (RuntimeException e) {
      app.stop();
      throw new BatonException("cannot listen on api.listen " + listen + ": " + rootMessage(e)
          + "; is another agent using this address? Set a free address in api.listen", e);
    }
    return new HttpApi(app);
  }

  /** Every route of the API and the console, and what each error becomes. */
  private static void routes(RoutesConfig app, Agent agent, ApiToken token, ObjectMapper json) {
    // The token first: a request without it is refused before its body is read.
    if (token != null) {
      app.before(ctx -> authorize(ctx, token));
    }
    // Every body is read through the bound first, whatever the route (or none) does with it.
    app.before(Bodies::read);
    route(app, HandlerType.GET, "/v1/health/live", NONE,
        ctx -> ctx.json(new HealthResponse("live", agent.nodeName(), null, null)));
    route(app, HandlerType.GET, "/v1/health/ready", NONE, ctx -> {
      HealthResponse ready = agent.readiness();
      ctx.status(ready.reason() == null ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE).json(ready);
    });
    route(app, HandlerType.GET, "/v1/status", NONE, ctx -> ctx.json(agent.status()));
    route(app, HandlerType.GET, "/v1/services/{name}", NONE, ctx -> ctx.json(agent.service(ctx.pathParam("name"))));
    // What a load balancer checks: the same answer to GET, HEAD and OPTIONS (HEAD without the body).
    Handler active = ctx -> {
      var answer = agent.active(ctx.pathParam("name"));
      ctx.header("Allow", ACTIVE_METHODS);
      ctx.status(answer.active() ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE).json(answer);
    };
    for (HandlerType method : new HandlerType[] {HandlerType.GET, HandlerType.HEAD, HandlerType.OPTIONS}) {
      route(app, method, "/v1/services/{name}/active", NONE, active);
    }
    route(app, HandlerType.GET, "/v1/services/{name}/resolve", Set.of("from"),
        ctx -> ctx.json(agent.resolve(ctx.pathParam("name"), Params.of(ctx).get("from"))));
    route(app, HandlerType.PUT, "/v1/services/{name}/heartbeat", NONE, ctx -> {
      agent.heartbeat(ctx.pathParam("name"));
      ctx.json(java.util.Map.of("service", ctx.pathParam("name"), "node", agent.nodeName()));
    });
    route(app, HandlerType.POST, "/v1/services/{name}/clear", Set.of("node"), ctx -> {
      String node = Params.of(ctx).get("node");
      if (node != null) {
        NodeName.of(node); // a bad name is bad input (400), not a node the group lacks (404)
      }
      ctx.json(java.util.Map.of("service", ctx.pathParam("name"), "cleared", agent.clear(ctx.pathParam("name"), node)));
    });
    route(app, HandlerType.POST, "/v1/stop", NONE, ctx -> {
      // Complete the answer before the stop begins: the stop closes this server.
      byte[] body = json.writeValueAsBytes(java.util.Map.of("stopping", agent.nodeName()));
      ctx.status(HttpStatus.ACCEPTED).contentType("application/json");
      ctx.res().setContentLength(body.length);
      ctx.res().getOutputStream().write(body);
      ctx.res().flushBuffer();
      agent.requestStop();
    });
    route(app, HandlerType.POST, "/v1/reload", NONE, ctx -> ctx.json(agent.reload()));
    route(app, HandlerType.GET, "/metrics", NONE,
        ctx -> ctx.contentType(AgentMetrics.CONTENT_TYPE).result(agent.metrics().scrape()));
    eventRoutes(app, agent);
    operatorRoutes(app, agent);
    app.exception(Unauthorized.class, (e, ctx) -> {
      ctx.header("WWW-Authenticate", "Bearer realm=\"baton\"");
      error(ctx, HttpStatus.UNAUTHORIZED, e.getMessage());
    });
    Console.routes(app);
    app.exception(Bodies.TooLarge.class, (e, ctx) -> Bodies.refuse(ctx, e.getMessage()));
    app.exception(InvalidInputException.class, (e, ctx) -> error(ctx, HttpStatus.BAD_REQUEST, e.getMessage()));
    app.exception(NotAcceptable.class, (e, ctx) -> error(ctx, HttpStatus.NOT_ACCEPTABLE, e.getMessage()));
    app.exception(NotFoundException.class, (e, ctx) -> error(ctx, HttpStatus.NOT_FOUND, e.getMessage()));
    app.exception(ConflictException.class, (e, ctx) -> error(ctx, HttpStatus.CONFLICT, e.getMessage()));
    app.exception(StoreException.class, (e, ctx) -> error(ctx, HttpStatus.SERVICE_UNAVAILABLE, e.getMessage()));
    app.exception(OwnerUnreachable.class, (e, ctx) -> error(ctx, HttpStatus.SERVICE_UNAVAILABLE, e.getMessage()));
    app.exception(HttpResponseException.class, (e, ctx) -> {
      HttpStatus status = HttpStatus.forStatus(e.getStatus());
      if (status == HttpStatus.METHOD_NOT_ALLOWED) {
        methodNotAllowed(ctx);
      } else if (status == HttpStatus.NOT_FOUND) {
        notFound(ctx);
      } else {
        error(ctx, status, JsonErrors.message(e.getStatus(), e.getMessage()));
      }
    });
    app.exception(IllegalArgumentException.class, (e, ctx) -> {
      if (String.valueOf(e.getMessage()).startsWith("URLDecoder:")) { // Javalin decoding a path parameter
        error(ctx, HttpStatus.BAD_REQUEST, "malformed percent-escape in the path " + Text.quote(ctx.path())
            + "; expected % and two hex digits (%25 for '%')");
      } else {
        internalError(agent, ctx, e);
      }
    });
    app.exception(Exception.class, (e, ctx) -> internalError(agent, ctx, e));
    app.error(HttpStatus.NOT_FOUND, ctx -> {
      String body = ctx.result();
      if (body == null || !body.startsWith("{")) { // not one of ours: Javalin's plain-text "Endpoint ... not found"
        notFound(ctx);
      }
    });
    app.error(HttpStatus.METHOD_NOT_ALLOWED, ctx -> {
      String body = ctx.result();
      if (body == null || !body.startsWith("{\"error\"")) {
        methodNotAllowed(ctx);
      }
    });
  }

  /**
   * The connector that serves HTTPS on {@code listen} with the configured certificate; Javalin
   * then adds no plain HTTP connector.
   */
  private static org.eclipse.jetty.server.Connector httpsConnector(org.eclipse.jetty.server.Server server,
      org.eclipse.jetty.server.HttpConfiguration http, ApiListen listen, ApiTls tls) {
    var ssl = new org.eclipse.jetty.util.ssl.SslContextFactory.Server();
    try {
      ssl.setKeyStore(tls.keyStore());
    } catch (java.security.GeneralSecurityException e) {
      throw new BatonException("cannot use api.tls (" + tls + "): " + e.getMessage(), e);
    }
    ssl.setKeyStorePassword(new String(tls.keyStorePassword()));
    var https = new org.eclipse.jetty.server.HttpConfiguration(http);
    var secure = new org.eclipse.jetty.server.SecureRequestCustomizer();
    secure.setSniHostCheck(false); // clients connect by address as often as by name
    https.addCustomizer(secure);
    var connector = new org.eclipse.jetty.server.ServerConnector(server,
        new org.eclipse.jetty.server.SslConnectionFactory(ssl, "http/1.1"),
        new org.eclipse.jetty.server.HttpConnectionFactory(https));
    connector.setHost(listen.host());
    connector.setPort(listen.port());
    return connector;
  }

  /**
   * The paths open without a token: the health probes and {@code /active}, for load balancers and
   * monitors, and the console's page and static files, which hold no data: the page asks for the
   * token and sends it with every API request.
   */
  private static final java.util.regex.Pattern OPEN = java.util.regex.Pattern.compile(
      "/v1/health/(live|ready)/?|/v1/services/[^/]+/active/?|/|/console/[^/]+");

  /**
   * Refuses (401) a request that does not carry {@code Authorization: Bearer <token>}, unless its
   * path is open ({@link #OPEN}). The token is compared in constant time and never logged or echoed.
   */
  private static void authorize(Context ctx, ApiToken token) {
    if (OPEN.matcher(ctx.path()).matches()) {
      return;
    }
    String header = ctx.header("Authorization");
    if (header == null) {
      throw new Unauthorized("this agent requires a token: send the header Authorization: Bearer <token>"
          + " with the token of the group's api.token-file (the CLI: --token-file FILE or BATON_TOKEN)");
    }
    boolean bearer = header.regionMatches(true, 0, "Bearer ", 0, 7);
    if (!bearer || !token.matches(header.substring(7).strip())) {
      throw new Unauthorized(bearer ? "the token sent in the Authorization header is not this agent's token;"
          + " send Authorization: Bearer <token> with the token of the group's api.token-file"
          : "the Authorization header is not a bearer token; expected Authorization: Bearer <token>");
    }
  }

  /**
   * Adds a route whose query parameters are checked first: one it does not take, a malformed
   * escape, or one given twice is a 400 before the handler runs.
   */
  private static void route(RoutesConfig app, HandlerType method, String path, Set<String> params, Handler handler) {
    app.addHttpHandler(method, path, ctx -> {
      Params.check(ctx, params);
      handler.handle(ctx);
    });
  }

  /** Events and detectors (issue 6, part A). */
  private static void eventRoutes(RoutesConfig app, Agent agent) {
    app.get("/v1/events", ctx -> ctx.json(agent.events(EventQueries.list(ctx))));
    // The request is checked before the stream starts (which commits a 200): a bad parameter is a
    // 400, a client that does not ask for an event stream a 406 (Javalin would answer an empty 200).
    app.before("/v1/events/stream", ctx -> {
      if (ctx.method() == HandlerType.GET) {
        ctx.attribute("query", EventQueries.stream(ctx));
        if (!EVENT_STREAM.equals(ctx.header("Accept"))) {
          throw new NotAcceptable("GET /v1/events/stream answers only a request with the header Accept: "
              + EVENT_STREAM + " (got " + (ctx.header("Accept") == null ? "none" : Text.quote(ctx.header("Accept")))
              + "); for a list of events use GET /v1/events");
        }
      }
    });
    app.sse("/v1/events/stream", client -> agent.streamEvents(new SseSink(client), client.ctx().attribute("query")));
    route(app, HandlerType.POST, "/v1/reports", NONE, ctx -> ctx.status(HttpStatus.ACCEPTED)
        .json(agent.report(StrictJson.check(Bodies.text(ctx), REPORT_EXAMPLE))));
  }

  /** The operator verbs: 200 with what happens next, or 202 when a move is under way. */
  private static void operatorRoutes(RoutesConfig app, Agent agent) {
    route(app, HandlerType.POST, "/v1/services/{name}/move", NONE, ctx -> {
      var answer = agent.verbs().move(ctx.pathParam("name"), StrictJson.check(Bodies.text(ctx), "{\"to\": \"node-b\"}"));
      ctx.status(answer.underWay() ? HttpStatus.ACCEPTED : HttpStatus.OK).json(answer.response());
    });
    route(app, HandlerType.POST, "/v1/services/{name}/disable", NONE,
        ctx -> ctx.json(agent.verbs().disable(ctx.pathParam("name"), true)));
    route(app, HandlerType.POST, "/v1/services/{name}/enable", NONE,
        ctx -> ctx.json(agent.verbs().disable(ctx.pathParam("name"), false)));
    route(app, HandlerType.GET, "/v1/services/{name}/ranking", NONE,
        ctx -> ctx.json(agent.verbs().ranking(ctx.pathParam("name"))));
    route(app, HandlerType.PUT, "/v1/services/{name}/ranking", NONE, ctx -> ctx.json(agent.verbs()
        .rank(ctx.pathParam("name"), StrictJson.check(Bodies.text(ctx), "{\"ranking\": [\"node-a\", \"node-b\"]}"))));
    route(app, HandlerType.PUT, "/v1/services/{name}/failback", NONE, ctx -> ctx.json(agent.verbs()
        .failback(ctx.pathParam("name"), StrictJson.check(Bodies.text(ctx), "{\"policy\": \"rank\", \"delay\": \"30s\"}"))));
    route(app, HandlerType.POST, "/v1/services/{name}/pause", NONE,
        ctx -> ctx.json(agent.verbs().pause(ctx.pathParam("name"), true)));
    route(app, HandlerType.POST, "/v1/services/{name}/resume", NONE,
        ctx -> ctx.json(agent.verbs().pause(ctx.pathParam("name"), false)));
    route(app, HandlerType.POST, "/v1/pause", NONE, ctx -> ctx.json(agent.verbs().pauseAll(true)));
    route(app, HandlerType.POST, "/v1/resume", NONE, ctx -> ctx.json(agent.verbs().pauseAll(false)));
    route(app, HandlerType.POST, "/v1/nodes/{name}/drain", NONE,
        ctx -> ctx.json(agent.verbs().drain(ctx.pathParam("name"), true)));
    route(app, HandlerType.POST, "/v1/nodes/{name}/undrain", NONE,
        ctx -> ctx.json(agent.verbs().drain(ctx.pathParam("name"), false)));
    route(app, HandlerType.POST, "/v1/services/{name}/restart", NONE, ctx -> {
      var outcome = agent.restarts().restart(ctx.pathParam("name"), ctx.header(FORWARDED_BY));
      if (outcome instanceof RestartVerb.Outcome.Restarting r) {
        ctx.status(HttpStatus.ACCEPTED).json(r.response());
      } else if (outcome instanceof RestartVerb.Outcome.Forward f) {
        forward(ctx, agent, f);
      }
    });
  }

  /** The header of a restart that a node sent on to the service's owner: the sending node's name. */
  static final String FORWARDED_BY = "Baton-Forwarded-By";
  /** Made on first use (a holder class): an HttpClient initialises TLS and keeps a selector thread. */
  private static final class Forwarder {
    static final java.net.http.HttpClient PLAIN = java.net.http.HttpClient.newBuilder()
        .connectTimeout(java.time.Duration.ofSeconds(2)).build();
  }
  private static final java.util.Map<ApiTls, java.net.http.HttpClient> TLS_FORWARDERS =
      java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());

  /**
   * The client a node sends restarts on with: over TLS (a group serves its API one way), trusting
   * the certificates of the node's own {@code api.tls.cert} (the group's CA, or its one shared
   * certificate) besides the JDK's.
   */
  private static java.net.http.HttpClient forwarder(Agent agent) {
    ApiTls tls = agent.access().tls();
    if (tls == null) {
      return Forwarder.PLAIN;
    }
    return TLS_FORWARDERS.computeIfAbsent(tls, t -> java.net.http.HttpClient.newBuilder()
        .connectTimeout(java.time.Duration.ofSeconds(2)).sslContext(Trust.context(t.chain())).build());
  }

  /**
   * Sends a restart on to the service's owner, which answers it (its status and body are relayed as
   * they are); an owner that cannot be reached is a 503 that says so.
   */
  private static void forward(Context ctx, Agent agent, RestartVerb.Outcome.Forward to) {
    String url = agent.access().scheme() + "://" + to.api() + "/v1/services/" + ctx.pathParam("name") + "/restart";
    java.net.http.HttpResponse<String> answer;
    try {
      var request = java.net.http.HttpRequest.newBuilder(java.net.URI.create(url))
          .timeout(java.time.Duration.ofSeconds(10)).header(FORWARDED_BY, agent.nodeName())
          .header("Accept", "application/json").POST(java.net.http.HttpRequest.BodyPublishers.noBody());
      ApiToken token = agent.access().token();
      if (token != null) {
        request.header("Authorization", token.header()); // the group shares one token
      }
      answer = forwarder(agent).send(request.build(), java.net.http.HttpResponse.BodyHandlers.ofString());
    } catch (java.io.IOException | IllegalArgumentException e) {
      throw new OwnerUnreachable("cannot restart " + ctx.pathParam("name") + ": its owner " + to.owner()
          + " did not answer at " + agent.access().scheme() + "://" + to.api() + " (" + e.getClass().getSimpleName()
          + (e.getMessage() == null ? "" : ": " + e.getMessage()) + "); nothing was restarted, ask again");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new OwnerUnreachable("interrupted while asking " + to.owner() + " to restart " + ctx.pathParam("name"));
    }
    LOG.info("[node={}] restart of {} sent on to its owner {}: it answered {}", agent.nodeName(),
        Text.prefix(ctx.pathParam("name"), 64), to.owner(), answer.statusCode());
    ctx.status(answer.statusCode()).contentType("application/json").result(answer.body());
  }

  private static void internalError(Agent agent, Context ctx, Exception e) {
    LOG.error("[node={}] {} {} failed", agent.nodeName(), ctx.method(), Text.prefix(ctx.path(), 200), e);
    error(ctx, HttpStatus.INTERNAL_SERVER_ERROR, "internal error; the agent's log has the details");
  }

  private static void notFound(Context ctx) {
    error(ctx, HttpStatus.NOT_FOUND, "no such resource: " + ctx.method() + " " + Text.prefix(ctx.path(), 64)
        + "; see GET /v1/health/live, /v1/health/ready, /v1/status, /v1/services/{name}, /v1/services/{name}/active, /resolve, /v1/events,"
        + " /v1/events/stream, PUT /v1/services/{name}/heartbeat, POST /v1/services/{name}/clear,"
        + " POST /v1/services/{name}/move, /disable, /enable, /restart, /pause, /resume, GET and PUT"
        + " /v1/services/{name}/ranking, PUT /v1/services/{name}/failback, POST /v1/pause, /v1/resume,"
        + " POST /v1/nodes/{name}/drain, /undrain, POST /v1/reports, POST /v1/reload, POST /v1/stop;"
        + " GET /metrics; the console at /");
  }

  private static void methodNotAllowed(Context ctx) {
    String allowed = allowedMethods(ctx.path());
    if (!allowed.isEmpty()) {
      ctx.header("Allow", allowed);
    }
    error(ctx, HttpStatus.METHOD_NOT_ALLOWED, ctx.method() + " is not allowed on " + Text.prefix(ctx.path(), 64)
        + (allowed.isEmpty() ? "" : "; it takes " + allowed));
  }

  /** The methods the API answers on {@code path}, for a 405's Allow header and message. */
  private static String allowedMethods(String path) {
    String p = path.endsWith("/") && path.length() > 1 ? path.substring(0, path.length() - 1) : path;
    if (p.isEmpty() || p.equals("/") || p.startsWith("/console/") || p.equals("/metrics") || p.equals("/v1/status")
        || p.equals("/v1/health/live") || p.equals("/v1/health/ready") || p.equals("/v1/events")
        || p.equals("/v1/events/stream") || p.matches("/v1/services/[^/]+(/resolve)?")) {
      return "GET";
    }
    if (p.matches("/v1/services/[^/]+/active")) {
      return ACTIVE_METHODS;
    }
    if (p.matches("/v1/services/[^/]+/ranking")) {
      return "GET, PUT";
    }
    if (p.matches("/v1/services/[^/]+/(heartbeat|failback)")) {
      return "PUT";
    }
    if (p.equals("/v1/reports") || p.equals("/v1/stop") || p.equals("/v1/reload") || p.equals("/v1/pause")
        || p.equals("/v1/resume") || p.matches("/v1/services/[^/]+/(clear|move|disable|enable|restart|pause|resume)")
        || p.matches("/v1/nodes/[^/]+/(drain|undrain)")) {
      return "POST";
    }
    return "";
  }

  /** A request without the API's token, or with another: 401. */
  private static final class Unauthorized extends RuntimeException {
    Unauthorized(String message) {
      super(message, null, false, false);
    }
  }

  /** Adds a GET route whose query parameters are checked first (see {@link #route}). */
  static void get(RoutesConfig app, String path, Handler handler) {
    route(app, HandlerType.GET, path, NONE, handler);
  }

  /** A restart sent on to a service's owner that did not answer: 503. */
  private static final class OwnerUnreachable extends RuntimeException {
    OwnerUnreachable(String message) {
      super(message, null, false, false);
    }
  }

  /** A request for the event stream that does not accept one: 406. */
  private static final class NotAcceptable extends RuntimeException {
    NotAcceptable(String message) {
      super(message, null, false, false);
    }
  }

  /** A Server-Sent Events client of {@code /v1/events/stream}, as the event feed writes to it. */
  private record SseSink(SseClient client) implements EventFeed.Sink {
    @Override
    public void keepAlive() {
      client.keepAlive();
    }

    @Override
    public void onClose(Runnable action) {
      client.onClose(action);
    }

    @Override
    public boolean terminated() {
      return client.terminated();
    }

    @Override
    public void comment(String text) {
      client.sendComment(text);
    }

    @Override
    public void event(String json, String id) {
      client.sendEvent("message", json, id);
    }

    @Override
    public void close() {
      client.close();
    }
  }

  private static void error(Context ctx, HttpStatus status, String message) {
    ctx.status(status).json(new ErrorResponse(message));
  }

  private static String rootMessage(Throwable e) {
    while (e.getCause() != null) {
      e = e.getCause();
    }
    return e.getMessage();
  }

  @Override
  public int port() {
    return app.port();
  }

  @Override
  public void close() {
    app.stop();
  }
}
