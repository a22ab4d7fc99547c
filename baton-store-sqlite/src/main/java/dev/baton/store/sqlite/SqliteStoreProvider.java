package dev.baton.store.sqlite;

import dev.baton.core.InvalidInputException;
import dev.baton.core.store.Store;
import dev.baton.core.store.StoreOptions;
import dev.baton.core.store.StoreProvider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Opens the embedded SQLite store for URLs of the form {@code sqlite:/absolute/path/to/file.db}.
 * The file is created when missing, but not its directory: a typo in the path must not start a second
 * group in a new file. Registered for {@link java.util.ServiceLoader}.
 */
public final class SqliteStoreProvider implements StoreProvider {
  static final String SCHEME = "sqlite:";
  private static final String EXPECTED = "expected sqlite:/absolute/path/to/file.db";

  @Override
  public boolean accepts(String url) {
    return url != null && url.startsWith(SCHEME);
  }

  @Override
  public List<String> problems(String url) {
    if (!accepts(url)) {
      return List.of("store URL \"" + url + "\" is not a SQLite URL; " + EXPECTED);
    }
    String raw = url.substring(SCHEME.length());
    if (raw.isBlank()) {
      return List.of("store URL \"" + url + "\" has no file path; " + EXPECTED);
    }
    if (raw.startsWith("//")) {
      return List.of("store URL \"" + url + "\" has a host part or extra slashes; " + EXPECTED
          + " (one slash after the colon)");
    }
    if (!raw.startsWith("/")) {
      return List.of("store URL \"" + url + "\" names the relative path \"" + raw + "\"; " + EXPECTED);
    }
    if (raw.contains("?") || raw.contains("#")) {
      return List.of("store URL \"" + url + "\" has '?' or '#' in its path; " + EXPECTED
          + " without parameters");
    }
    if (raw.endsWith("/")) {
      return List.of("store URL \"" + url + "\" ends with '/' and so names a directory; " + EXPECTED);
    }
    Path path;
    try {
      path = Path.of(raw).normalize();
    } catch (InvalidPathException e) {
      return List.of("store URL \"" + url + "\" has an invalid path (" + e.getReason() + "); " + EXPECTED);
    }
    if (Files.isDirectory(path)) {
      return List.of("store URL \"" + url + "\" names the directory " + path + "; expected a database file"
          + " in it, such as " + SCHEME + path.resolve("baton.db"));
    }
    if (Files.exists(path) && !Files.isRegularFile(path)) {
      return List.of("store URL \"" + url + "\" names " + path + ", which is not a regular file; " + EXPECTED);
    }
    Path parent = path.getParent();
    if (Files.exists(parent) && !Files.isDirectory(parent)) {
      return List.of("store URL \"" + url + "\" names a file in " + parent + ", which is not a directory;"
          + " expected a path under a directory");
    }
    if (Files.isDirectory(parent) && !Files.exists(path) && !Files.isWritable(parent)) {
      return List.of("store URL \"" + url + "\" needs a new file in " + parent
          + ", which this user may not write; give it write access or choose another path");
    }
    return List.of();
  }

  /** Why a SQLite store cannot be opened at {@code path}: its directory does not exist. */
  static String missingDirectory(Path path) {
    return "the directory " + path.getParent() + " of the SQLite store does not exist; create it, or fix the path"
        + " (Baton does not create it: a typo in the path would start a second group in a new file)";
  }

  @Override
  public Optional<String> unusable(String url) {
    Path path = path(url);
    return Files.isDirectory(path.getParent()) ? Optional.empty() : Optional.of(missingDirectory(path));
  }

  @Override
  public Optional<String> notice(String url) {
    Path path = path(url);
    try {
      if (Files.isDirectory(path.getParent()) && (!Files.exists(path) || Files.size(path) == 0)) {
        return Optional.of("the SQLite store " + path + (Files.exists(path) ? " is empty" : " does not exist yet")
            + ": the first agent to start there creates it and a new group (an agent that joined another"
            + " group refuses it)");
      }
    } catch (IOException e) {
      return Optional.empty(); // the agent's own open says what is wrong
    }
    return Optional.empty();
  }

  private static Path path(String url) {
    return Path.of(url.substring(SCHEME.length())).normalize();
  }

  @Override
  public Store open(StoreOptions options) {
    List<String> problems = problems(options.url());
    if (!problems.isEmpty()) {
      throw new InvalidInputException(String.join("; ", problems));
    }
    return SqliteStore.open(path(options.url()), options);
  }
}
