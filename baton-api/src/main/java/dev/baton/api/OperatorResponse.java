package dev.baton.api;

/**
 * The answer to an operator verb ({@code POST /v1/services/{name}/move}, {@code .../disable},
 * {@code .../enable}, {@code PUT .../ranking}, {@code POST /v1/nodes/{name}/drain},
 * {@code .../undrain}).
 *
 * @param verb {@code move}, {@code disable}, {@code enable}, {@code rank}, {@code drain} or
 *     {@code undrain}
 * @param service the service the verb acted on, or null for a node verb
 * @param node the node: the move's target, or the drained or undrained node; null otherwise
 * @param changed false when the group already was as asked (nothing was written)
 * @param detail what happens next, in words
 */
public record OperatorResponse(String verb, String service, String node, boolean changed, String detail) {}
