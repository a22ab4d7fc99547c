package dev.baton.store.zookeeper;

import dev.baton.core.InvalidInputException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.NoSuchAlgorithmException;
import org.apache.zookeeper.data.Id;
import org.apache.zookeeper.server.auth.DigestAuthenticationProvider;

/**
 * A ZooKeeper digest identity, read from the store's password file ({@code store-password-file}),
 * which holds one line {@code user:password}. The store authenticates with it and gives it, and
 * only it, rights on the group's znodes ({@link ZnodeAcls}).
 *
 * <p>{@link #toString()} never shows the password.
 */
final class ZookeeperCredentials {
  private static final String EXPECTED = "expected one line user:password (a user name without ':',"
      + " then a non-empty password)";

  private final String user;
  private final String password;

  private ZookeeperCredentials(String user, String password) {
    this.user = user;
    this.password = password;
  }

  /**
   * Reads {@code file}. Trailing line breaks are ignored; anything else that is not one
   * {@code user:password} line is refused.
   *
   * @throws InvalidInputException naming the file (never its content) when it is missing,
   *     unreadable, empty or malformed
   */
  static ZookeeperCredentials read(Path file) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException | RuntimeException e) {
      throw new InvalidInputException("cannot read the ZooKeeper credentials file " + file + " ("
          + e.getClass().getSimpleName() + "); " + EXPECTED);
    }
    String line = text.stripTrailing();
    if (line.isEmpty()) {
      throw new InvalidInputException("the ZooKeeper credentials file " + file + " is empty; " + EXPECTED);
    }
    int colon = line.indexOf(':');
    if (line.contains("\n") || line.contains("\r") || colon <= 0 || colon == line.length() - 1
        || !line.substring(0, colon).strip().equals(line.substring(0, colon))) {
      throw new InvalidInputException("the ZooKeeper credentials file " + file + " is malformed; " + EXPECTED);
    }
    return new ZookeeperCredentials(line.substring(0, colon), line.substring(colon + 1));
  }

  String user() {
    return user;
  }

  /** What {@code addAuthInfo("digest", ...)} takes. */
  byte[] authBytes() {
    return (user + ":" + password).getBytes(StandardCharsets.UTF_8);
  }

  /** The identity ZooKeeper gives a client that authenticated with these credentials. */
  Id id() {
    try {
      return new Id("digest", DigestAuthenticationProvider.generateDigest(user + ":" + password));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JVM has no SHA1, which ZooKeeper's digest needs", e);
    }
  }

  @Override
  public String toString() {
    return "digest user \"" + user + "\"";
  }
}
