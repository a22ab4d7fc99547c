package dev.baton.core;

/**
 * A validated service name: a configured service ({@link Names}), or one instance of a service
 * that runs several at once, written {@code service@instance} (both parts follow the same rule).
 * {@code @} is in no configured name, so an instance never collides with a configured service and
 * every node, store and client can tell an instance and its service apart by the name alone.
 */
public record ServiceName(String value) implements Comparable<ServiceName> {
  /** What separates a service from the name of one of its instances. */
  public static final char INSTANCE_SEPARATOR = '@';

  public ServiceName {
    int at = value == null ? -1 : value.indexOf(INSTANCE_SEPARATOR);
    if (at < 0) {
      Names.check("service", value);
    } else if (!Names.isValid(value.substring(0, at)) || !Names.isValid(value.substring(at + 1))) {
      throw new InvalidInputException("invalid service name " + Text.quote(value) + "; expected "
          + Names.description() + ", or SERVICE@INSTANCE for one instance of a service, each part such a name");
    }
  }

  public static ServiceName of(String value) {
    return new ServiceName(value);
  }

  /** The instance {@code instance} of this (configured) service: {@code service@instance}. */
  public ServiceName instance(String instance) {
    if (isInstance()) {
      throw new InvalidInputException(Text.quote(value) + " is an instance already; an instance has no instances");
    }
    return new ServiceName(value + INSTANCE_SEPARATOR + instance);
  }

  /** Whether this names one instance of a service ({@code service@instance}). */
  public boolean isInstance() {
    return value.indexOf(INSTANCE_SEPARATOR) >= 0;
  }

  /** The service this is an instance of, or this name itself when it is no instance. */
  public ServiceName service() {
    int at = value.indexOf(INSTANCE_SEPARATOR);
    return at < 0 ? this : new ServiceName(value.substring(0, at));
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
