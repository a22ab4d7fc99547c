package dev.baton.agent.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.api.ErrorResponse;
import dev.baton.core.Text;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Jetty's own errors, those it answers before a route runs (a request line or header it cannot
 * parse: 400; a URI or headers too long: 414, 431; a bad path: 400), as {@code {"error": ...}} like
 * every other answer of the API instead of an HTML page, whatever the request's Accept header says:
 * {@link #forServer} for the errors of the connection, {@link #forServlets} for those the servlet
 * layer sends.
 */
final class JsonErrors {
  private final ObjectMapper json;

  JsonErrors(ObjectMapper json) {
    this.json = json;
  }

  /** The server's error handler: requests that never reached the servlet context. */
  org.eclipse.jetty.server.handler.ErrorHandler forServer() {
    return new org.eclipse.jetty.server.handler.ErrorHandler() {
      @Override
      public boolean errorPageForMethod(String method) {
        return true; // Jetty writes a body only for GET, POST and HEAD otherwise; ours go to every method
      }

      @Override
      public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
        fields.put(HttpHeader.CONTENT_TYPE, "application/json");
        return ByteBuffer.wrap(body(status, reason));
      }

      @Override
      protected void generateResponse(Request request, Response response, int code, String message, Throwable cause,
          Callback callback) {
        writeJson(response, code, message, callback);
      }
    };
  }

  /** The servlet context's error handler. */
  org.eclipse.jetty.ee10.servlet.ErrorHandler forServlets() {
    return new org.eclipse.jetty.ee10.servlet.ErrorHandler() {
      @Override
      public boolean errorPageForMethod(String method) {
        return true; // Jetty writes a body only for GET, POST and HEAD otherwise; ours go to every method
      }

      @Override
      protected void generateResponse(Request request, Response response, int code, String message, Throwable cause,
          Callback callback) {
        writeJson(response, code, message, callback);
      }
    };
  }

  private void writeJson(Response response, int code, String message, Callback callback) {
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
    response.write(true, ByteBuffer.wrap(body(code, message)), callback);
  }

  private byte[] body(int status, String reason) {
    try {
      return json.writeValueAsBytes(new ErrorResponse(message(status, reason)));
    } catch (JsonProcessingException e) {
      return "{\"error\":\"bad request\"}".getBytes(StandardCharsets.UTF_8);
    }
  }

  static String message(int status, String reason) {
    return switch (status) {
      case 413 -> "the request is too large; a body may have at most " + Bodies.MAX_BYTES + " bytes (64 KiB)";
      case 414 -> "the request URI is too long; the API takes at most 8 KiB of request line";
      case 431 -> "the request headers are too large; the API takes at most 8 KiB of headers";
      case 400 -> "bad request" + (reason == null || reason.isBlank() || reason.equalsIgnoreCase("Bad Request")
          ? "" : ": " + Text.prefix(reason, Text.QUOTE_LENGTH)) + "; see the HTTP API in the README";
      default -> "HTTP " + status + (reason == null || reason.isBlank() ? "" : ": " + Text.prefix(reason, Text.QUOTE_LENGTH));
    };
  }
}
