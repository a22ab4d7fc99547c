package dev.baton.agent.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.baton.core.InvalidInputException;
import dev.baton.core.Text;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The one check every JSON request body passes before a route acts on it: exactly one JSON
 * document (trailing text or a second document refused), no key twice in an object, nested at most
 * {@link #MAX_DEPTH} levels. Its errors say what is wrong and where, quote at most a short prefix
 * of the body, and never the parser's own words (class names, source excerpts).
 */
final class StrictJson {
  /** The deepest nesting a body may have; the API's requests need two levels. */
  static final int MAX_DEPTH = 16;
  /** The longest key an object may have; the API's keys are a few characters. */
  static final int MAX_KEY = 1024;

  private static final JsonMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
          .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH)
              .maxNameLength(MAX_KEY).build())
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .build())
      // Trailing tokens are checked below, to say where: Jackson's FAIL_ON_TRAILING_TOKENS would
      // report them in its own words.
      .disable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .build();

  private StrictJson() {}

  /**
   * Returns {@code body} when it is empty or exactly one JSON document; what the document must hold
   * is the route's to check.
   *
   * @param example a valid body of the route, for the message
   * @throws InvalidInputException saying what is wrong
   */
  static String check(String body, String example) {
    if (body.isBlank()) {
      return body;
    }
    try (JsonParser parser = MAPPER.createParser(body)) {
      MAPPER.readTree(parser);
      // One document read; anything but white space after it is refused.
      long end = parser.currentLocation().getCharOffset();
      JsonToken next;
      try {
        next = parser.nextToken();
      } catch (JsonProcessingException e) {
        next = JsonToken.NOT_AVAILABLE;
      }
      if (next != null) {
        int at = (int) Math.min(Math.max(end, 0), body.length());
        while (at < body.length() && Character.isWhitespace(body.charAt(at))) {
          at++;
        }
        throw new InvalidInputException("the request body has more after its JSON document, at character " + (at + 1)
            + ": " + Text.quote(body.substring(at)) + "; expected exactly one JSON document such as " + example);
      }
      return body;
    } catch (StreamConstraintsException e) {
      throw new InvalidInputException(limit(e) + "; expected " + example);
    } catch (JsonProcessingException e) {
      throw new InvalidInputException(problem(e, body) + "; expected one JSON document such as " + example);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // reading a String
    }
  }

  private static String limit(StreamConstraintsException e) {
    String m = String.valueOf(e.getOriginalMessage());
    if (m.contains("nesting depth")) {
      return "the request body is nested more than " + MAX_DEPTH + " levels deep";
    }
    if (m.startsWith("Name length")) {
      return "the request body has a key longer than " + MAX_KEY + " characters";
    }
    if (m.startsWith("Number value length")) {
      return "the request body holds a number too long to read";
    }
    return "the request body holds a value too large to read";
  }

  private static String problem(JsonProcessingException e, String body) {
    String m = String.valueOf(e.getOriginalMessage());
    long at = offset(e.getLocation());
    if (m.startsWith("Duplicate field '")) {
      String key = m.substring("Duplicate field '".length(), Math.max("Duplicate field '".length(), m.lastIndexOf('\'')));
      return "the request body has the key " + Text.quote(key) + " twice in one object; give each key once";
    }
    if (m.contains("end-of-input")) {
      return "the request body ends inside its JSON document";
    }
    return "the request body is not valid JSON" + near(body, at);
  }

  private static long offset(JsonLocation location) {
    return location == null ? -1 : location.getCharOffset();
  }

  private static String near(String body, long at) {
    if (at < 0 || at > body.length()) {
      return "";
    }
    // The parser stops after the token it could not take: quote from a little before.
    int from = (int) Math.max(0, at - 16);
    return " at character " + at + ", near " + Text.quote(body.substring(from));
  }
}
