package dev.baton.cli;

import dev.baton.core.ConflictException;
import dev.baton.core.InvalidInputException;

/** Exit codes of every command, documented in {@code baton --help}. */
public final class ExitCodes {
  public static final int OK = 0;
  public static final int FAILED = 1;
  public static final int BAD_INPUT = 2;
  static final int UNREACHABLE = 3;
  static final int CONFLICT = 4;
  /** A verb's {@code --wait} ran out of time before the change happened (it may still happen). */
  static final int TIMED_OUT = 5;
  /** The agent requires a token and none, or another, was sent (401). */
  static final int UNAUTHORIZED = 6;

  private ExitCodes() {}

  static int of(Exception e) {
    if (e instanceof InvalidInputException) {
      return BAD_INPUT;
    }
    if (e instanceof ConflictException) {
      return CONFLICT;
    }
    if (e instanceof WaitOptions.TimedOut) {
      return TIMED_OUT;
    }
    if (e instanceof BatonClient.UnauthorizedException) {
      return UNAUTHORIZED;
    }
    if (e instanceof BatonClient.UnreachableException) {
      return UNREACHABLE;
    }
    return FAILED;
  }
}
