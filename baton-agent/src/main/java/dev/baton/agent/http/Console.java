package dev.baton.agent.http;

import dev.baton.core.BatonException;
import dev.baton.core.NotFoundException;
import dev.baton.core.Text;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;

/**
 * The web console: {@code GET /} (the page) and {@code GET /console/{file}} (its script and style),
 * served from the jar's {@code console/} resources, read once at start. The page uses only the
 * {@code /v1} API of the agent that served it; the Content-Security-Policy keeps it from loading
 * or sending anything elsewhere.
 */
final class Console {
  private static final Map<String, String> FILES = Map.of(
      "index.html", "text/html; charset=utf-8",
      "console.js", "text/javascript; charset=utf-8",
      "console.css", "text/css; charset=utf-8");
  private static final String POLICY = "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'";

  private Console() {}

  static void routes(RoutesConfig app) {
    Map<String, byte[]> bodies = new java.util.HashMap<>();
    FILES.keySet().forEach(f -> bodies.put(f, read(f)));
    HttpApi.get(app, "/", ctx -> serve(ctx, "index.html", bodies));
    HttpApi.get(app, "/console/{file}", ctx -> {
      String file = ctx.pathParam("file");
      if (!FILES.containsKey(file) || file.equals("index.html")) {
        throw new NotFoundException("no such console file: " + Text.quote(Text.prefix(file, 64))
            + "; the console is at / (with /console/console.js and /console/console.css)");
      }
      serve(ctx, file, bodies);
    });
  }

  private static void serve(Context ctx, String file, Map<String, byte[]> bodies) {
    ctx.header("Cache-Control", "no-cache").header("Content-Security-Policy", POLICY)
        .header("X-Content-Type-Options", "nosniff").contentType(FILES.get(file)).result(bodies.get(file));
  }

  private static byte[] read(String file) {
    try (InputStream in = Console.class.getResourceAsStream("/console/" + file)) {
      if (in == null) {
        throw new BatonException("the console's " + file + " is missing from the agent's jar; rebuild it");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new BatonException("cannot read the console's " + file + " from the agent's jar: " + e, e);
    }
  }
}
