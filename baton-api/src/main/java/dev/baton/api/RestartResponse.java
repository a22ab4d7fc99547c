package dev.baton.api;

/**
 * The answer to {@code POST /v1/services/{name}/restart}: the owner restarts its process in place,
 * with the same epoch. The fields of {@link OperatorResponse}, and what a client needs to see the
 * restart happen.
 *
 * @param verb {@code restart}
 * @param service the service
 * @param node its owner, which restarts it
 * @param changed always true: every accepted restart is a change
 * @param detail what happens next, in words
 * @param epoch the epoch the service keeps
 * @param pid the process being restarted (null for a service that runs inside the agent's JVM)
 * @param event the sequence number of the {@code operator.restart} event; the {@code service.started}
 *     of the restart comes after it. 0 when the store could not record the event in time
 */
public record RestartResponse(String verb, String service, String node, boolean changed, String detail, long epoch,
    Long pid, long event) {}
