package dev.baton.agent.config;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Objects;

/**
 * The bearer token every API request but the health probes and {@code /active} must carry
 * ({@code api.token-file}). Its text is never printed: {@link #toString()} names only the file it
 * came from. Compared in constant time.
 */
public final class ApiToken {
  private final byte[] secret;
  private final Path file;

  /**
   * @param secret the token, already trimmed; must not be empty
   * @param file the file it was read from, for messages (may be null when built in code)
   */
  public ApiToken(String secret, Path file) {
    Objects.requireNonNull(secret, "secret");
    if (secret.isEmpty()) {
      throw new IllegalArgumentException("an API token must not be empty");
    }
    this.secret = secret.getBytes(StandardCharsets.UTF_8);
    this.file = file;
  }

  /** Whether {@code offered} is this token, in time that does not depend on where they differ. */
  public boolean matches(String offered) {
    return offered != null && MessageDigest.isEqual(secret, offered.getBytes(StandardCharsets.UTF_8));
  }

  /** The value of the {@code Authorization} header that carries this token. */
  public String header() {
    return "Bearer " + new String(secret, StandardCharsets.UTF_8);
  }

  public Path file() {
    return file;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ApiToken t && MessageDigest.isEqual(secret, t.secret);
  }

  @Override
  public int hashCode() {
    return secret.length;
  }

  @Override
  public String toString() {
    return "token from " + (file == null ? "code" : file.toString());
  }
}
