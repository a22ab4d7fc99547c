package dev.baton.lab.faults;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;
import sun.misc.Signal;

/**
 * The fault suite's service worker. Baton runs a shell script as the service command (the
 * service's leader); the script forks this JVM as its child, passes SIGTERM on to it and exits with
 * its exit code, so every fault also tests that Baton ends the service's whole process tree: a
 * worker that outlived its leader would overlap the next one. The worker reports its service's
 * life to the {@link FencingChecker} at {@code $FAULTS_CHECKER_SOCKET}:
 * {@code START service epoch node pid leader-pid leader-start} once, where {@code leader-start} is
 * when the kernel says the leader (its parent) began, in nanoseconds since boot ({@link BootClock}),
 * so that the checker dates the life from the leader's fork, not from this JVM's first message a
 * JVM start-up later; then a {@code W} line every 20-50 ms, then {@code STOP} on SIGTERM, and
 * returns. When it is killed the kernel closes its connection: the checker takes the end of the
 * connection as the end of its life. It also returns when the checker goes away, and when the checker (in enforcing mode,
 * like a downstream that honours epochs) answers {@code REFUSED}: a refused service exits with 3.
 */
public final class CheckedService {
  private CheckedService() {}

  public static void main(String[] args) throws IOException, InterruptedException {
    String socket = System.getenv("FAULTS_CHECKER_SOCKET");
    String service = System.getenv("BATON_SERVICE");
    String epoch = System.getenv("BATON_EPOCH");
    String node = System.getenv("BATON_NODE");
    if (socket == null || service == null || epoch == null || node == null) {
      System.err.println("checked-service: FAULTS_CHECKER_SOCKET, BATON_SERVICE, BATON_EPOCH and BATON_NODE must be set"
          + " (got " + socket + ", " + service + ", " + epoch + ", " + node + ")");
      return;
    }
    Thread main = Thread.currentThread();
    boolean[] stop = {false};
    String[] refused = {null};
    Signal.handle(new Signal("TERM"), s -> {
      synchronized (stop) {
        stop[0] = true;
      }
      main.interrupt();
    });
    try (SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(Path.of(socket)))) {
      Thread replies = new Thread(() -> readReplies(channel, refused, main), "checked-service-replies");
      replies.setDaemon(true);
      replies.start();
      long pid = hostPid();
      long leader = BootClock.parent(pid);
      send(channel, "START " + service + " " + epoch + " " + node + " " + pid + " " + leader + " "
          + BootClock.startedSinceBoot(leader));
      while (true) {
        synchronized (refused) {
          if (refused[0] != null) {
            System.err.println("checked-service: " + refused[0] + "; exiting");
            System.exit(3);
          }
        }
        synchronized (stop) {
          if (stop[0]) {
            send(channel, "STOP");
            return;
          }
        }
        send(channel, "W");
        try {
          Thread.sleep(ThreadLocalRandom.current().nextLong(20, 51));
        } catch (InterruptedException e) {
          // SIGTERM: the loop sends STOP
        }
      }
    }
  }

  /** Reads the checker's answers: a {@code REFUSED} line, or the end of the connection, ends the service. */
  private static void readReplies(SocketChannel channel, String[] refused, Thread main) {
    try {
      BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8));
      String line = in.readLine();
      synchronized (refused) {
        refused[0] = line != null ? line : "the checker closed the connection";
      }
    } catch (IOException e) {
      synchronized (refused) {
        refused[0] = "the connection to the checker failed: " + e.getMessage();
      }
    }
    main.interrupt();
  }

  private static void send(SocketChannel channel, String line) throws IOException {
    ByteBuffer b = ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8));
    while (b.hasRemaining()) {
      channel.write(b);
    }
  }

  /**
   * This process's pid on the machine. In a PID namespace of its own (Baton's containment) the
   * JVM's pid is the namespace's; {@code /proc} is the machine's, so {@code /proc/self} names the
   * machine's pid, which the fault suite signals.
   */
  static long hostPid() throws IOException {
    String stat = Files.readString(Path.of("/proc/self/stat"));
    return Long.parseLong(stat.substring(0, stat.indexOf(' ')));
  }
}
