package dev.baton.lab.faults;

import dev.baton.core.BatonException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The small fault proxy of docs/reliability.md ("lossy, slow network: ... a small fault proxy for delay
 * and resets"): TCP forwarders between the agents and the store's servers, one per server, that
 * can hold every byte back for a while, both ways ({@link #delay}), or reset every connection
 * through them ({@link #resetAll}). This machine's kernel has no {@code tc netem}, so delay comes
 * from user space. Each connection has a reader and a writer thread per direction; a chunk read at
 * time t is written at t + the delay of that moment, in order.
 */
public final class StoreProxy implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(StoreProxy.class);
  /** Marks the end of a direction's stream in its queue. */
  private static final Chunk EOF = new Chunk(new byte[0], 0);

  private final List<Forwarder> forwarders = new ArrayList<>();
  private final Set<Link> links = ConcurrentHashMap.newKeySet();
  private volatile long delayNanos;
  private volatile boolean closed;

  /**
   * Starts one forwarder per port of {@code upstreamPorts}, each listening on {@code host} at a
   * free port and connecting to that port on loopback: the servers run on this machine, and they
   * see the proxy connect from 127.0.0.1 (a PostgreSQL server admits that address; the run's
   * private network's client subnet is for the agents).
   */
  public static StoreProxy start(String host, List<Integer> upstreamPorts) {
    StoreProxy proxy = new StoreProxy();
    try {
      for (int port : upstreamPorts) {
        proxy.forwarders.add(proxy.new Forwarder(host, port));
      }
    } catch (IOException e) {
      proxy.close();
      throw new BatonException("cannot start the store proxy on " + host + ": " + e.getMessage(), e);
    }
    return proxy;
  }

  /** The port the proxy listens on for the server at {@code upstreamPort}. */
  public int portFor(int upstreamPort) {
    return forwarders.stream().filter(f -> f.upstreamPort == upstreamPort).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no forwarder for port " + upstreamPort)).server.getLocalPort();
  }

  /** From now on every byte read, either way, is written {@code delay} later; zero to pass at once. */
  public void delay(Duration delay) {
    delayNanos = delay.toNanos();
    log.info("store proxy: delay {} ms each way", delay.toMillis());
  }

  /** Resets every open connection through the proxy (TCP RST to both ends); returns how many. */
  public int resetAll() {
    List<Link> now = new ArrayList<>(links);
    now.forEach(Link::reset);
    log.info("store proxy: reset {} connections", now.size());
    return now.size();
  }

  @Override
  public void close() {
    closed = true;
    for (Forwarder f : forwarders) {
      try {
        f.server.close();
      } catch (IOException e) {
        // closing anyway
      }
    }
    new ArrayList<>(links).forEach(Link::reset);
  }

  private record Chunk(byte[] bytes, long dueNanos) {}

  /** Accepts connections for one server. */
  private final class Forwarder {
    final ServerSocket server;
    final int upstreamPort;

    Forwarder(String host, int upstreamPort) throws IOException {
      this.upstreamPort = upstreamPort;
      this.server = new ServerSocket();
      server.bind(new InetSocketAddress(InetAddress.getByName(host), 0));
      Thread t = new Thread(this::accept, "baton-proxy-" + upstreamPort);
      t.setDaemon(true);
      t.start();
    }

    private void accept() {
      while (!closed) {
        try {
          Socket client = server.accept();
          Socket upstream = new Socket();
          try {
            upstream.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), upstreamPort), 2_000);
          } catch (IOException e) {
            client.setSoLinger(true, 0);
            client.close(); // the server is down: the client sees a reset, as it would without the proxy
            continue;
          }
          new Link(client, upstream).start();
        } catch (IOException e) {
          if (!closed) {
            log.warn("store proxy for port {}: {}", upstreamPort, e.getMessage());
          }
        }
      }
    }
  }

  /** One proxied connection: two directions, each a reader and a writer thread around a queue. */
  private final class Link {
    final Socket client;
    final Socket upstream;
    /** Directions that reached their end of stream; at 2 the link is over. */
    final AtomicInteger ended = new AtomicInteger();

    Link(Socket client, Socket upstream) throws SocketException {
      this.client = client;
      this.upstream = upstream;
      client.setTcpNoDelay(true);
      upstream.setTcpNoDelay(true);
    }

    void start() throws IOException {
      links.add(this);
      direction("up", client.getInputStream(), upstream.getOutputStream(), upstream);
      direction("down", upstream.getInputStream(), client.getOutputStream(), client);
    }

    private void direction(String name, InputStream in, OutputStream out, Socket to) {
      BlockingQueue<Chunk> queue = new LinkedBlockingQueue<>();
      thread(name + "-read", () -> {
        byte[] buffer = new byte[16 * 1024];
        try {
          for (int n; (n = in.read(buffer)) >= 0; ) {
            queue.add(new Chunk(Arrays.copyOf(buffer, n), System.nanoTime() + delayNanos));
          }
        } catch (IOException e) {
          // reset or closed: the writer ends the other side
        }
        queue.add(EOF);
      });
      thread(name + "-write", () -> {
        try {
          for (Chunk c = queue.take(); c != EOF; c = queue.take()) {
            long wait = c.dueNanos - System.nanoTime();
            if (wait > 0) {
              TimeUnit.NANOSECONDS.sleep(wait);
            }
            out.write(c.bytes);
            out.flush();
          }
          to.shutdownOutput();
          if (ended.incrementAndGet() == 2) {
            links.remove(this);
            client.close();
            upstream.close();
          }
        } catch (IOException | InterruptedException e) {
          reset();
        }
      });
    }

    private void thread(String name, Runnable body) {
      Thread t = new Thread(body, "baton-proxy-" + upstream.getPort() + "-" + name);
      t.setDaemon(true);
      t.start();
    }

    /** Closes both sockets with SO_LINGER 0, so both ends see a reset. */
    void reset() {
      links.remove(this);
      for (Socket s : new Socket[] {client, upstream}) {
        try {
          s.setSoLinger(true, 0);
          s.close();
        } catch (IOException e) {
          // already closed
        }
      }
    }
  }
}
