package dev.baton.cli;

import dev.baton.api.EventEntry;
import dev.baton.api.EventTypes;
import dev.baton.api.NodeStatus;
import dev.baton.api.ProviderEntry;
import dev.baton.api.RestartResponse;
import dev.baton.api.ServiceStatus;
import dev.baton.api.StatusResponse;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * What a verb's {@code --wait} waits for ({@link WaitOptions}): the goal in words, and a check that
 * says what of it is still not true. The checks read the whiteboard of the agent the command talks
 * to, which shows the group as that agent last read it from the store (peers' provider states within
 * a heartbeat or so).
 *
 * @param goal what has happened once the wait is over, e.g. "web runs on node-b"
 */
record Until(String goal, Check check) {
  /** What of the goal is still not true, or null once it has happened. */
  interface Check {
    String pending(StatusResponse status, BatonClient client);
  }

  /** The provider states of a process that is still there (it runs, or is being started or stopped). */
  private static final Set<String> RUNNING = Set.of("providing", "starting", "stopping");

  /** A change that has happened once the agent answered (the store confirmed the write before it did). */
  static Until answered(String goal) {
    return new Until(goal, (status, client) -> null);
  }

  /** {@code move}: {@code node} owns the service and its provider there runs it; no move under way. */
  static Until runsOn(String service, String node) {
    return new Until(service + " runs on " + node, (status, client) -> {
      ServiceStatus s = service(status, service).orElse(null);
      if (s == null) {
        return "the whiteboard shows no service " + service;
      }
      if (!node.equals(s.owner())) {
        return s.owner() == null ? "no node owns " + service + " (" + s.state() + ")"
            : s.owner() + " still owns " + service + " (epoch " + s.epoch() + ")";
      }
      String state = providerState(s, node);
      return "providing".equals(state) ? null : node + " owns " + service + " but its provider is " + state;
    });
  }

  /** {@code enable}: some node owns the service (each of its instances) and runs it. */
  static Until runs(String service) {
    return new Until(service + " runs on a node", (status, client) -> each(status, service, s -> {
      if (s.owner() == null) {
        return "no node runs " + s.name() + " yet (" + s.state() + ")";
      }
      String state = providerState(s, s.owner());
      return "providing".equals(state) ? null : s.owner() + " owns " + s.name() + " but its provider is " + state;
    }));
  }

  /** {@code disable}: the service (each of its instances) is disabled, owned by nobody, and no provider's process is left. */
  static Until runsNowhere(String service) {
    return new Until(service + " runs on no node", (status, client) -> each(status, service, s -> {
      if (!"disabled".equals(s.state())) {
        return s.name() + " is " + s.state() + ", not yet disabled";
      }
      if (s.owner() != null) {
        return s.owner() + " still owns " + s.name();
      }
      List<String> still = s.providers().stream().filter(p -> RUNNING.contains(p.state()))
          .map(p -> p.node() + " (" + p.state() + ")").toList();
      return still.isEmpty() ? null : s.name() + " still runs on " + String.join(", ", still);
    }));
  }

  /** {@code drain}: the node owns no service (the next candidates took them, or nobody could). */
  static Until ownsNothing(String node) {
    return new Until(node + " owns no service", (status, client) -> {
      List<String> owned = status.services().stream().filter(s -> node.equals(s.owner())).map(ServiceStatus::name)
          .toList();
      return owned.isEmpty() ? null : node + " still owns " + String.join(", ", owned);
    });
  }

  /** {@code pause} / {@code resume}: the whiteboard shows the service (each of its instances) paused / not paused. */
  static Until paused(String service, boolean paused) {
    return new Until(service + " is " + (paused ? "paused" : "resumed"), (status, client) -> each(status, service,
        s -> (s.pausedSince() != null) == paused ? null
            : "the whiteboard still shows " + s.name() + (paused ? " not paused" : " paused")));
  }

  /** {@code pause --all} / {@code resume --all}: the whiteboard shows every service paused / none paused. */
  static Until allPaused(boolean paused) {
    return new Until(paused ? "every service is paused" : "no service is paused", (status, client) -> {
      List<String> still = status.services().stream().filter(s -> (s.pausedSince() != null) != paused)
          .map(ServiceStatus::name).toList();
      return still.isEmpty() ? null : (paused ? "not paused yet: " : "still paused: ") + String.join(", ", still);
    });
  }

  /** {@code undrain}: the whiteboard no longer shows the node drained. */
  static Until notDrained(String node) {
    return new Until(node + " is not drained", (status, client) -> {
      Optional<NodeStatus> n = status.nodes().stream().filter(x -> x.name().equals(node)).findFirst();
      return n.isEmpty() ? "the whiteboard shows no node " + node
          : n.get().state().equals("drained") ? "the whiteboard still shows " + node + " drained" : null;
    });
  }

  /** {@code clear}: no provider of the service (on {@code node} only, when given) is banned or failed. */
  static Until cleared(String service, String node) {
    return new Until("no node is banned from " + service + (node == null ? "" : " on " + node),
        (status, client) -> {
          ServiceStatus s = service(status, service).orElse(null);
          if (s == null) {
            return "the whiteboard shows no service " + service;
          }
          List<String> banned = s.providers().stream().filter(p -> node == null || p.node().equals(node))
              .filter(p -> p.bannedUntil() != null || p.failed())
              .map(p -> p.node() + (p.failed() ? " (failed)" : " (banned until " + p.bannedUntil() + ")")).toList();
          return banned.isEmpty() ? null : "still banned: " + String.join(", ", banned);
        });
  }

  /**
   * {@code restart}: the owner recorded {@code service.started} of the service at the same epoch after
   * the restart's {@code operator.restart} event.
   */
  static Until restarted(RestartResponse r) {
    String goal = r.node() + " has started " + r.service() + " again at epoch " + r.epoch();
    if (r.event() <= 0) {
      return new Until(goal, (status, client) -> "the agent could not record the restart's event, so its start"
          + " cannot be told from an earlier one; see `baton events --service " + r.service() + "`");
    }
    return new Until(goal, (status, client) -> {
      List<EventEntry> started = client.events("since=" + r.event() + "&service=" + r.service() + "&type="
          + EventTypes.SERVICE_STARTED + "&limit=100").events();
      boolean done = started.stream().anyMatch(e -> r.node().equals(e.node()) && e.epoch() != null
          && e.epoch() == r.epoch());
      if (done) {
        return null;
      }
      return started.isEmpty() ? r.service() + " has not started again yet"
          : r.service() + " started since, but not on " + r.node() + " at epoch " + r.epoch() + " (it moved)";
    });
  }

  /**
   * What {@code check} finds still pending for {@code service}; for a service the whiteboard knows
   * only by its instances ({@code web@1}, ...), for the first of them that has something pending.
   */
  private static String each(StatusResponse status, String service, Function<ServiceStatus, String> check) {
    Optional<ServiceStatus> s = service(status, service);
    if (s.isPresent()) {
      return check.apply(s.get());
    }
    List<ServiceStatus> instances = status.services().stream().filter(x -> x.name().startsWith(service + "@")).toList();
    if (instances.isEmpty()) {
      return "the whiteboard shows no service " + service;
    }
    return instances.stream().map(check).filter(Objects::nonNull).findFirst().orElse(null);
  }

  private static Optional<ServiceStatus> service(StatusResponse status, String name) {
    return status.services().stream().filter(s -> s.name().equals(name)).findFirst();
  }

  private static String providerState(ServiceStatus s, String node) {
    return s.providers().stream().filter(p -> p.node().equals(node)).map(ProviderEntry::state).findFirst()
        .orElse("not shown");
  }
}
