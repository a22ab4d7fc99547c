package dev.baton.lab.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class StoreProxyTest {
  ServerSocket echo;
  StoreProxy proxy;

  /** An echo server on loopback: the proxy's upstream. */
  @BeforeEach
  void startEcho() throws IOException {
    echo = new ServerSocket(0);
    Thread t = new Thread(() -> {
      while (!echo.isClosed()) {
        try {
          Socket s = echo.accept();
          Thread e = new Thread(() -> {
            try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
              in.transferTo(out);
            } catch (IOException ignored) {
              // the proxy reset it
            }
          });
          e.setDaemon(true);
          e.start();
        } catch (IOException ignored) {
          // closed
        }
      }
    });
    t.setDaemon(true);
    t.start();
    proxy = StoreProxy.start("127.0.0.1", List.of(echo.getLocalPort()));
  }

  @AfterEach
  void stop() throws IOException {
    proxy.close();
    echo.close();
  }

  private Socket connect() throws IOException {
    Socket s = new Socket("127.0.0.1", proxy.portFor(echo.getLocalPort()));
    s.setSoTimeout(10_000);
    return s;
  }

  private static String roundTrip(Socket s, String text) throws IOException {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    s.getOutputStream().write(bytes);
    byte[] back = new byte[bytes.length];
    new DataInputStream(s.getInputStream()).readFully(back);
    return new String(back, StandardCharsets.UTF_8);
  }

  @Test
  void bytesPassBothWaysUnchanged() throws IOException {
    try (Socket s = connect()) {
      assertThat(roundTrip(s, "hello")).isEqualTo("hello");
      String big = "x".repeat(200_000);
      assertThat(roundTrip(s, big)).isEqualTo(big);
    }
  }

  @Test
  void aDelayHoldsEveryByteBackEachWayUntilItIsLifted() throws IOException {
    try (Socket s = connect()) {
      roundTrip(s, "warm");
      proxy.delay(Duration.ofMillis(300));
      long t0 = System.nanoTime();
      assertThat(roundTrip(s, "slow")).isEqualTo("slow");
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).as("a round trip, ms, at 300 ms each way")
          .isGreaterThanOrEqualTo(600);
      proxy.delay(Duration.ZERO);
      long t1 = System.nanoTime();
      assertThat(roundTrip(s, "fast")).isEqualTo("fast");
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t1)).as("a round trip, ms, the delay lifted")
          .isLessThan(600);
    }
  }

  @Test
  void resetAllResetsEveryOpenConnectionAndNewOnesStillPass() throws IOException {
    try (Socket a = connect(); Socket b = connect()) {
      roundTrip(a, "a");
      roundTrip(b, "b");

      assertThat(proxy.resetAll()).isEqualTo(2);

      assertThatThrownBy(() -> {
        roundTrip(a, "after");
        roundTrip(a, "after");
      }).isInstanceOf(IOException.class);
    }
    try (Socket c = connect()) {
      assertThat(roundTrip(c, "again")).isEqualTo("again");
    }
  }
}
