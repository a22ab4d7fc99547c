package dev.baton.store.pair;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.core.InvalidInputException;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeSet;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signed messages between the members of a pair (and their clients), one per frame on a TCP
 * connection: a 4-byte length, the message's JSON, and its HMAC-SHA256 under the pair's shared key.
 * A receiver accepts a message only when its signature is right, it parses, it is no older (and
 * no further ahead) than the freshness window by the receiver's wall clock, and its sequence number
 * has not been seen before from the sender's incarnation; anything else is refused with its
 * reason ({@link Rejected}), so a stray, forged or replayed packet changes nothing.
 */
final class Frames {
  static final int VERSION = 1;
  private static final int MAC_BYTES = 32;
  private static final int MAX_FRAME = 16 * 1024 * 1024;
  private static final int MIN_KEY_BYTES = 16;

  /**
   * One message. {@code inc} is the sender's incarnation (a random id per process), {@code seq}
   * counts its messages, {@code at} is its wall clock in milliseconds, {@code re} the sequence
   * number of the request a reply answers (0 for a request).
   */
  record Message(int v, String group, String from, String inc, long seq, long at, String type, long re,
      JsonNode body) {}

  /** A frame refused by its receiver, with the reason it logs. */
  static final class Rejected extends IOException {
    Rejected(String reason) {
      super(reason);
    }
  }

  private final SecretKeySpec key;
  private final long windowMillis;
  /** Per sender incarnation: the sequence numbers accepted lately, and when the last was. */
  private final Map<String, Seen> seen = new HashMap<>();

  /**
   * Sequence numbers accepted from one incarnation. A sender's connections run side by side, so its
   * numbers may arrive out of order: any number not seen yet and within {@link #REORDER} of the
   * highest is accepted, as IPsec's anti-replay window does.
   */
  private static final class Seen {
    final TreeSet<Long> numbers = new TreeSet<>();
    long lastMillis;
  }

  private static final long REORDER = 4096;

  Frames(byte[] key, Duration window) {
    this.key = new SecretKeySpec(key, "HmacSHA256");
    this.windowMillis = window.toMillis();
  }

  /** The key in {@code file}: its bytes without surrounding whitespace, at least 16 of them. */
  static byte[] readKey(Path file) {
    byte[] raw;
    try {
      raw = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new InvalidInputException("pair.key-file " + file + " does not exist; create it on both members with"
          + " the same content, e.g. head -c 32 /dev/urandom | base64 > " + file);
    } catch (IOException e) {
      throw new InvalidInputException("pair.key-file " + file + " cannot be read: " + e.getMessage());
    }
    String text = new String(raw, StandardCharsets.UTF_8).strip();
    byte[] key = text.getBytes(StandardCharsets.UTF_8);
    if (key.length < MIN_KEY_BYTES) {
      throw new InvalidInputException("pair.key-file " + file + " holds " + key.length + " bytes; a pair key"
          + " has at least " + MIN_KEY_BYTES + " (e.g. head -c 32 /dev/urandom | base64 > " + file + ")");
    }
    return key;
  }

  void write(DataOutputStream out, Message message) throws IOException {
    byte[] payload = Wire.JSON.writeValueAsBytes(message);
    synchronized (out) {
      out.writeInt(payload.length);
      out.write(payload);
      out.write(mac(payload));
      out.flush();
    }
  }

  /**
   * Reads the next frame and checks it.
   *
   * @throws EOFException when the connection ended between frames
   * @throws Rejected when the frame is unsigned, malformed, stale or replayed
   */
  Message read(DataInputStream in) throws IOException {
    int length = in.readInt();
    if (length < 2 || length > MAX_FRAME) {
      throw new Rejected("malformed: a frame of " + length + " bytes");
    }
    byte[] payload = new byte[length];
    in.readFully(payload);
    byte[] mac = new byte[MAC_BYTES];
    in.readFully(mac);
    if (!MessageDigest.isEqual(mac, mac(payload))) {
      throw new Rejected("unsigned: its signature does not match the pair key (another key, or forged)");
    }
    Message m;
    try {
      m = Wire.JSON.readValue(payload, Message.class);
    } catch (IOException e) {
      throw new Rejected("malformed: " + e.getMessage().lines().findFirst().orElse(""));
    }
    if (m.v() != VERSION || m.from() == null || m.inc() == null || m.type() == null) {
      throw new Rejected("malformed: version " + m.v() + " (expected " + VERSION + ") or a field missing");
    }
    accept(m, System.currentTimeMillis());
    return m;
  }

  /** Refuses {@code m} when it is stale or replayed; records its sequence number otherwise. */
  synchronized void accept(Message m, long nowMillis) throws Rejected {
    long age = nowMillis - m.at();
    if (Math.abs(age) > windowMillis) {
      throw new Rejected("stale: sent " + age + " ms ago by its sender's clock, outside the " + windowMillis
          + " ms window (replayed, or the two clocks differ that much)");
    }
    String sender = m.from() + "/" + m.inc();
    Seen last = seen.computeIfAbsent(sender, k -> new Seen());
    long highest = last.numbers.isEmpty() ? Long.MIN_VALUE : last.numbers.last();
    if (last.numbers.contains(m.seq()) || (highest != Long.MIN_VALUE && m.seq() <= highest - REORDER)) {
      throw new Rejected("replayed: sequence number " + m.seq() + " of " + sender + " was seen already");
    }
    last.numbers.add(m.seq());
    last.numbers.headSet(last.numbers.last() - REORDER).clear();
    last.lastMillis = nowMillis;
    seen.values().removeIf(s -> nowMillis - s.lastMillis > 2 * windowMillis); // refused as stale anyway
  }

  private byte[] mac(byte[] payload) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(key);
      return mac.doFinal(payload);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is not available in this JVM", e);
    }
  }
}
