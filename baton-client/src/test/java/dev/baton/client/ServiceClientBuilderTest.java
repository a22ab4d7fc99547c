package dev.baton.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Bad settings are refused as they are given, naming the input; agents that do not answer are named. */
class ServiceClientBuilderTest {
  @Test
  void aBadServiceNameLocationOrAgentAddressIsRefusedNamingIt() {
    assertThatThrownBy(() -> ServiceClient.builder("Web Server")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("invalid service name \"Web Server\"");
    assertThatThrownBy(() -> ServiceClient.builder("web").location("eu//paris"))
        .hasMessageContaining("invalid location \"eu//paris\"");
    assertThatThrownBy(() -> ServiceClient.builder("web").agents("10.0.0.5")).hasMessageContaining(
        "invalid agent address \"10.0.0.5\"; expected host:port, http://host:port or https://host:port");
    assertThatThrownBy(() -> ServiceClient.builder("web").agents("ftp://10.0.0.5:7070"))
        .hasMessageContaining("invalid agent address");
    assertThatThrownBy(() -> ServiceClient.builder("web").build()).hasMessageContaining("no agent given");
    assertThatThrownBy(() -> ServiceClient.builder("web").failoverTimeout(Duration.ofSeconds(-1)))
        .hasMessageContaining("invalid failover timeout");
  }

  @Test
  void whenNoAgentAnswersTheErrorNamesEveryAgentTried() throws IOException {
    int a;
    int b;
    try (ServerSocket s1 = new ServerSocket(0); ServerSocket s2 = new ServerSocket(0)) {
      a = s1.getLocalPort();
      b = s2.getLocalPort();
    }
    try (ServiceClient client = ServiceClient.builder("web").agents("127.0.0.1:" + a, "http://127.0.0.1:" + b)
        .followEvents(false).failoverTimeout(Duration.ZERO).build()) {
      assertThatThrownBy(client::endpoint).isInstanceOf(BatonClientException.class)
          .hasMessageContaining("no agent could resolve web").hasMessageContaining("127.0.0.1:" + a)
          .hasMessageContaining("127.0.0.1:" + b);
      assertThatThrownBy(() -> client.call(e -> "never")).isInstanceOf(BatonClientException.class)
          .hasMessageContaining("no call to web succeeded within PT0S");
      assertThat(client.cached()).isEmpty();
    }
  }

  @Test
  void anEndpointPrintsItsAddressWithIpv6InBrackets() {
    assertThat(Endpoint.parse("node-a", "[::1]:8443", 3, "eu").address()).isEqualTo("[::1]:8443");
    assertThat(Endpoint.parse("node-a", "10.0.0.5:80", 3, "eu").port()).isEqualTo(80);
    assertThatThrownBy(() -> Endpoint.parse("node-a", "10.0.0.5:0", 3, "eu")).hasMessageContaining("not 1 to 65535");
  }
}
