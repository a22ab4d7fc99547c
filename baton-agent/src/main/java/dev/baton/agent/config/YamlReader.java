package dev.baton.agent.config;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import dev.baton.core.Text;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Reads a config file into {@link YamlNode}s with Jackson's YAML parser, reporting what cannot be
 * read (missing file, not YAML, empty, several documents, aliases, repeated keys) as problems.
 */
final class YamlReader {
  private static final YAMLFactory YAML = YAMLFactory.builder().build();
  private static final Pattern PARSER_EVENT = Pattern.compile("<?org\\.yaml\\.snakeyaml\\.events\\.(\\w+?)Event(\\([^)]*\\))?>?");
  /** The longest line a config may have, but for a comment. */
  static final int MAX_LINE = 64 * 1024;
  private static final Pattern BLOCK_SCALAR = Pattern.compile("(?m)(^|[:\\-?]\\s)\\s*[|>][-+0-9]*\\s*(#.*)?$");

  private final YAMLParser parser;
  private final Problems problems;

  private YamlReader(YAMLParser parser, Problems problems) {
    this.parser = parser;
    this.problems = problems;
  }

  /** The document in {@code file}, or empty when it could not be read (the reason is in {@code problems}). */
  static Optional<YamlNode> read(Path file, Problems problems) {
    String content;
    try {
      if (Files.isDirectory(file)) {
        problems.add("", "is a directory; expected a YAML config file");
        return Optional.empty();
      }
      content = Files.readString(file);
    } catch (NoSuchFileException e) {
      problems.add("", "cannot read: no such file; expected a YAML config file");
      return Optional.empty();
    } catch (AccessDeniedException e) {
      problems.add("", "cannot read: permission denied; make it readable for the user running baton");
      return Optional.empty();
    } catch (CharacterCodingException e) {
      problems.add("", "cannot read: not UTF-8 text; expected a YAML config file");
      return Optional.empty();
    } catch (IOException e) {
      problems.add("", "cannot read: " + e.getMessage());
      return Optional.empty();
    }
    content = withoutLongComments(content, problems);
    if (content == null) {
      return Optional.empty();
    }
    try (YAMLParser parser = YAML.createParser(content)) {
      YamlReader reader = new YamlReader(parser, problems);
      if (parser.nextToken() == null) {
        problems.add("", "is empty; expected a mapping with at least the group (group: billing)");
        return Optional.empty();
      }
      YamlNode root = reader.value("");
      if (parser.nextToken() != null) {
        problems.add("", "holds more than one YAML document (another starts at line "
            + parser.currentTokenLocation().getLineNr() + "); expected one");
      }
      return Optional.of(root);
    } catch (JacksonException e) {
      problems.add("", "not valid YAML" + at(e.getLocation()) + ": " + summary(e.getOriginalMessage()));
      return Optional.empty();
    } catch (IOException e) {
      problems.add("", "cannot read: " + e.getMessage());
      return Optional.empty();
    }
  }

  /**
   * {@code content} with each comment line longer than {@link #MAX_LINE} cut to its {@code #}, or
   * null when another line is that long (the reason is in {@code problems}). SnakeYAML reads a
   * token 1 KiB at a time and copies what it holds of it at each step: a line of megabytes took it
   * seconds (a 5 MB comment, 11 s). A whole-line comment means nothing, so cutting it changes
   * nothing, unless the file has a block scalar ({@code |} or {@code >}), where a line starting
   * with {@code #} may be text: then a long line is refused like any other.
   */
  static String withoutLongComments(String content, Problems problems) {
    if (content.length() <= MAX_LINE) {
      return content;
    }
    boolean blockScalars = BLOCK_SCALAR.matcher(content).find();
    StringBuilder out = new StringBuilder(Math.min(content.length(), 1 << 20));
    int line = 1;
    for (int start = 0; start < content.length(); line++) {
      int nl = content.indexOf('\n', start);
      int end = nl < 0 ? content.length() : nl + 1;
      int length = end - start;
      if (length <= MAX_LINE) {
        out.append(content, start, end);
      } else {
        int first = start;
        while (first < end && (content.charAt(first) == ' ' || content.charAt(first) == '\t')) {
          first++;
        }
        if (blockScalars || first == end || content.charAt(first) != '#') {
          problems.add("", "line " + line + " is " + length + " characters long; expected lines of at most " + MAX_LINE
              + " characters");
          return null;
        }
        out.append(content, start, first + 1).append(nl < 0 ? "" : "\n");
      }
      start = end;
    }
    return out.toString();
  }

  /** Reads the value at the current token, which lies at {@code path}. */
  private YamlNode value(String path) throws IOException {
    if (parser.isCurrentAlias()) {
      problems.add(path, "YAML alias *" + parser.getText() + " is not supported; write the value out");
      return new YamlNode.Broken();
    }
    JsonToken token = parser.currentToken();
    if (token == JsonToken.START_OBJECT) {
      Map<String, YamlNode> entries = new LinkedHashMap<>();
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String key = parser.currentName();
        int line = parser.currentTokenLocation().getLineNr();
        parser.nextToken();
        String keyPath = Problems.child(path, key);
        YamlNode child = value(keyPath);
        if (entries.containsKey(key)) {
          problems.add(keyPath, "appears more than once (again at line " + line + "); keep one");
          entries.put(key, new YamlNode.Broken());
        } else {
          entries.put(key, child);
        }
      }
      return new YamlNode.Mapping(entries);
    }
    if (token == JsonToken.START_ARRAY) {
      List<YamlNode> items = new ArrayList<>();
      for (JsonToken t = parser.nextToken(); t != JsonToken.END_ARRAY && t != null; t = parser.nextToken()) {
        items.add(value(path + "[" + items.size() + "]"));
      }
      return new YamlNode.Sequence(items);
    }
    if (token == JsonToken.VALUE_NULL) {
      return new YamlNode.Scalar(null);
    }
    return new YamlNode.Scalar(parser.getText());
  }

  private static String at(JsonLocation location) {
    if (location == null || location.getLineNr() < 1) {
      return "";
    }
    return " at line " + location.getLineNr() + ", column " + location.getColumnNr();
  }

  /**
   * SnakeYAML's messages span lines with source excerpts; keep the sentences only, say which YAML
   * element a parser event stands for instead of its class, and keep it short.
   */
  static String summary(String message) {
    if (message == null) {
      return "unreadable";
    }
    String text = message.lines()
        .filter(line -> !line.isBlank() && !Character.isWhitespace(line.charAt(0)))
        .collect(Collectors.joining(", "));
    Matcher event = PARSER_EVENT.matcher(text);
    StringBuilder out = new StringBuilder();
    while (event.find()) {
      String what = switch (event.group(1)) {
        case "Alias" -> "an alias";
        case "Scalar" -> "a value";
        case "MappingStart" -> "a mapping";
        case "SequenceStart" -> "a list";
        case "MappingEnd", "SequenceEnd" -> "the end of a block";
        case "DocumentStart", "DocumentEnd" -> "a document marker";
        default -> "YAML";
      };
      event.appendReplacement(out, Matcher.quoteReplacement(what));
    }
    event.appendTail(out);
    return Text.prefix(out.toString().replace("org.yaml.snakeyaml.", ""), 300);
  }
}
