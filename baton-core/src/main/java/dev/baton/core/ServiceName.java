package dev.baton.core;

/** A validated service name (see {@link Names}). */
public record ServiceName(String value) implements Comparable<ServiceName> {
  public ServiceName {
    Names.check("service", value);
  }

  public static ServiceName of(String value) {
    return new ServiceName(value);
  }

  @Override
  public int compareTo(ServiceName other) {
    return value.compareTo(other.value);
  }

  @Override
  public String toString() {
    return value;
  }
}
