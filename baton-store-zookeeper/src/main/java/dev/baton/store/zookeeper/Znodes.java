package dev.baton.store.zookeeper;

import dev.baton.core.Durations;
import dev.baton.core.Location;
import dev.baton.core.NodeName;
import dev.baton.core.ServiceName;
import dev.baton.core.store.Decision;
import dev.baton.core.store.Event;
import dev.baton.core.store.EventDraft;
import dev.baton.core.store.NodeInfo;
import dev.baton.core.store.NodeSettings;
import dev.baton.core.store.Ownership;
import dev.baton.core.store.ProviderState;
import dev.baton.core.store.ProviderStatus;
import dev.baton.core.store.ServiceSettings;
import dev.baton.core.store.SessionId;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** How each kind of znode's data reads and writes (see {@link GroupPaths} for where they live). */
final class Znodes {
  private static final String PROVIDER = "provider/";
  private static final String REASON = "reason/";
  private static final String RANK = "rank/";
  private static final String ENDPOINT = "endpoint/";

  private Znodes() {}

  /**
   * A node's persistent record: what it published and its latest session. The session is LIVE
   * while the node's ephemeral exists and holds this session id, CLOSED when {@code closed}, and
   * EXPIRED otherwise. {@code heartbeat} and {@code lease} are the session's timing, null in a
   * record written by a version that did not record it (fields {@code heartbeat} and {@code lease},
   * added to format 1: older readers ignore them), and so are the providers' default ranks
   * ({@code rank/<service>}) and endpoints ({@code endpoint/<service>}).
   */
  record NodeEntry(NodeInfo info, SessionId session, boolean closed, Map<ServiceName, ProviderStatus> providers,
      Duration heartbeat, Duration lease) {
    NodeEntry {
      providers = Map.copyOf(providers);
    }

    NodeEntry closedNow() {
      return new NodeEntry(info, session, true, providers, heartbeat, lease);
    }

    NodeEntry withProviders(Map<ServiceName, ProviderStatus> now) {
      return new NodeEntry(info, session, closed, now, heartbeat, lease);
    }
  }

  static byte[] node(String path, NodeEntry entry) {
    Fields f = Fields.create(path)
        .put("name", entry.info().name())
        .put("location", entry.info().location())
        .put("api", entry.info().api())
        .put("version", entry.info().version())
        .put("session", entry.session())
        .put("closed", entry.closed())
        .put("heartbeat", entry.heartbeat() == null ? null : Durations.format(entry.heartbeat()))
        .put("lease", entry.lease() == null ? null : Durations.format(entry.lease()));
    entry.providers().forEach((service, status) -> {
      f.put(PROVIDER + service, status.state().wireName());
      f.put(REASON + service, status.reason());
      f.put(RANK + service, status.rank() == null ? null : status.rank().toString());
      f.put(ENDPOINT + service, status.endpoint());
    });
    return f.bytes();
  }

  static NodeEntry node(String path, byte[] data) {
    Fields f = Fields.parse(path, data);
    NodeInfo info = new NodeInfo(
        f.required("name", NodeName::of),
        f.required("location", Location::parse),
        f.required("api"),
        f.optional("version"));
    Map<ServiceName, ProviderStatus> providers = new LinkedHashMap<>();
    for (String service : f.keysAfter(PROVIDER)) {
      providers.put(
          f.convert(PROVIDER + service, service, ServiceName::of),
          new ProviderStatus(f.required(PROVIDER + service, ProviderState::fromWireName),
              f.optional(REASON + service), rank(f.optional(RANK + service)),
              f.optional(ENDPOINT + service)));
    }
    for (String service : f.keysAfter(REASON)) {
      if (f.optional(PROVIDER + service) == null) {
        throw f.unreadable("a reason for service \"" + service + "\" without its provider state");
      }
    }
    return new NodeEntry(info, f.required("session", SessionId::new), f.flag("closed"), providers,
        f.optional("heartbeat", Znodes::positiveDuration), f.optional("lease", Znodes::positiveDuration));
  }

  /** A provider's default rank ({@code rank/<service>}, added to format 1), or null: none, or not a rank. */
  private static Integer rank(String text) {
    if (text == null) {
      return null;
    }
    try {
      int rank = Integer.parseInt(text);
      return rank >= 1 ? rank : null;
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private static Duration positiveDuration(String text) {
    Duration d = Durations.parse(text);
    if (d.isZero()) {
      throw new IllegalArgumentException("\"" + text + "\" is not a positive duration");
    }
    return d;
  }

  /** The ephemeral's data: the session id it stands for. */
  static byte[] session(SessionId session) {
    return session.value().getBytes(StandardCharsets.UTF_8);
  }

  static SessionId session(byte[] data) {
    return new SessionId(new String(data == null ? new byte[0] : data, StandardCharsets.UTF_8));
  }

  static byte[] service(String path, Ownership ownership) {
    return Fields.create(path)
        .put("epoch", ownership.epoch())
        .put("node", ownership.node())
        .put("session", ownership.session())
        .bytes();
  }

  static Ownership service(String path, ServiceName service, byte[] data) {
    Fields f = Fields.parse(path, data);
    long epoch = f.number("epoch");
    if (epoch < 1) {
      throw f.unreadable("epoch " + epoch + " is below 1, the epoch of a first grant");
    }
    return new Ownership(service, epoch, f.optional("node", NodeName::of), f.optional("session", SessionId::new));
  }

  static byte[] serviceSettings(String path, ServiceSettings settings) {
    return Fields.create(path)
        .put("ranking", settings.ranking().stream().map(NodeName::value).collect(Collectors.joining(",")))
        .put("disabled", settings.disabled())
        .put("move-to", settings.move() == null ? null : settings.move().to().value())
        .put("move-epoch", settings.move() == null ? null : settings.move().epoch())
        .put("paused-since", settings.pausedSince())
        .put("failback", settings.failback().word())
        .put("failback-delay-ms", settings.failbackDelay() == null ? null : settings.failbackDelay().toMillis())
        .bytes();
  }

  static ServiceSettings serviceSettings(String path, byte[] data) {
    Fields f = Fields.parse(path, data);
    String ranking = f.required("ranking");
    List<NodeName> nodes = new ArrayList<>();
    if (!ranking.isEmpty()) {
      for (String name : ranking.split(",", -1)) {
        nodes.add(f.convert("ranking", name, NodeName::of));
      }
    }
    NodeName moveTo = f.optional("move-to", NodeName::of);
    ServiceSettings.Move move = moveTo == null ? null : new ServiceSettings.Move(moveTo, f.number("move-epoch"));
    // Written before pause and failback existed: absent keys read as not paused, sticky, the default delay.
    Instant paused = f.optional("paused-since", Znodes::instant);
    ServiceSettings.Failback failback = f.convert("failback", f.optional("failback"), ServiceSettings.Failback::stored);
    java.time.Duration delay = f.optional("failback-delay-ms", Znodes::positiveMillis);
    return new ServiceSettings(nodes, f.flag("disabled"), move, paused, failback, delay);
  }

  private static java.time.Duration positiveMillis(String text) {
    long millis = Long.parseLong(text); // a NumberFormatException is an IllegalArgumentException
    if (millis <= 0) {
      throw new IllegalArgumentException(millis + " ms is not above zero");
    }
    return java.time.Duration.ofMillis(millis);
  }

  static byte[] nodeSettings(String path, NodeSettings settings) {
    return Fields.create(path).put("drained", settings.drained()).bytes();
  }

  static NodeSettings nodeSettings(String path, byte[] data) {
    return new NodeSettings(Fields.parse(path, data).flag("drained"));
  }

  static byte[] decision(String path, Decision decision) {
    return Fields.create(path)
        .put("banned-until", decision.bannedUntil())
        .put("ban-reason", decision.banReason())
        .put("restarts", decision.restarts())
        .put("restarts-since", decision.restartsSince())
        .put("failed", decision.failedDetail())
        .bytes();
  }

  static Decision decision(String path, byte[] data) {
    Fields f = Fields.parse(path, data);
    Instant until = f.optional("banned-until", Znodes::instant);
    Instant since = f.optional("restarts-since", Znodes::instant);
    long restarts = f.number("restarts");
    try {
      return new Decision(until, f.optional("ban-reason"), Math.toIntExact(restarts), since, f.optional("failed"));
    } catch (IllegalArgumentException | ArithmeticException e) {
      throw f.unreadable(e.getMessage());
    }
  }

  private static Instant instant(String text) {
    try {
      return Instant.parse(text);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("\"" + text + "\" is not an ISO-8601 instant");
    }
  }

  static byte[] event(String path, EventDraft event) {
    return Fields.create(path)
        .put("time", event.time())
        .put("type", event.type())
        .put("node", event.node())
        .put("service", event.service())
        .put("epoch", event.epoch())
        .put("detail", event.detail())
        .bytes();
  }

  static Event event(String path, long seq, byte[] data) {
    Fields f = Fields.parse(path, data);
    Instant time = f.required("time", text -> {
      try {
        return Instant.parse(text);
      } catch (DateTimeParseException e) {
        throw new IllegalArgumentException("\"" + text + "\" is not an ISO-8601 instant");
      }
    });
    Long epoch = f.optional("epoch") == null ? null : f.number("epoch");
    return new Event(seq, time, f.required("type"), f.optional("node", NodeName::of),
        f.optional("service", ServiceName::of), epoch, f.optional("detail"));
  }

  /** The sequence number of an event znode named {@code e-0000000041}: 42 (numbers start at 1). */
  static long eventSeq(String child) {
    if (!child.startsWith("e-")) {
      return -1;
    }
    try {
      return Long.parseLong(child.substring(2)) + 1;
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
