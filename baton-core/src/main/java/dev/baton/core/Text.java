package dev.baton.core;

/**
 * Untrusted text made safe to echo: in an error message (a short prefix, never the whole input)
 * and on a terminal (control characters written as escapes, so a value cannot start a new line
 * or send an escape sequence). Used by the HTTP API, the config loader and the CLI alike.
 */
public final class Text {
  /** How many characters of a bad input an error message quotes. */
  public static final int QUOTE_LENGTH = 64;

  private Text() {}

  /**
   * {@code value} in double quotes for an error message: at most {@link #QUOTE_LENGTH} characters,
   * then "…" when it was longer; control characters escaped. {@code null} gives {@code null}.
   */
  public static String quote(String value) {
    return value == null ? "null" : "\"" + prefix(value, QUOTE_LENGTH) + "\"";
  }

  /**
   * At most {@code max} characters of {@code value} (never splitting a surrogate pair), with "…"
   * appended when it was cut; control characters escaped as by {@link #escapeControls}.
   */
  public static String prefix(String value, int max) {
    if (max < 1) {
      throw new IllegalArgumentException("max must be >= 1, got " + max);
    }
    if (value.length() <= max) {
      return escapeControls(value);
    }
    int end = Character.isHighSurrogate(value.charAt(max - 1)) ? max - 1 : max;
    return escapeControls(value.substring(0, end)) + "…";
  }

  /** Whether {@code value} holds a control character (Unicode category Cc: C0, DEL, C1). */
  public static boolean hasControl(String value) {
    return firstControl(value) >= 0;
  }

  /** The index of the first control character in {@code value}, or -1. */
  public static int firstControl(String value) {
    for (int i = 0; i < value.length(); i++) {
      if (Character.getType(value.charAt(i)) == Character.CONTROL) {
        return i;
      }
    }
    return -1;
  }

  /**
   * {@code value} with each control character written as an escape: {@code \n}, {@code \r},
   * {@code \t}, else {@code \xHH} (C0 and DEL) or {@code \u0085} style (C1). Other text, and a
   * backslash, are kept as they are.
   */
  public static String escapeControls(String value) {
    int first = firstControl(value);
    if (first < 0) {
      return value;
    }
    StringBuilder out = new StringBuilder(value.length() + 8).append(value, 0, first);
    for (int i = first; i < value.length(); i++) {
      char c = value.charAt(i);
      if (Character.getType(c) != Character.CONTROL) {
        out.append(c);
      } else if (c == '\n') {
        out.append("\\n");
      } else if (c == '\r') {
        out.append("\\r");
      } else if (c == '\t') {
        out.append("\\t");
      } else if (c < 0x80) {
        out.append(String.format("\\x%02x", (int) c));
      } else {
        out.append(String.format("\\u%04x", (int) c));
      }
    }
    return out.toString();
  }
}
