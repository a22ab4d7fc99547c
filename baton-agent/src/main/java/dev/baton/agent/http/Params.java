package dev.baton.agent.http;

import dev.baton.core.InvalidInputException;
import dev.baton.core.Text;
import io.javalin.http.Context;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A request's query parameters, decoded strictly from the raw query string: a malformed
 * percent-escape or bytes that are not UTF-8, a parameter the route does not take, or one given
 * twice, is an {@link InvalidInputException} (400) naming it, never a parameter quietly dropped.
 */
final class Params {
  private static final String ATTRIBUTE = "baton.params";
  private final Map<String, String> values;

  private Params(Map<String, String> values) {
    this.values = values;
  }

  /** Decodes the query of {@code ctx} for a route that takes {@code allowed}, and keeps it for {@link #of(Context)}. */
  static Params check(Context ctx, Set<String> allowed) {
    Map<String, String> values = parse(ctx.queryString());
    Set<String> unknown = new TreeSet<>(values.keySet());
    unknown.removeAll(allowed);
    if (!unknown.isEmpty()) {
      throw new InvalidInputException((unknown.size() == 1 ? "unknown query parameter " : "unknown query parameters ")
          + String.join(", ", unknown.stream().map(Text::quote).toList()) + " on " + Text.prefix(ctx.path(), 64)
          + (allowed.isEmpty() ? "; it takes none" : "; expected " + String.join(", ", new TreeSet<>(allowed))));
    }
    Params params = new Params(values);
    ctx.attribute(ATTRIBUTE, params);
    return params;
  }

  /** The parameters {@link #check} kept for this request. */
  static Params of(Context ctx) {
    return ctx.attribute(ATTRIBUTE);
  }

  /** The value of {@code name}, or null when it is absent. */
  String get(String name) {
    return values.get(name);
  }

  static Map<String, String> parse(String query) {
    Map<String, String> values = new LinkedHashMap<>();
    if (query == null || query.isEmpty()) {
      return values;
    }
    for (String pair : query.split("&", -1)) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String name = decode(eq < 0 ? pair : pair.substring(0, eq));
      String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
      if (name.isEmpty()) {
        throw new InvalidInputException("a query parameter has no name (" + Text.quote(pair) + "); expected name=value");
      }
      if (values.putIfAbsent(name, value) != null) {
        throw new InvalidInputException("query parameter " + Text.quote(name) + " is given more than once; expected it once");
      }
    }
    return values;
  }

  /** Percent-decoding as browsers encode a query ('+' is a space), refusing what does not decode. */
  static String decode(String text) {
    if (text.indexOf('%') < 0 && text.indexOf('+') < 0) {
      return text;
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(text.length());
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '+') {
        bytes.write(' ');
      } else if (c == '%') {
        int hi = i + 1 < text.length() ? Character.digit(text.charAt(i + 1), 16) : -1;
        int lo = i + 2 < text.length() ? Character.digit(text.charAt(i + 2), 16) : -1;
        if (hi < 0 || lo < 0) {
          throw new InvalidInputException("malformed percent-escape " + Text.quote(text.substring(i, Math.min(i + 3,
              text.length()))) + " in the query (" + Text.quote(text) + "); expected % and two hex digits (%25 for '%')");
        }
        bytes.write(hi * 16 + lo);
        i += 2;
      } else {
        int cp = text.codePointAt(i);
        byte[] raw = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8);
        bytes.write(raw, 0, raw.length);
        i += Character.charCount(cp) - 1;
      }
    }
    try {
      return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes.toByteArray())).toString();
    } catch (CharacterCodingException e) {
      throw new InvalidInputException("the query parameter " + Text.quote(text) + " does not decode to UTF-8 text");
    }
  }
}
