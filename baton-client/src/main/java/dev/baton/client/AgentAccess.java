package dev.baton.client;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Reading what a client needs to reach agents that lock their API: the group's API token (the
 * agents' {@code api.token-file}) and the certificates to verify an {@code https://} agent with.
 * {@link ServiceClient.Builder} and the CLI ({@code --token-file}, {@code --cacert}) both use it.
 * Errors are {@link IllegalArgumentException}s that start with the file's path (or the source
 * named) and never show a token.
 */
public final class AgentAccess {
  private AgentAccess() {}

  /**
   * The token in {@code file}, surrounding white space removed.
   *
   * @throws IllegalArgumentException when the file cannot be read, is empty, or holds characters
   *     an HTTP header cannot carry
   */
  public static String tokenFrom(Path file) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8).strip();
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException(file + " cannot be read (" + e.getClass().getSimpleName()
          + "); expected a readable file holding the group's API token");
    }
    if (text.isEmpty()) {
      throw new IllegalArgumentException(file + " is empty; expected the group's API token (the agents' api.token-file)");
    }
    return checkedToken(text, file.toString());
  }

  /**
   * {@code token}, checked to be printable ASCII without spaces, as an {@code Authorization}
   * header carries it.
   *
   * @param source where the token came from, to start the message with ({@code BATON_TOKEN})
   * @throws IllegalArgumentException when it is empty or holds other characters
   */
  public static String checkedToken(String token, String source) {
    if (token == null || token.isEmpty() || !token.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
      throw new IllegalArgumentException(source + (token == null || token.isEmpty() ? " is empty" : " holds characters"
          + " an HTTP header cannot carry (spaces, control characters or non-ASCII)") + "; expected the group's API token");
    }
    return token;
  }

  /**
   * A TLS context that trusts the certificates in {@code pemFile} (the agents' CA, or their own
   * certificate) and no others: the JDK's certificate authorities are not consulted.
   *
   * @throws IllegalArgumentException when the file cannot be read or holds no PEM certificate
   */
  public static SSLContext trusting(Path pemFile) {
    Collection<? extends Certificate> certificates;
    try (InputStream in = Files.newInputStream(pemFile)) {
      certificates = CertificateFactory.getInstance("X.509").generateCertificates(in);
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException(pemFile + " cannot be read (" + e.getClass().getSimpleName()
          + "); expected a PEM file of certificates");
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException(pemFile + " holds no valid PEM certificate (" + e.getMessage() + ")");
    }
    if (certificates.isEmpty()) {
      throw new IllegalArgumentException(pemFile + " holds no certificate; expected -----BEGIN CERTIFICATE----- blocks");
    }
    try {
      KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(null, null);
      int i = 0;
      for (Certificate c : certificates) {
        store.setCertificateEntry("ca-" + i++, c);
      }
      TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      trust.init(store);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, trust.getTrustManagers(), null);
      return context;
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot set up TLS trusting " + pemFile + ": " + e.getMessage(), e);
    }
  }
}
