package dev.baton.cli;

/** Text from elsewhere (the user, an agent) made safe to print in one line of a message. */
final class Texts {
  /** How much of a bad input a message quotes. */
  static final int PREFIX = 64;

  private Texts() {}

  /** At most {@link #PREFIX} characters of {@code text}, then "..." when there was more. */
  static String prefix(String text) {
    return text.length() <= PREFIX ? text : text.substring(0, PREFIX) + "...";
  }
}
