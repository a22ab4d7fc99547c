package dev.baton.agent.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.api.ErrorResponse;
import dev.baton.core.Text;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.handler.ErrorHandler;

/**
 * Jetty's own errors, those it answers before a route runs (a request line or header it cannot
 * parse: 400; a URI or headers too long: 414, 431; a bad path: 400), as {@code {"error": ...}} like
 * every other answer of the API instead of an HTML page.
 */
final class JsonErrors extends ErrorHandler {
  private final ObjectMapper json;

  JsonErrors(ObjectMapper json) {
    this.json = json;
  }

  /** A request Jetty could not parse: answered from the connection, before any handler. */
  @Override
  public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
    fields.put(HttpHeader.CONTENT_TYPE, "application/json");
    return ByteBuffer.wrap(body(status, reason));
  }

  /** An error Jetty sends through the servlet layer (sendError). */
  @Override
  public void handle(String target, Request baseRequest, HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    Object message = request.getAttribute(RequestDispatcher.ERROR_MESSAGE);
    byte[] body = body(response.getStatus(), message == null ? null : message.toString());
    baseRequest.setHandled(true);
    response.setContentType("application/json");
    response.setContentLength(body.length);
    response.getOutputStream().write(body);
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
