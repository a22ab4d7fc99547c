package dev.baton.agent.guardian;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * What an agent and its guardian share: the files in the node's {@code state-dir}, the socket's
 * messages and the environment the guardian gives the agent. Uses {@code java.base} only, so the
 * guardian loads nothing else.
 */
final class GuardianFiles {
  /** The guardian's Unix socket; the agent connects to it. */
  static final String SOCKET = "guardian.sock";
  /**
   * The fence deadline: one line, {@code <monotonic nanos> <agent pid> <session>}, rewritten
   * atomically; the session is the one whose renewal set the deadline (the current one).
   */
  static final String DEADLINE = "fence-deadline";
  /** The guardian's pid, one line. */
  static final String GUARDIAN_PID = "guardian.pid";
  /** Notes the guardian leaves for the agent to record as events, one file per note. */
  static final String NOTES = "guardian-notes";
  /** The agent's mirrored state (see {@link Mirror}). */
  static final String MIRROR = "agent-state.properties";

  /** Environment the guardian gives its agent. */
  static final String ENV_SOCKET = "BATON_GUARDIAN_SOCKET";
  static final String ENV_GUARDIAN_PID = "BATON_GUARDIAN_PID";
  static final String ENV_LAUNCHER_PID = "BATON_LAUNCHER_PID";
  /** The agent's own command line, words joined by {@link #WORD_SEPARATOR}: for a new guardian. */
  static final String ENV_AGENT_COMMAND = "BATON_AGENT_COMMAND";
  /** Set on a restarted agent: {@code <restart count> <why>}. */
  static final String ENV_RESTART = "BATON_GUARDIAN_RESTART";
  static final String WORD_SEPARATOR = "\u001f";

  /** Agent to guardian. */
  static final byte HELLO = 1;
  static final byte RUNNING = 2;
  static final byte SPAWN = 3;
  static final byte BYE = 4;
  /** Kill one of the guardian's children (a process of a previous run the agent does not adopt). */
  static final byte KILL = 5;
  /** Guardian to agent. */
  static final byte SPAWNED = 11;
  static final byte SPAWN_FAILED = 12;
  static final byte EXITED = 13;
  /** The answer to HELLO: every child the guardian holds (service, epoch, session, pid, start ticks). */
  static final byte CHILDREN = 14;

  /** The event type of a note. */
  static final String KILLED_SERVICES = "guardian.killed-services";

  private GuardianFiles() {}

  /** Writes {@code text} to {@code file} by a rename, so a reader sees the old or the new text, whole. */
  static void writeAtomically(Path file, String text) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.writeString(tmp, text, StandardCharsets.UTF_8);
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  /** One message being written: a type byte and its fields. */
  static final class Message {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    final DataOutputStream out = new DataOutputStream(bytes);

    Message(byte type) throws IOException {
      out.writeByte(type);
    }

    /**
     * Sends it as one frame (length, then bytes). Reads and writes of a socket channel may run on
     * two threads at once; writers of one channel must hold a common lock.
     */
    void send(SocketChannel channel) throws IOException {
      byte[] payload = bytes.toByteArray();
      ByteBuffer frame = ByteBuffer.allocate(4 + payload.length).putInt(payload.length).put(payload).flip();
      while (frame.hasRemaining()) {
        channel.write(frame);
      }
    }
  }

  /** The next frame's fields, its type byte first; null at the end of the stream. */
  static DataInputStream receive(SocketChannel channel) throws IOException {
    ByteBuffer length = ByteBuffer.allocate(4);
    if (!readFully(channel, length, true)) {
      return null;
    }
    int n = length.flip().getInt();
    if (n < 1 || n > 1 << 20) {
      throw new IOException("bad frame length " + n);
    }
    ByteBuffer payload = ByteBuffer.allocate(n);
    readFully(channel, payload, false);
    return new DataInputStream(new ByteArrayInputStream(payload.array()));
  }

  private static boolean readFully(SocketChannel channel, ByteBuffer buffer, boolean endAllowed) throws IOException {
    while (buffer.hasRemaining()) {
      if (channel.read(buffer) < 0) {
        if (endAllowed && buffer.position() == 0) {
          return false;
        }
        throw new EOFException("the stream ended inside a frame");
      }
    }
    return true;
  }

  /**
   * Whether process {@code pid} runs: it exists and is not a zombie. (A killed process whose
   * parent has not reaped it yet still counts as alive for {@link ProcessHandle#isAlive()}.)
   */
  static boolean running(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      char state = stat.charAt(stat.lastIndexOf(')') + 2);
      return state != 'Z' && state != 'X';
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  /**
   * When process {@code pid} began, in clock ticks since the machine booted (field 22 of
   * {@code /proc/PID/stat}): with the pid, it names one process for as long as the machine runs,
   * whatever the wall clock does; 0 when the process is gone.
   */
  static long startTicks(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      // pid (comm) state ppid ...: comm may hold spaces and parentheses, so split after the last ')'
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return Long.parseLong(fields[19]); // field 22 of the line, the 20th after comm
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  static List<String> words(String joined) {
    return List.of(joined.split(WORD_SEPARATOR, -1));
  }
}
