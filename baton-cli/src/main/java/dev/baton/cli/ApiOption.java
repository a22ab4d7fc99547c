package dev.baton.cli;

import dev.baton.core.InvalidInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * {@code --api URL[,URL...]} and {@code --token-file FILE}: which agents an operator command talks
 * to (the first that answers), and the group's API token it sends.
 */
final class ApiOption {
  static final String DEFAULT_API = "http://127.0.0.1:7070";

  @Option(names = "--api", paramLabel = "URL[,URL...]", split = ",",
      description = "the agent's API, e.g. http://127.0.0.1:7070; several (comma separated, or --api given again):"
          + " the next is tried when one cannot be reached (default: $BATON_API, a comma separated list too,"
          + " else " + DEFAULT_API + ")")
  List<String> api;

  @Option(names = "--token-file", paramLabel = "FILE",
      description = "a file holding the group's API token (api.token-file of the agents), sent as"
          + " Authorization: Bearer (default: the token in $BATON_TOKEN, else none)")
  Path tokenFile;

  @Option(names = "--cacert", paramLabel = "FILE",
      description = "PEM certificates (the agents' CA, or their certificate) to verify an https:// agent with,"
          + " instead of the JDK's certificate authorities (default: $BATON_CACERT)")
  Path cacert;

  BatonClient client() {
    return client(System.getenv());
  }

  /** The client that {@code environment} (BATON_API, BATON_TOKEN) and the options give. */
  BatonClient client(Map<String, String> environment) {
    List<String> urls = api != null ? api
        : Arrays.stream(environment.getOrDefault("BATON_API", DEFAULT_API).split(",")).map(String::strip)
            .filter(u -> !u.isEmpty()).toList();
    Path ca = cacert != null ? cacert : environment.containsKey("BATON_CACERT") ? Path.of(environment.get("BATON_CACERT")) : null;
    return new BatonClient(urls, token(environment), ca == null ? null : trusting(ca));
  }

  /** An SSL context that trusts the certificates in {@code file} (PEM) and no others. */
  private static javax.net.ssl.SSLContext trusting(Path file) {
    java.util.Collection<? extends java.security.cert.Certificate> certificates;
    try (var in = Files.newInputStream(file)) {
      certificates = java.security.cert.CertificateFactory.getInstance("X.509").generateCertificates(in);
    } catch (IOException | RuntimeException e) {
      throw new InvalidInputException("--cacert " + file + " cannot be read (" + e.getClass().getSimpleName()
          + "); expected a PEM file of certificates");
    } catch (java.security.GeneralSecurityException e) {
      throw new InvalidInputException("--cacert " + file + " holds no valid PEM certificate (" + e.getMessage() + ")");
    }
    if (certificates.isEmpty()) {
      throw new InvalidInputException("--cacert " + file + " holds no certificate; expected -----BEGIN CERTIFICATE----- blocks");
    }
    try {
      java.security.KeyStore store = java.security.KeyStore.getInstance(java.security.KeyStore.getDefaultType());
      store.load(null, null);
      int i = 0;
      for (var c : certificates) {
        store.setCertificateEntry("ca-" + i++, c);
      }
      var trust = javax.net.ssl.TrustManagerFactory.getInstance(javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
      trust.init(store);
      var context = javax.net.ssl.SSLContext.getInstance("TLS");
      context.init(null, trust.getTrustManagers(), null);
      return context;
    } catch (IOException | java.security.GeneralSecurityException e) {
      throw new dev.baton.core.BatonException("cannot set up TLS with --cacert " + file + ": " + e.getMessage(), e);
    }
  }

  private String token(Map<String, String> environment) {
    if (tokenFile == null) {
      String token = environment.get("BATON_TOKEN");
      if (token != null && !token.strip().isEmpty()) {
        return checked(token.strip(), "BATON_TOKEN");
      }
      return null;
    }
    String text;
    try {
      text = Files.readString(tokenFile).strip();
    } catch (IOException | RuntimeException e) {
      throw new InvalidInputException("--token-file " + tokenFile + " cannot be read (" + e.getClass().getSimpleName()
          + "); expected a readable file holding the group's API token");
    }
    if (text.isEmpty()) {
      throw new InvalidInputException("--token-file " + tokenFile + " is empty; expected the group's API token"
          + " (the agents' api.token-file)");
    }
    return checked(text, "--token-file " + tokenFile);
  }

  private static String checked(String token, String source) {
    if (!token.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
      throw new InvalidInputException(source + " holds characters an HTTP header cannot carry (spaces, control"
          + " characters or non-ASCII); expected the group's API token");
    }
    return token;
  }
}
