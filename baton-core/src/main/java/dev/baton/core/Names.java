package dev.baton.core;

import java.util.regex.Pattern;

/** The one rule for names of groups, nodes and services, checked at every edge. */
public final class Names {
  public static final String RULE = "[a-z0-9][a-z0-9._-]{0,62}";
  private static final Pattern PATTERN = Pattern.compile(RULE);

  private Names() {}

  /**
   * Returns {@code value} when it is a valid name, else throws an {@link InvalidInputException}
   * that echoes (a short prefix of) the bad input and states the rule.
   */
  public static String check(String kind, String value) {
    if (value == null || value.isEmpty()) {
      throw new InvalidInputException(kind + " name is missing; expected " + description());
    }
    if (!PATTERN.matcher(value).matches()) {
      throw new InvalidInputException(
          "invalid " + kind + " name " + Text.quote(value) + "; expected " + description());
    }
    return value;
  }

  public static boolean isValid(String value) {
    return value != null && PATTERN.matcher(value).matches();
  }

  public static String description() {
    return "1-63 characters of a-z, 0-9, '.', '_' or '-', starting with a letter or digit";
  }
}
