package dev.baton.agent.config;

public final class FailoverBudget {
  public static String describe(AgentConfig config) {
    return "";
  }
}
