package dev.baton.core.store;

import java.util.Objects;

/** A store session's identity, assigned by the store; never reused within a group. */
public record SessionId(String value) {
  public SessionId {
    Objects.requireNonNull(value, "value");
  }

  @Override
  public String toString() {
    return value;
  }
}
