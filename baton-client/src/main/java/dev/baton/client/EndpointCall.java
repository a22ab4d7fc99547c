package dev.baton.client;

/** A call to a service's endpoint, as {@link ServiceClient#call} makes it. */
@FunctionalInterface
public interface EndpointCall<T> {
  /**
   * Calls the service at {@code endpoint}. Any exception counts as a failed call: the client
   * forgets the endpoint, resolves the service again and retries (see {@link ServiceClient#call}).
   */
  T call(Endpoint endpoint) throws Exception;
}
