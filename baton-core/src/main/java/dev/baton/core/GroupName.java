package dev.baton.core;

/** A validated group name (see {@link Names}). */
public record GroupName(String value) implements Comparable<GroupName> {
  public GroupName {
    Names.check("group", value);
  }

  public static GroupName of(String value) {
    return new GroupName(value);
  }

  @Override
  public int compareTo(GroupName other) {
    return value.compareTo(other.value);
  }

  @Override
  public String toString() {
    return value;
  }
}
