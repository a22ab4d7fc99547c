package dev.baton.agent.config;

import dev.baton.core.InvalidInputException;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A config file was rejected. Carries every problem found, not only the first; the message lists
 * them one per line.
 */
public final class ConfigException extends InvalidInputException {
  private final transient List<ConfigProblem> problems;

  ConfigException(List<ConfigProblem> problems) {
    super(problems.stream().map(ConfigProblem::toString).collect(Collectors.joining("\n")));
    if (problems.isEmpty()) {
      throw new IllegalArgumentException("a ConfigException needs at least one problem");
    }
    this.problems = List.copyOf(problems);
  }

  /** The problems in the order they were found; never empty. */
  public List<ConfigProblem> problems() {
    return problems;
  }
}
