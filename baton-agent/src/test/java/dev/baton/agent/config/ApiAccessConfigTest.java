package dev.baton.agent.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code api.advertise}, {@code api.token-file} and {@code api.insecure}: good values read, bad ones refused clearly. */
class ApiAccessConfigTest {
  @TempDir Path dir;

  private AgentConfig load(String api) {
    Path file = new ConfigFiles(dir).write("node.yaml", String.join("\n",
        "group: billing",
        "node: {name: node-a}",
        "api: " + api,
        "store: sqlite:/tmp/billing.db",
        "state-dir: /tmp/node-a",
        ""));
    return ConfigLoader.load(file, () -> "test-host");
  }

  private String problems(String api) {
    try {
      load(api);
    } catch (ConfigException e) {
      return e.getMessage();
    }
    throw new AssertionError("accepted: " + api);
  }

  @Test
  void aTokenFileIsReadTrimmedAndNeverPrinted() {
    new ConfigFiles(dir).write("token", "  abc-123_XYZ \n");
    AgentConfig c = load("{listen: '0.0.0.0:7070', token-file: token}");
    assertThat(c.access().token().matches("abc-123_XYZ")).isTrue();
    assertThat(c.access().token().matches("abc-123_XY")).isFalse();
    assertThat(c.access().token().header()).isEqualTo("Bearer abc-123_XYZ");
    assertThat(c.toString()).doesNotContain("abc-123_XYZ").contains("token from " + dir.resolve("token"));
    assertThat(c.access().refusal(c.api())).isEmpty();
  }

  @Test
  void aMissingOrEmptyOrUnusableTokenFileIsAClearProblem() {
    assertThat(problems("{token-file: nowhere}"))
        .contains("api.token-file: \"nowhere\" (" + dir.resolve("nowhere") + ") does not exist; expected the path of a"
            + " readable file holding the API's secret token");
    new ConfigFiles(dir).write("empty", " \n\n");
    assertThat(problems("{token-file: empty}")).contains("api.token-file: \"empty\"").contains("is empty; write a secret token into it");
    new ConfigFiles(dir).write("spaces", "two words\n");
    assertThat(problems("{token-file: spaces}")).contains("api.token-file").contains("characters an HTTP header cannot carry")
        .doesNotContain("two words");
    assertThat(problems("{token-file: .}")).contains("api.token-file").contains("is not a regular file");
  }

  @Test
  void advertiseTakesHostPortOrAHostAndRefusesWildcardsAndGarbage() {
    assertThat(load("{advertise: 'node-a.example.com:7443'}").access().advertise()).isEqualTo(new ApiListen("node-a.example.com", 7443));
    assertThat(load("{advertise: 10.0.0.5}").access().advertised(new ApiListen("0.0.0.0", 7070), 7070)).isEqualTo("10.0.0.5:7070");
    assertThat(load("{advertise: '[fd00::5]'}").access().advertised(new ApiListen("::", 0), 40000)).isEqualTo("[fd00::5]:40000");
    assertThat(problems("{advertise: '0.0.0.0:7070'}")).contains("api.advertise: \"0.0.0.0:7070\" is a wildcard address");
    assertThat(problems("{advertise: 'no good'}")).contains("api.advertise: \"no good\" is not a host name or address");
    assertThat(problems("{advertise: 'host:99999'}")).contains("api.advertise: port 99999 in \"host:99999\" is out of range");
  }

  @Test
  void withoutAdvertiseTheListenAddressIsPublishedAndAWildcardBecomesAnAddressOfThisHost() {
    AgentConfig loopback = load("{listen: '127.0.0.1:0'}");
    assertThat(loopback.access().advertised(loopback.api(), 41000)).isEqualTo("127.0.0.1:41000");
    AgentConfig any = load("{listen: '0.0.0.0:7070', insecure: true}");
    assertThat(any.access().advertised(any.api(), 7070)).doesNotStartWith("0.0.0.0").endsWith(":7070");
  }

  @Test
  void listeningBeyondLoopbackWithoutATokenIsRefusedUnlessInsecure() {
    AgentConfig open = load("{listen: '0.0.0.0:7070'}");
    assertThat(open.access().refusal(open.api())).hasValueSatisfying(why -> assertThat(why)
        .contains("api.listen 0.0.0.0:7070 is reachable beyond this host and api.token-file is not set")
        .contains("baton agent --insecure"));
    assertThat(open.insecure().access().refusal(open.api())).isEmpty();
    assertThat(load("{listen: '0.0.0.0:7070', insecure: true}").access().insecure()).isTrue();
    assertThat(load("{listen: 'localhost:7070'}").access().refusal(new ApiListen("localhost", 7070))).isEmpty();
    assertThat(load("{listen: '[::1]:7070'}").access().refusal(new ApiListen("::1", 7070))).isEmpty();
    assertThat(problems("{insecure: yes-please}")).contains("api.insecure: \"yes-please\" is not true or false");
  }

  @Test
  void tlsReadsAPemCertificateAndPkcs8KeyAndRefusesWhatItCannotUse() throws Exception {
    dev.baton.agent.TestNodes.selfSigned(dir.resolve("tls"));
    AgentConfig c = load("{tls: {cert: tls/cert.pem, key: tls/key.pem}}");
    assertThat(c.access().tls().chain()).hasSize(1);
    assertThat(c.access().scheme()).isEqualTo("https");
    assertThat(c.access().tls().toString()).doesNotContain("PRIVATE");

    assertThat(problems("{tls: {cert: tls/cert.pem}}")).contains("api.tls.key: missing; expected the PEM file");
    assertThat(problems("{tls: {cert: tls/key.pem, key: tls/key.pem}}"))
        .contains("api.tls.cert: " + dir.resolve("tls/key.pem") + " holds no -----BEGIN CERTIFICATE----- block");
    assertThat(problems("{tls: {cert: tls/cert.pem, key: tls/cert.pem}}"))
        .contains("api.tls.key: " + dir.resolve("tls/cert.pem") + " holds 0 -----BEGIN PRIVATE KEY----- blocks");
    assertThat(problems("{tls: {cert: tls/cert.pem, key: tls/nowhere.pem}}"))
        .contains("api.tls.key: " + dir.resolve("tls/nowhere.pem") + " cannot be read");
    Process rsa = new ProcessBuilder("openssl", "genrsa", "-traditional", "-out", dir.resolve("tls/rsa.pem").toString(), "2048")
        .redirectErrorStream(true).start();
    rsa.getInputStream().readAllBytes();
    assertThat(rsa.waitFor()).isZero();
    assertThat(problems("{tls: {cert: tls/cert.pem, key: tls/rsa.pem}}"))
        .contains("holds a PKCS#1 or SEC1 key; convert it to PKCS#8: openssl pkcs8 -topk8");
  }
}
