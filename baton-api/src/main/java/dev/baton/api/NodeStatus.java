package dev.baton.api;

/**
 * A node on the whiteboard.
 *
 * @param state {@code alive}, {@code lost} (lease passed), {@code left} (closed its session) or
 *     {@code drained}
 */
public record NodeStatus(String name, String location, String state, String api) {}
