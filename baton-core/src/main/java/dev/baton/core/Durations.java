package dev.baton.core;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as operators write them: {@code 500ms}, {@code 3s}, {@code 1.5s}, {@code 2m}, {@code 1h}. */
public final class Durations {
  private static final Pattern PATTERN = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m|h)");

  private Durations() {}

  /** Parses a duration; throws {@link InvalidInputException} naming the bad text otherwise. */
  public static Duration parse(String text) {
    Matcher m = text == null ? null : PATTERN.matcher(text.trim());
    if (m == null || !m.matches()) {
      throw new InvalidInputException("invalid duration " + Text.quote(text)
          + "; expected a number and a unit: ms, s, m or h (e.g. 500ms, 3s, 2m)");
    }
    BigDecimal amount = new BigDecimal(m.group(1));
    long millisPerUnit = switch (m.group(2)) {
      case "ms" -> 1;
      case "s" -> 1_000;
      case "m" -> 60_000;
      default -> 3_600_000;
    };
    BigDecimal millis = amount.multiply(BigDecimal.valueOf(millisPerUnit));
    if (millis.stripTrailingZeros().scale() > 0) {
      throw new InvalidInputException("invalid duration " + Text.quote(text) + "; finer than a millisecond");
    }
    return Duration.ofMillis(millis.longValueExact());
  }

  /** Formats a duration the way {@link #parse} reads it, in the largest exact unit. */
  public static String format(Duration d) {
    long ms = d.toMillis();
    if (ms != 0 && ms % 3_600_000 == 0) {
      return ms / 3_600_000 + "h";
    }
    if (ms != 0 && ms % 60_000 == 0) {
      return ms / 60_000 + "m";
    }
    if (ms != 0 && ms % 1_000 == 0) {
      return ms / 1_000 + "s";
    }
    if (ms >= 1_000) {
      return BigDecimal.valueOf(ms, 3).stripTrailingZeros().toPlainString() + "s";
    }
    return ms + "ms";
  }
}
