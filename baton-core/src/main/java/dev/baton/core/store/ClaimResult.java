package dev.baton.core.store;

import java.util.Objects;

/**
 * The answer to a claim: granted with the new ownership, or rejected with the ownership as it is
 * and a reason fit for a log line ("owner session is live", "epoch moved to 8").
 */
public record ClaimResult(boolean granted, Ownership ownership, String reason) {
  public ClaimResult {
    Objects.requireNonNull(ownership, "ownership");
  }

  public static ClaimResult granted(Ownership ownership) {
    return new ClaimResult(true, ownership, null);
  }

  public static ClaimResult rejected(Ownership current, String reason) {
    return new ClaimResult(false, current, reason);
  }
}
