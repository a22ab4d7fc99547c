/**
 * The HTTP API under {@code /v1} (Javalin): {@link dev.baton.agent.http.HttpApi} serves what the
 * agent offers, and is the {@code Agent.ApiStarter} whoever composes a node passes in
 * ({@code HttpApi::start}). The top layer: may use the agent and every package below it; the only
 * package that may use Javalin, and nothing in the agent refers to it.
 */
package dev.baton.agent.http;
