package dev.baton.agent.http;

import dev.baton.core.InvalidInputException;
import io.javalin.http.Context;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;
import org.eclipse.jetty.io.EndPoint;

/**
 * Request bodies, read through a bound before any route runs: at most {@link #MAX_BYTES}, whatever
 * the transfer encoding. A body that states a larger Content-Length is refused unread; a chunked
 * one is refused as soon as it passes the bound. Nothing here holds more than the bound, so an
 * upload cannot fill the heap however long it is.
 */
final class Bodies {
  /** The largest request body the API takes; its largest request (a ranking) needs a few KiB. */
  static final int MAX_BYTES = 64 * 1024;
  private static final String ATTRIBUTE = "baton.body";

  /** A body longer than {@link #MAX_BYTES}: a 413, and the connection is closed. */
  static final class TooLarge extends RuntimeException {
    TooLarge(String message) {
      super(message, null, false, false);
    }
  }

  private Bodies() {}

  /**
   * Reads the body of {@code ctx} (at most {@link #MAX_BYTES} + 1 bytes) for {@link #text} to hand out.
   *
   * @throws TooLarge when the body is, or says it is, longer than {@link #MAX_BYTES}
   */
  static void read(Context ctx) throws IOException {
    long declared = ctx.req().getContentLengthLong();
    if (declared > MAX_BYTES) {
      throw new TooLarge("the request body is " + declared + " bytes; the API takes at most " + MAX_BYTES
          + " bytes (64 KiB)");
    }
    byte[] body = ctx.req().getInputStream().readNBytes(MAX_BYTES + 1);
    if (body.length > MAX_BYTES) {
      throw new TooLarge("the request body is longer than " + MAX_BYTES + " bytes; the API takes at most " + MAX_BYTES
          + " bytes (64 KiB)");
    }
    ctx.attribute(ATTRIBUTE, body);
  }

  /**
   * Answers 413 with {@code json} and closes the connection: the rest of the body is never read.
   * (Left to itself, Jetty would read and discard the rest before it ends the exchange, for as
   * long as the sender keeps sending, holding a thread.)
   */
  static void refuse(Context ctx, String message) {
    byte[] json = ("{\"error\":\"" + message + "\"}").getBytes(StandardCharsets.UTF_8); // our own text: no escapes
    EndPoint connection = ServletContextRequest.getServletContextRequest(ctx.req()).getConnectionMetaData().getConnection()
        .getEndPoint();
    try {
      HttpServletResponse res = ctx.res();
      res.setStatus(413);
      res.setHeader("Connection", "close");
      res.setContentType("application/json");
      res.setContentLength(json.length);
      res.getOutputStream().write(json);
      res.flushBuffer();
      connection.shutdownOutput();
    } catch (IOException e) {
      // the sender is gone already
    } finally {
      connection.close();
    }
  }

  /**
   * The body {@link #read} read, as text.
   *
   * @throws InvalidInputException when it is not UTF-8
   */
  static String text(Context ctx) {
    byte[] body = ctx.attribute(ATTRIBUTE);
    if (body == null) {
      return "";
    }
    try {
      return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(body)).toString();
    } catch (CharacterCodingException e) {
      throw new InvalidInputException("the request body is not UTF-8 text; expected a JSON object in UTF-8");
    }
  }
}
