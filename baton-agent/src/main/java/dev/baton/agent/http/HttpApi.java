package dev.baton.agent.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.agent.Agent;
import dev.baton.agent.config.ApiListen;
import dev.baton.agent.events.EventFeed;
import dev.baton.api.ErrorResponse;
import dev.baton.core.BatonException;
import dev.baton.core.ConflictException;
import dev.baton.core.InvalidInputException;
import dev.baton.core.NotFoundException;
import dev.baton.core.store.StoreException;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import io.javalin.http.sse.SseClient;
import io.javalin.json.JavalinJackson;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's HTTP API under {@code /v1}. Errors are mapped to status codes in one place: bad input
 * 400, unknown resources 404, conflicts 409, store trouble 503; every error body is
 * {@code {"error": "..."}}. A bad request never changes state and never stops the agent.
 */
public final class HttpApi implements Agent.ApiServer {
  private static final Logger LOG = LoggerFactory.getLogger(HttpApi.class);

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
    ObjectMapper json = new ObjectMapper();
    Javalin app = Javalin.create(cfg -> {
      cfg.showJavalinBanner = false;
      cfg.useVirtualThreads = false;
      cfg.jsonMapper(new JavalinJackson(json, false));
      cfg.http.maxRequestSize = Bodies.MAX_BYTES;
      QueuedThreadPool pool = new QueuedThreadPool(8, 2, 60_000);
      pool.setName("baton-http-" + agent.nodeName());
      pool.setDaemon(true);
      cfg.jetty.threadPool = pool;
    });
    // Every body is read through the bound first, whatever the route (or none) does with it.
    app.before(Bodies::read);
    app.get("/v1/status", ctx -> ctx.json(agent.status()));
    app.get("/v1/services/{name}", ctx -> ctx.json(agent.service(ctx.pathParam("name"))));
    app.get("/v1/services/{name}/active", ctx -> {
      var active = agent.active(ctx.pathParam("name"));
      ctx.status(active.active() ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE).json(active);
    });
    app.put("/v1/services/{name}/heartbeat", ctx -> {
      agent.heartbeat(ctx.pathParam("name"));
      ctx.json(java.util.Map.of("service", ctx.pathParam("name"), "node", agent.nodeName()));
    });
    app.post("/v1/services/{name}/clear", ctx ->
        ctx.json(java.util.Map.of("service", ctx.pathParam("name"), "cleared",
            agent.clear(ctx.pathParam("name"), ctx.queryParam("node")))));
    app.post("/v1/stop", ctx -> {
      // Complete the answer before the stop begins: the stop closes this server.
      byte[] body = json.writeValueAsBytes(java.util.Map.of("stopping", agent.nodeName()));
      ctx.status(HttpStatus.ACCEPTED).contentType("application/json");
      ctx.res().setContentLength(body.length);
      ctx.res().getOutputStream().write(body);
      ctx.res().flushBuffer();
      agent.requestStop();
    });
    eventRoutes(app, agent);
    operatorRoutes(app, agent);
    app.exception(Bodies.TooLarge.class, (e, ctx) -> Bodies.refuse(ctx, e.getMessage()));
    app.exception(InvalidInputException.class, (e, ctx) -> error(ctx, HttpStatus.BAD_REQUEST, e.getMessage()));
    app.exception(NotFoundException.class, (e, ctx) -> error(ctx, HttpStatus.NOT_FOUND, e.getMessage()));
    app.exception(ConflictException.class, (e, ctx) -> error(ctx, HttpStatus.CONFLICT, e.getMessage()));
    app.exception(StoreException.class, (e, ctx) -> error(ctx, HttpStatus.SERVICE_UNAVAILABLE, e.getMessage()));
    app.exception(Exception.class, (e, ctx) -> {
      LOG.error("[node={}] {} {} failed", agent.nodeName(), ctx.method(), ctx.path(), e);
      error(ctx, HttpStatus.INTERNAL_SERVER_ERROR, "internal error: " + e);
    });
    app.error(HttpStatus.NOT_FOUND, ctx -> {
      String body = ctx.result();
      if (body == null || !body.startsWith("{")) { // not one of ours: Javalin's plain-text "Endpoint ... not found"
        error(ctx, HttpStatus.NOT_FOUND, "no such resource: " + ctx.method() + " " + ctx.path()
            + "; see GET /v1/status, /v1/services/{name}, /v1/services/{name}/active, /v1/events,"
            + " /v1/events/stream, PUT /v1/services/{name}/heartbeat, POST /v1/services/{name}/clear,"
            + " POST /v1/services/{name}/move, /disable, /enable, PUT /v1/services/{name}/ranking,"
            + " POST /v1/nodes/{name}/drain, /undrain, POST /v1/reports, POST /v1/stop");
      }
    });
    app.error(HttpStatus.METHOD_NOT_ALLOWED, ctx -> error(ctx, HttpStatus.METHOD_NOT_ALLOWED,
        ctx.method() + " is not allowed on " + ctx.path()));
    try {
      app.start(listen.host(), listen.port());
    } catch (RuntimeException e) {
      app.stop();
      throw new BatonException("cannot listen on api.listen " + listen + ": " + rootMessage(e)
          + "; is another agent using this address? Set a free address in api.listen", e);
    }
    return new HttpApi(app);
  }

  /** Events and detectors (issue 6, part A). */
  private static void eventRoutes(Javalin app, Agent agent) {
    app.get("/v1/events", ctx -> ctx.json(agent.events(EventQueries.list(ctx))));
    // The parameters are checked before the stream starts (which commits a 200): a bad one is a 400.
    app.before("/v1/events/stream", ctx -> ctx.attribute("query", EventQueries.stream(ctx)));
    app.sse("/v1/events/stream", client -> agent.streamEvents(new SseSink(client), client.ctx().attribute("query")));
    app.post("/v1/reports", ctx -> ctx.status(HttpStatus.ACCEPTED).json(agent.report(Bodies.text(ctx))));
  }

  /** The operator verbs: 200 with what happens next, or 202 when a move is under way. */
  private static void operatorRoutes(Javalin app, Agent agent) {
    app.post("/v1/services/{name}/move", ctx -> {
      var answer = agent.verbs().move(ctx.pathParam("name"), Bodies.text(ctx));
      ctx.status(answer.underWay() ? HttpStatus.ACCEPTED : HttpStatus.OK).json(answer.response());
    });
    app.post("/v1/services/{name}/disable", ctx -> ctx.json(agent.verbs().disable(ctx.pathParam("name"), true)));
    app.post("/v1/services/{name}/enable", ctx -> ctx.json(agent.verbs().disable(ctx.pathParam("name"), false)));
    app.put("/v1/services/{name}/ranking", ctx -> ctx.json(agent.verbs().rank(ctx.pathParam("name"), Bodies.text(ctx))));
    app.post("/v1/nodes/{name}/drain", ctx -> ctx.json(agent.verbs().drain(ctx.pathParam("name"), true)));
    app.post("/v1/nodes/{name}/undrain", ctx -> ctx.json(agent.verbs().drain(ctx.pathParam("name"), false)));
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
