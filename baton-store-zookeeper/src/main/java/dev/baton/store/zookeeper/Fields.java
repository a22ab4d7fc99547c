package dev.baton.store.zookeeper;

import dev.baton.core.BatonException;
import dev.baton.core.store.StoreException;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The data of one znode: {@code key=value} lines in {@link Properties} syntax (UTF-8), readable
 * with {@code zkCli.sh get}. Every reader checks what it finds and names the znode and the field
 * when something is off, since the data may come from another version of Baton or from a hand.
 */
final class Fields {
  static final String FORMAT = "1";

  private final String path;
  private final Properties values;

  private Fields(String path, Properties values) {
    this.path = path;
    this.values = values;
  }

  /** Fields to be written to {@code path}, starting with the format version. */
  static Fields create(String path) {
    Fields fields = new Fields(path, new Properties());
    fields.put("format", FORMAT);
    return fields;
  }

  /** Reads the data of {@code path}. */
  static Fields parse(String path, byte[] data) {
    Properties values = new Properties();
    try {
      values.load(new StringReader(new String(data == null ? new byte[0] : data, StandardCharsets.UTF_8)));
    } catch (IOException | IllegalArgumentException e) {
      throw new StoreException("znode " + path + " is unreadable (" + e.getMessage()
          + "); it was not written by this version of Baton");
    }
    Fields fields = new Fields(path, values);
    String format = values.getProperty("format");
    if (!FORMAT.equals(format)) {
      throw fields.unreadable("format \"" + format + "\" is not the expected " + FORMAT
          + "; it was written by another version of Baton");
    }
    return fields;
  }

  /** Sets {@code key}; a null value leaves the key out. */
  Fields put(String key, Object value) {
    if (value != null) {
      values.setProperty(key, value.toString());
    }
    return this;
  }

  byte[] bytes() {
    StringWriter out = new StringWriter();
    try {
      values.store(out, null);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    String text = out.toString().lines()
        .filter(line -> !line.startsWith("#"))
        .sorted()
        .collect(Collectors.joining("\n", "", "\n"));
    return text.getBytes(StandardCharsets.UTF_8);
  }

  String required(String key) {
    String value = values.getProperty(key);
    if (value == null) {
      throw unreadable("field \"" + key + "\" is missing");
    }
    return value;
  }

  String optional(String key) {
    return values.getProperty(key);
  }

  long number(String key) {
    String text = required(key);
    try {
      return Long.parseLong(text);
    } catch (NumberFormatException e) {
      throw unreadable("field \"" + key + "\" is \"" + text + "\", not a whole number");
    }
  }

  boolean flag(String key) {
    String text = required(key);
    if (!text.equals("true") && !text.equals("false")) {
      throw unreadable("field \"" + key + "\" is \"" + text + "\", not true or false");
    }
    return text.equals("true");
  }

  /** The value of {@code key} converted by {@code parser} (a name's {@code of}), or null if absent. */
  <T> T optional(String key, Function<String, T> parser) {
    String text = values.getProperty(key);
    return text == null ? null : convert(key, text, parser);
  }

  /** {@code text}, found in field {@code key}, converted by {@code parser}. */
  <T> T convert(String key, String text, Function<String, T> parser) {
    try {
      return parser.apply(text);
    } catch (BatonException | IllegalArgumentException e) {
      throw unreadable("field \"" + key + "\": " + e.getMessage());
    }
  }

  <T> T required(String key, Function<String, T> parser) {
    required(key);
    return optional(key, parser);
  }

  /** The parts after {@code prefix} of the keys that start with it, sorted. */
  Set<String> keysAfter(String prefix) {
    return values.stringPropertyNames().stream()
        .filter(k -> k.startsWith(prefix))
        .map(k -> k.substring(prefix.length()))
        .collect(Collectors.toCollection(TreeSet::new));
  }

  StoreException unreadable(String problem) {
    return new StoreException("znode " + path + " is unreadable: " + problem);
  }
}
