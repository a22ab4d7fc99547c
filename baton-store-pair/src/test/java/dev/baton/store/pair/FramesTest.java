package dev.baton.store.pair;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.core.GroupName;
import dev.baton.core.InvalidInputException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The signed frames: what a receiver accepts and why it refuses the rest. */
class FramesTest {
  private static final byte[] KEY = "sixteen bytes and more".getBytes(StandardCharsets.UTF_8);
  private final Link.Sender sender = new Link.Sender(GroupName.of("shop"), "10.0.0.1:7400");

  private static byte[] framed(Frames frames, Frames.Message m) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    frames.write(new DataOutputStream(bytes), m);
    return bytes.toByteArray();
  }

  private static Frames.Message read(Frames frames, byte[] bytes) throws IOException {
    return frames.read(new DataInputStream(new ByteArrayInputStream(bytes)));
  }

  @Test
  void aSignedFreshMessageIsReadOnceAndRefusedAsReplayedAfter() throws IOException {
    Frames receiver = new Frames(KEY, Duration.ofSeconds(5));
    byte[] bytes = framed(new Frames(KEY, Duration.ofSeconds(5)), sender.message("hello", 0, Map.of("x", 1)));

    assertThat(read(receiver, bytes).type()).isEqualTo("hello");
    assertThatThrownBy(() -> read(receiver, bytes)).isInstanceOf(Frames.Rejected.class)
        .hasMessageStartingWith("replayed: sequence number 1 of 10.0.0.1:7400/");
  }

  @Test
  void messagesOfOneSenderMayArriveOutOfOrderOverSeveralConnections() throws IOException {
    Frames receiver = new Frames(KEY, Duration.ofSeconds(5));
    Frames writer = new Frames(KEY, Duration.ofSeconds(5));
    byte[] first = framed(writer, sender.message("hello", 0, Map.of()));
    byte[] second = framed(writer, sender.message("hello", 0, Map.of()));

    assertThat(read(receiver, second).seq()).isEqualTo(2);
    assertThat(read(receiver, first).seq()).isEqualTo(1);
  }

  @Test
  void aFrameSignedWithAnotherKeyIsRefusedAsUnsigned() throws IOException {
    byte[] bytes = framed(new Frames("another key of the same size".getBytes(StandardCharsets.UTF_8),
        Duration.ofSeconds(5)), sender.message("beat", 0, Map.of()));

    assertThatThrownBy(() -> read(new Frames(KEY, Duration.ofSeconds(5)), bytes))
        .isInstanceOf(Frames.Rejected.class).hasMessageStartingWith("unsigned:");
  }

  @Test
  void aFrameOutsideTheWindowIsRefusedAsStale() throws IOException {
    Frames.Message m = sender.message("beat", 0, Map.of());
    Frames.Message late = new Frames.Message(m.v(), m.group(), m.from(), m.inc(), m.seq(), m.at() - 60_000, m.type(),
        m.re(), m.body());

    assertThatThrownBy(() -> read(new Frames(KEY, Duration.ofSeconds(5)), framed(new Frames(KEY, Duration.ofSeconds(5)), late)))
        .isInstanceOf(Frames.Rejected.class).hasMessageMatching("(?s)stale: sent 6\\d{4} ms ago.*"); // 60 s back, plus however long this test took
  }

  @Test
  void anAbsurdLengthOrGarbageIsRefusedAsMalformed() {
    Frames frames = new Frames(KEY, Duration.ofSeconds(5));
    assertThatThrownBy(() -> read(frames, new byte[] {0x7f, 0, 0, 0, 1, 2, 3}))
        .isInstanceOf(Frames.Rejected.class).hasMessageStartingWith("malformed: a frame of");
  }

  @Test
  void aShortKeyFileIsRefusedWithHowToMakeOne(@TempDir Path dir) throws IOException {
    Path key = Files.writeString(dir.resolve("pair.key"), "short\n");

    assertThatThrownBy(() -> Frames.readKey(key)).isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("holds 5 bytes; a pair key has at least 16 (e.g. head -c 32 /dev/urandom | base64");
    assertThatThrownBy(() -> Frames.readKey(dir.resolve("absent"))).isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("does not exist");
  }
}
