package dev.baton.agent.placement;

import dev.baton.api.NodeStatus;
import dev.baton.api.ProviderEntry;
import dev.baton.api.ServiceStatus;
import dev.baton.api.StatusResponse;
import dev.baton.core.Durations;
import dev.baton.core.NodeName;
import dev.baton.core.ServiceName;
import dev.baton.core.store.Decision;
import dev.baton.core.store.NodeRecord;
import dev.baton.core.store.ProviderState;
import dev.baton.core.store.ProviderStatus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/** Turns the reconciler's latest view into the {@code /v1} shapes. Pure. */
public final class Whiteboard {
  private Whiteboard() {}

  public static StatusResponse status(String group, NodeName self, View view, Map<ServiceName, ProviderStatus> local) {
    return status(group, self, view, local, Instant.now());
  }

  /** The whiteboard as of {@code now} on the wall clock: bans that ended by then are not shown. */
  public static StatusResponse status(String group, NodeName self, View view, Map<ServiceName, ProviderStatus> local,
      Instant now) {
    List<NodeStatus> nodes = new ArrayList<>();
    for (NodeRecord n : view.snapshot().nodes()) {
      nodes.add(new NodeStatus(n.info().name().value(), n.info().location().toString(),
          view.nodeStates().getOrDefault(n.info().name(), "alive"), n.info().api(),
          n.lease() == null ? null : Durations.format(n.lease()),
          n.heartbeat() == null ? null : Durations.format(n.heartbeat())));
    }
    nodes.sort((a, b) -> a.name().compareTo(b.name()));
    TreeSet<ServiceName> names = new TreeSet<>(view.snapshot().ownerships().keySet());
    view.snapshot().nodes().forEach(n -> names.addAll(n.providers().keySet()));
    names.addAll(local.keySet());
    List<ServiceStatus> services = new ArrayList<>();
    for (ServiceName s : names) {
      services.add(service(s, self, view, local, now));
    }
    return new StatusResponse(group, self.value(), nodes, services);
  }

  public static Optional<ServiceStatus> find(ServiceName s, NodeName self, View view, Map<ServiceName, ProviderStatus> local) {
    boolean known = view.snapshot().ownerships().containsKey(s) || local.containsKey(s)
        || view.snapshot().nodes().stream().anyMatch(n -> n.providers().containsKey(s));
    return known ? Optional.of(service(s, self, view, local, Instant.now())) : Optional.empty();
  }

  private static ServiceStatus service(ServiceName s, NodeName self, View view, Map<ServiceName, ProviderStatus> local,
      Instant now) {
    List<ProviderEntry> providers = new ArrayList<>();
    for (NodeRecord n : view.snapshot().nodes()) {
      NodeName name = n.info().name();
      ProviderStatus p = name.equals(self) ? local.get(s) : n.providers().get(s);
      if (p == null) {
        continue;
      }
      String nodeState = view.nodeStates().getOrDefault(name, "alive");
      Decision d = view.snapshot().decision(name, s);
      boolean banned = d != null && d.bannedAt(now);
      String bannedUntil = banned ? d.bannedUntil().toString() : null;
      boolean failed = banned && d.failed();
      boolean running = p.state() == ProviderState.PROVIDING
          || p.state() == ProviderState.STOPPING;
      if (nodeState.equals("lost") || nodeState.equals("left") || (nodeState.equals("drained") && !running)) {
        providers.add(new ProviderEntry(name.value(), "unavailable", "node " + nodeState, bannedUntil, failed));
      } else {
        providers.add(new ProviderEntry(name.value(), p.state().wireName(), p.reason(), bannedUntil, failed));
      }
    }
    providers.sort((a, b) -> a.node().compareTo(b.node()));
    NodeName owner = view.validOwners().get(s);
    String state = view.snapshot().settings().service(s).disabled() ? "disabled"
        : owner != null ? "provided"
        : view.targets().containsKey(s) ? "placing"
        : "failed";
    long epoch = view.snapshot().ownership(s).epoch();
    // A planned move is under way while placement gives the service to its target, not yet the owner.
    NodeName moving = view.snapshot().settings().service(s).moveTarget(epoch);
    boolean underWay = moving != null && moving.equals(view.targets().get(s)) && !moving.equals(owner);
    return new ServiceStatus(s.value(), state, owner == null ? null : owner.value(), epoch, providers,
        underWay ? moving.value() : null);
  }
}
