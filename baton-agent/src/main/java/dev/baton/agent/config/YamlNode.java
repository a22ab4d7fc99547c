package dev.baton.agent.config;

import java.util.List;
import java.util.Map;

/**
 * A YAML value as the operator wrote it: scalars keep their text exactly (so {@code 1.50},
 * {@code 0123} or {@code yes} are not silently turned into other values), mappings keep their
 * order.
 */
sealed interface YamlNode {

  /** How a message names this value when it is the wrong kind. */
  String describe();

  record Mapping(Map<String, YamlNode> entries) implements YamlNode {
    @Override
    public String describe() {
      return "a mapping";
    }
  }

  record Sequence(List<YamlNode> items) implements YamlNode {
    @Override
    public String describe() {
      return "a list";
    }
  }

  /** A scalar; {@code text} is null for a YAML null ({@code ~}, {@code null}). */
  record Scalar(String text) implements YamlNode {
    boolean isBlank() {
      return text == null || text.isEmpty();
    }

    @Override
    public String describe() {
      return text == null ? "null" : "\"" + text + "\"";
    }
  }

  /** A value that was already reported as a problem while reading (an alias, a repeated key). */
  record Broken() implements YamlNode {
    @Override
    public String describe() {
      return "an unreadable value";
    }
  }
}
