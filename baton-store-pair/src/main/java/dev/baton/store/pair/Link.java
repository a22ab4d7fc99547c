package dev.baton.store.pair;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.core.GroupName;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Signed request and reply to one address, over a small pool of TCP connections (one per call in
 * flight). A call that fails or times out closes its connection; its outcome is unknown.
 */
final class Link implements AutoCloseable {
  private final InetSocketAddress address;
  private final Frames frames;
  private final Sender sender;
  private final ConcurrentLinkedDeque<Connection> idle = new ConcurrentLinkedDeque<>();

  /** Who sends: the group, the sender's name and incarnation, and its message counter. */
  static final class Sender {
    final GroupName group;
    final String name;
    final String incarnation = UUID.randomUUID().toString();
    private final AtomicLong seq = new AtomicLong();

    Sender(GroupName group, String name) {
      this.group = group;
      this.name = name;
    }

    Frames.Message message(String type, long re, Object body) {
      JsonNode tree = Wire.JSON.valueToTree(body);
      return new Frames.Message(Frames.VERSION, group.value(), name, incarnation, seq.incrementAndGet(),
          System.currentTimeMillis(), type, re, tree);
    }
  }

  private record Connection(Socket socket, DataInputStream in, DataOutputStream out) {}

  Link(InetSocketAddress address, Frames frames, Sender sender) {
    this.address = address;
    this.frames = frames;
    this.sender = sender;
  }

  String address() {
    return PairUrl.show(address);
  }

  /** Sends a {@code type} request with {@code body} and returns the reply's body as {@code replyType}. */
  <T> T call(String type, Object body, Class<T> replyType, Duration timeout) throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    Connection c = idle.pollFirst();
    if (c == null) {
      c = open(timeout);
    }
    try {
      int left = (int) Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
      c.socket().setSoTimeout(left);
      Frames.Message request = sender.message(type, 0, body);
      frames.write(c.out(), request);
      Frames.Message reply = frames.read(c.in());
      if (reply.re() != request.seq() || !reply.type().equals("reply")) {
        throw new Frames.Rejected("malformed: a reply to message " + reply.re() + " (" + reply.type()
            + "), not to the request " + request.seq());
      }
      T value = Wire.JSON.treeToValue(reply.body(), replyType);
      idle.addFirst(c);
      return value;
    } catch (IOException | RuntimeException e) {
      closeQuietly(c);
      throw e;
    }
  }

  private Connection open(Duration timeout) throws IOException {
    Socket s = new Socket();
    try {
      s.setTcpNoDelay(true);
      s.connect(new InetSocketAddress(address.getHostString(), address.getPort()),
          (int) Math.max(1, timeout.toMillis()));
      return new Connection(s, new DataInputStream(new BufferedInputStream(s.getInputStream())),
          new DataOutputStream(new BufferedOutputStream(s.getOutputStream())));
    } catch (IOException e) {
      s.close();
      throw e;
    }
  }

  private static void closeQuietly(Connection c) {
    try {
      c.socket().close();
    } catch (IOException ignored) {
      // closing a failed connection
    }
  }

  @Override
  public void close() {
    Connection c;
    while ((c = idle.pollFirst()) != null) {
      closeQuietly(c);
    }
  }
}
