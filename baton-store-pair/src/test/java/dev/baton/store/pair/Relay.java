package dev.baton.store.pair;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP relay between a pair member and its peer's listen address, which a test can cut: a cut
 * relay keeps accepting connections but forwards nothing either way (a link that drops packets,
 * so calls time out as on a cut cable). It also keeps a copy of the first bytes it forwarded, so
 * that a test can replay a real heartbeat.
 */
final class Relay implements AutoCloseable {
  private final ServerSocket server;
  private final int target;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private volatile boolean cut;
  private volatile boolean closed;
  final java.io.ByteArrayOutputStream recorded = new java.io.ByteArrayOutputStream();

  Relay(int target) throws IOException {
    this.target = target;
    this.server = new ServerSocket();
    server.bind(new InetSocketAddress("127.0.0.1", 0));
    Thread t = new Thread(this::accept, "relay-accept");
    t.setDaemon(true);
    t.start();
  }

  int port() {
    return server.getLocalPort();
  }

  /** Cuts the link: open connections stall, new ones are accepted and stall. */
  void cut() {
    cut = true;
  }

  /** Heals the link: connections made from now on are forwarded again. */
  void heal() {
    cut = false;
  }

  private void accept() {
    while (!closed) {
      try {
        Socket in = server.accept();
        sockets.add(in);
        if (cut) {
          continue; // accepted, never answered
        }
        Socket out = new Socket("127.0.0.1", target);
        sockets.add(out);
        pump(in, out, true);
        pump(out, in, false);
      } catch (IOException e) {
        // closed, or the target is down: the caller's connection stalls or ends
      }
    }
  }

  private void pump(Socket from, Socket to, boolean record) {
    Thread t = new Thread(() -> {
      byte[] buffer = new byte[8192];
      try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
        int n;
        while ((n = in.read(buffer)) >= 0) {
          if (cut) {
            while (cut && !closed) {
              Thread.onSpinWait();
              Thread.sleep(5);
            }
            return; // a connection that saw the cut stays dead
          }
          if (record) {
            synchronized (recorded) {
              if (recorded.size() < 65536) {
                recorded.write(buffer, 0, n);
              }
            }
          }
          out.write(buffer, 0, n);
          out.flush();
        }
      } catch (IOException | InterruptedException e) {
        // a side closed
      } finally {
        try {
          from.close();
          to.close();
        } catch (IOException ignored) {
          // closing
        }
      }
    }, "relay-pump");
    t.setDaemon(true);
    t.start();
  }

  @Override
  public void close() throws IOException {
    closed = true;
    server.close();
    for (Socket s : sockets) {
      s.close();
    }
  }
}
