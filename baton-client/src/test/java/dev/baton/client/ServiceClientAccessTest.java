package dev.baton.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.baton.agent.Agent;
import dev.baton.agent.TestNodes;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client against a real agent whose API requires the group's token and serves HTTPS with a
 * self-signed certificate made by the test: with the token and the certificate it resolves and
 * follows the event stream; without either it says which is missing.
 */
class ServiceClientAccessTest {
  private static final String TOKEN = "client-test-token-0123456789";

  @TempDir Path dir;
  private Agent agent;
  private String api;
  private Path token;
  private Path cert;

  @BeforeEach
  void startAgentWithTokenAndTls() throws Exception {
    token = Files.writeString(dir.resolve("token"), TOKEN + "\n");
    Path tls = TestNodes.selfSigned(dir.resolve("tls"));
    cert = tls.resolve("cert.pem");
    String apiYaml = String.join("\n", "api:", "  listen: 127.0.0.1:0", "  token-file: " + token,
        "  tls: {cert: " + cert + ", key: " + tls.resolve("key.pem") + "}");
    agent = TestNodes.agent(TestNodes.config(dir, "node-a", "exec sleep 600", "    endpoint: 127.0.0.1:9999", "", apiYaml));
    agent.start();
    api = "https://" + agent.apiAddress();
  }

  @AfterEach
  void stopAgent() {
    agent.stop();
  }

  @Test
  void withTheTokenAndTheCaTheClientResolvesAndFollowsTheEventStream() throws Exception {
    try (ServiceClient client = ServiceClient.builder("svc").agents(api).tokenFile(token).caCertificates(cert)
        .build()) {
      await("svc provided").atMost(Duration.ofSeconds(30)).ignoreExceptions()
          .until(() -> client.endpoint().address().equals("127.0.0.1:9999"));
      assertThat(client.endpoint().node()).isEqualTo("node-a");
      String called = client.call(e -> e.node() + "@" + e.epoch());
      assertThat(called).isEqualTo("node-a@" + client.endpoint().epoch());

      // The owner's node drained, the service stops: the event stream (token and TLS too) says so.
      HttpClient http = HttpClient.newBuilder().sslContext(AgentAccess.trusting(cert)).build();
      HttpResponse<String> drained = http.send(HttpRequest.newBuilder(URI.create(api + "/v1/nodes/node-a/drain"))
          .header("Authorization", "Bearer " + TOKEN).POST(HttpRequest.BodyPublishers.noBody()).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(drained.statusCode()).as(drained.body()).isEqualTo(200);
      await("endpoint forgotten on service.stopped").atMost(Duration.ofSeconds(30)).until(() -> client.cached().isEmpty());
    }
  }

  @Test
  void withoutTheTokenOrWithAWrongOneTheClientSaysSoAndNeverShowsIt() throws Exception {
    try (ServiceClient none = ServiceClient.builder("svc").agents(api).caCertificates(cert).followEvents(false).build()) {
      assertThatThrownBy(none::resolve).isInstanceOf(BatonClientException.class)
          .hasMessageContaining("refused to resolve svc (401)").hasMessageContaining("no token was sent");
    }
    try (ServiceClient wrong = ServiceClient.builder("svc").agents(api).caCertificates(cert).token("not-the-token-42")
        .followEvents(false).build()) {
      assertThatThrownBy(wrong::resolve).isInstanceOf(BatonClientException.class)
          .hasMessageContaining("the token given was refused")
          .satisfies(e -> assertThat(e.getMessage()).doesNotContain("not-the-token-42").doesNotContain(TOKEN));
    }
  }

  @Test
  void withoutTheCaTheAgentsCertificateIsNotTrustedAndTheClientSaysWhatToGive() {
    try (ServiceClient client = ServiceClient.builder("svc").agents(api).tokenFile(token).followEvents(false).build()) {
      assertThatThrownBy(client::resolve).isInstanceOf(BatonClientException.class)
          .hasMessageContaining(agent.apiAddress() + ": TLS failed").hasMessageContaining("caCertificates(file)");
    }
  }

  @Test
  void aTokenFileOrCaFileThatCannotBeUsedIsRefusedNamingIt() throws Exception {
    Path missing = dir.resolve("nowhere");
    Path empty = Files.writeString(dir.resolve("empty"), "\n");
    ServiceClient.Builder builder = ServiceClient.builder("svc").agents(api);

    assertThatThrownBy(() -> builder.tokenFile(missing)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(missing + " cannot be read");
    assertThatThrownBy(() -> builder.tokenFile(empty)).hasMessageContaining(empty + " is empty");
    assertThatThrownBy(() -> builder.token("two words")).hasMessageContaining("holds characters an HTTP header cannot carry");
    assertThatThrownBy(() -> builder.caCertificates(token)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(token.toString()).hasMessageContaining("certificate");
    assertThatThrownBy(() -> builder.caCertificates(missing)).hasMessageContaining(missing + " cannot be read");
  }
}
