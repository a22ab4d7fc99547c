package dev.baton.core;

/** A validated node name (see {@link Names}). */
public record NodeName(String value) implements Comparable<NodeName> {
  public NodeName {
    Names.check("node", value);
  }

  public static NodeName of(String value) {
    return new NodeName(value);
  }

  @Override
  public int compareTo(NodeName other) {
    return value.compareTo(other.value);
  }

  @Override
  public String toString() {
    return value;
  }
}
