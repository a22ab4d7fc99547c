package dev.baton.agent.config;

import dev.baton.core.InvalidInputException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The API's TLS certificate and key ({@code api.tls.cert}, {@code api.tls.key}), read from PEM
 * files once at start. The key must be PKCS#8 ({@code -----BEGIN PRIVATE KEY-----}, what
 * {@code openssl genpkey} and {@code openssl req -newkey} write), of RSA, EC or Ed25519.
 * {@link #toString()} names the files only.
 *
 * @param certFile the PEM file of the certificate, followed by its chain (the CA last, if wanted)
 * @param keyFile the PEM file of the private key
 * @param chain the certificates of {@code certFile}, in order
 * @param key the private key
 */
public record ApiTls(Path certFile, Path keyFile, List<X509Certificate> chain, PrivateKey key) {
  private static final Pattern PEM = Pattern.compile(
      "-----BEGIN ([A-Z0-9 ]+)-----([A-Za-z0-9+/=\\s]*)-----END \\1-----");
  static final char[] KEYSTORE_PASSWORD = "baton".toCharArray();

  public ApiTls {
    chain = List.copyOf(chain);
  }

  /**
   * The certificates of a PEM file, in order.
   *
   * @throws InvalidInputException naming the file and what is wrong with it
   */
  static List<X509Certificate> readChain(Path certFile) {
    List<X509Certificate> chain = new ArrayList<>();
    try {
      CertificateFactory x509 = CertificateFactory.getInstance("X.509");
      for (byte[] der : blocks(certFile, "CERTIFICATE")) {
        chain.add((X509Certificate) x509.generateCertificate(new ByteArrayInputStream(der)));
      }
    } catch (GeneralSecurityException e) {
      throw new InvalidInputException(certFile + " holds a CERTIFICATE block that is not an X.509 certificate ("
          + e.getMessage() + ")");
    }
    if (chain.isEmpty()) {
      throw new InvalidInputException(certFile + " holds no -----BEGIN CERTIFICATE----- block; expected the PEM"
          + " certificate of the API (then its chain)");
    }
    return chain;
  }

  /**
   * The private key of a PEM file.
   *
   * @throws InvalidInputException naming the file and what is wrong with it
   */
  static PrivateKey readKey(Path keyFile) {
    List<byte[]> keys = blocks(keyFile, "PRIVATE KEY");
    if (keys.size() != 1) {
      boolean otherKind = read(keyFile).matches("(?s).*-----BEGIN (RSA|EC) PRIVATE KEY-----.*");
      throw new InvalidInputException(keyFile + (otherKind
          ? " holds a PKCS#1 or SEC1 key; convert it to PKCS#8: openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pk8"
          : " holds " + keys.size() + " -----BEGIN PRIVATE KEY----- blocks; expected exactly one unencrypted PKCS#8 key"));
    }
    PrivateKey key = null;
    for (String algorithm : List.of("RSA", "EC", "Ed25519")) {
      try {
        key = KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(keys.get(0)));
        break;
      } catch (GeneralSecurityException e) {
        // the next algorithm
      }
    }
    if (key == null) {
      throw new InvalidInputException(keyFile + " holds a PRIVATE KEY that is not an RSA, EC or Ed25519 key");
    }
    return key;
  }

  /**
   * The certificate and key together.
   *
   * @throws InvalidInputException when the key does not go with the certificate
   */
  static ApiTls of(Path certFile, Path keyFile, List<X509Certificate> chain, PrivateKey key) {
    ApiTls tls = new ApiTls(certFile, keyFile, chain, key);
    try {
      tls.keyStore(); // refuses a key that does not go with the certificate's algorithm
    } catch (GeneralSecurityException | RuntimeException e) {
      throw new InvalidInputException(keyFile + " does not go with the certificate in " + certFile + " ("
          + e.getMessage() + ")");
    }
    return tls;
  }

  /** A key store holding the key under the alias {@code api}, with {@link #KEYSTORE_PASSWORD}. */
  public KeyStore keyStore() throws GeneralSecurityException {
    if (!chain.get(0).getPublicKey().getAlgorithm().equals(key.getAlgorithm())
        && !(key.getAlgorithm().equals("EdDSA") || key.getAlgorithm().equals("Ed25519"))) {
      throw new GeneralSecurityException("the certificate has a " + chain.get(0).getPublicKey().getAlgorithm()
          + " key, the key file a " + key.getAlgorithm() + " key");
    }
    KeyStore store = KeyStore.getInstance("PKCS12");
    try {
      store.load(null, null);
    } catch (IOException e) {
      throw new GeneralSecurityException(e);
    }
    store.setKeyEntry("api", key, KEYSTORE_PASSWORD, chain.toArray(new X509Certificate[0]));
    return store;
  }

  public char[] keyStorePassword() {
    return KEYSTORE_PASSWORD.clone();
  }

  private static List<byte[]> blocks(Path file, String type) {
    List<byte[]> found = new ArrayList<>();
    Matcher m = PEM.matcher(read(file));
    while (m.find()) {
      if (m.group(1).equals(type)) {
        try {
          found.add(Base64.getMimeDecoder().decode(m.group(2)));
        } catch (IllegalArgumentException e) {
          throw new InvalidInputException(file + " holds a " + type + " block that is not valid base64");
        }
      }
    }
    return found;
  }

  private static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.US_ASCII);
    } catch (IOException | RuntimeException e) {
      throw new InvalidInputException(file + " cannot be read (" + e.getClass().getSimpleName() + ")");
    }
  }

  @Override
  public String toString() {
    return "certificate " + certFile + ", key " + keyFile;
  }
}
