package dev.baton.api;

import java.util.List;

/**
 * {@code GET /v1/services/{name}/resolve}: where clients reach a service, best first.
 *
 * @param service the service
 * @param from the location the order is measured from: the {@code from} parameter, else the
 *     answering node's location ({@code ""} for the root)
 * @param node the node that answered
 * @param owner the node that owns the service at {@code epoch}, or null when none does
 * @param epoch the service's current epoch (0 before its first claim)
 * @param endpoints the providers that declare an endpoint on nodes that are alive: the owner first,
 *     then the others, nearest to {@code from} in the location tree first (then by place in the
 *     service's line, then by name). Empty when no provider declares one. For a service that runs
 *     as instances: the endpoint of each instance's owner, nearest first (then by the owner's rank,
 *     then by name); {@code owner} is then null and {@code epoch} 0, since each instance has its own
 */
public record ResolveResponse(String service, String from, String node, String owner, long epoch,
    List<ResolvedEndpoint> endpoints) {
  public ResolveResponse {
    endpoints = List.copyOf(endpoints);
  }

  /**
   * One provider's endpoint.
   *
   * @param endpoint {@code host:port} as the provider's config declares it
   * @param active true only for the owner while its provider runs at the current epoch ({@code
   *     providing}); for a singleton service the one endpoint that serves
   * @param state the provider's state ({@code providing}, {@code waiting}, ...)
   * @param location the provider's node's location ({@code ""} for the root)
   * @param shared how many leading segments of {@code location} it shares with {@code from}
   * @param api the provider's node's API address as the node publishes it
   * @param instance for a service that runs as instances ({@code instances} in its config): the
   *     instance ({@code web@2}) whose owner this endpoint is; null for a singleton service
   */
  public record ResolvedEndpoint(String node, String endpoint, boolean active, String state, String location,
      int shared, String api, String instance) {}
}
