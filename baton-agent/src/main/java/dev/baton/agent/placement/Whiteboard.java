package dev.baton.agent.placement;

import dev.baton.api.NodeStatus;
import dev.baton.api.ProviderEntry;
import dev.baton.api.RankingEntry;
import dev.baton.api.ResolveResponse;
import dev.baton.api.ServiceStatus;
import dev.baton.api.StatusResponse;
import dev.baton.core.Durations;
import dev.baton.core.Location;
import dev.baton.core.NodeName;
import dev.baton.core.ServiceName;
import dev.baton.core.placement.Candidate;
import dev.baton.core.placement.EffectiveRanking;
import dev.baton.core.placement.ServiceQueue;
import dev.baton.core.store.Decision;
import dev.baton.core.store.NodeRecord;
import dev.baton.core.store.ProviderState;
import dev.baton.core.store.ProviderStatus;
import dev.baton.core.store.ServiceSettings;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/** Turns the reconciler's latest view into the {@code /v1} shapes. Pure. */
public final class Whiteboard {
  private Whiteboard() {}

  /**
   * The whiteboard; {@code renewalAges}: how long ago each node last renewed, as this node saw it
   * ({@link View#renewalAges}).
   */
  public static StatusResponse status(String group, NodeName self, View view, Map<ServiceName, ProviderStatus> local,
      Map<NodeName, Duration> renewalAges) {
    return status(group, self, view, local, renewalAges, Instant.now());
  }

  /** The whiteboard as of {@code now} on the wall clock: bans that ended by then are not shown. */
  public static StatusResponse status(String group, NodeName self, View view, Map<ServiceName, ProviderStatus> local,
      Map<NodeName, Duration> renewalAges, Instant now) {
    List<NodeStatus> nodes = new ArrayList<>();
    for (NodeRecord n : view.snapshot().nodes()) {
      nodes.add(new NodeStatus(n.info().name().value(), n.info().location().toString(),
          view.nodeStates().getOrDefault(n.info().name(), "alive"), n.info().api(),
          n.lease() == null ? null : Durations.format(n.lease()),
          n.heartbeat() == null ? null : Durations.format(n.heartbeat()), n.info().version(),
          renewalAges.containsKey(n.info().name()) ? renewalAges.get(n.info().name()).toMillis() : null));
    }
    nodes.sort((a, b) -> a.name().compareTo(b.name()));
    TreeSet<ServiceName> names = new TreeSet<>(view.snapshot().ownerships().keySet());
    view.snapshot().nodes().forEach(n -> names.addAll(n.providers().keySet()));
    names.addAll(local.keySet());
    List<ServiceStatus> services = new ArrayList<>();
    for (ServiceName s : names) {
      services.add(service(s, self, view, local, now));
    }
    return new StatusResponse(group, self.value(), nodes, services, dev.baton.core.BatonVersion.current());
  }

  public static Optional<ServiceStatus> find(ServiceName s, NodeName self, View view, Map<ServiceName, ProviderStatus> local) {
    boolean known = view.snapshot().ownerships().containsKey(s) || local.containsKey(s)
        || view.snapshot().nodes().stream().anyMatch(n -> n.providers().containsKey(s));
    return known ? Optional.of(service(s, self, view, local, Instant.now())) : Optional.empty();
  }

  /**
   * Where clients reach {@code s}, as seen from {@code from}: the providers on alive nodes that
   * declare an endpoint, the owner first, then the nearest to {@code from} in the location tree,
   * then the earlier in the service's line, then by name. {@code status} is {@code s} on the
   * whiteboard ({@link #find}); this node's own provider is read from {@code local} (fresher).
   */
  public static ResolveResponse resolve(ServiceStatus status, Location from, NodeName self, View view,
      Map<ServiceName, ProviderStatus> local) {
    ServiceName s = ServiceName.of(status.name());
    Map<String, Integer> places = new java.util.HashMap<>();
    status.providers().forEach(p -> places.put(p.node(), p.place() == null ? Integer.MAX_VALUE : p.place()));
    List<ResolveResponse.ResolvedEndpoint> endpoints = new ArrayList<>();
    for (NodeRecord n : view.snapshot().nodes()) {
      NodeName name = n.info().name();
      ProviderStatus p = name.equals(self) ? local.get(s) : n.providers().get(s);
      boolean owner = name.value().equals(status.owner());
      if (p == null || p.endpoint() == null
          || (!owner && !view.nodeStates().getOrDefault(name, "alive").equals("alive"))) {
        continue;
      }
      Location at = n.info().location();
      endpoints.add(new ResolveResponse.ResolvedEndpoint(name.value(), p.endpoint(),
          owner && p.state() == ProviderState.PROVIDING, p.state().wireName(), at.toString(),
          at.commonPrefixLength(from), n.info().api(), null));
    }
    endpoints.sort(Comparator
        .comparing((ResolveResponse.ResolvedEndpoint e) -> !e.node().equals(status.owner()))
        .thenComparing(Comparator.comparingInt(ResolveResponse.ResolvedEndpoint::shared).reversed())
        .thenComparingInt(e -> places.getOrDefault(e.node(), Integer.MAX_VALUE))
        .thenComparing(ResolveResponse.ResolvedEndpoint::node));
    return new ResolveResponse(status.name(), from.toString(), self.value(), status.owner(), status.epoch(), endpoints);
  }

  /**
   * Where clients reach a service that runs as instances ({@code instances} in its config): the
   * endpoint of each instance's owner, nearest to {@code from} first, then by the owner's rank for
   * its instance (ranked first), then by node name. Instances without an owner, or whose owner
   * declares no endpoint, are left out. The answer names no owner and epoch 0: each instance has
   * its own.
   */
  public static ResolveResponse resolveInstances(ServiceName service, List<ServiceName> instances, Location from,
      NodeName self, View view, Map<ServiceName, ProviderStatus> local) {
    List<ResolveResponse.ResolvedEndpoint> endpoints = new ArrayList<>();
    Map<String, Integer> ranks = new java.util.HashMap<>();
    Instant now = Instant.now();
    for (ServiceName instance : instances) {
      ServiceStatus status = service(instance, self, view, local, now);
      if (status.owner() == null) {
        continue;
      }
      resolve(status, from, self, view, local).endpoints().stream()
          .filter(e -> e.node().equals(status.owner())).findFirst().ifPresent(e -> {
            endpoints.add(new ResolveResponse.ResolvedEndpoint(e.node(), e.endpoint(), e.active(), e.state(),
                e.location(), e.shared(), e.api(), instance.value()));
            status.providers().stream().filter(p -> p.node().equals(e.node()) && p.rank() != null).findFirst()
                .ifPresent(p -> ranks.put(e.node(), p.rank()));
          });
    }
    endpoints.sort(Comparator
        .comparingInt((ResolveResponse.ResolvedEndpoint e) -> -e.shared())
        .thenComparingInt(e -> ranks.getOrDefault(e.node(), Integer.MAX_VALUE))
        .thenComparing(ResolveResponse.ResolvedEndpoint::node));
    return new ResolveResponse(service.value(), from.toString(), self.value(), null, 0, endpoints);
  }

  private static ServiceStatus service(ServiceName s, NodeName self, View view, Map<ServiceName, ProviderStatus> local,
      Instant now) {
    ServiceQueue queue = view.queues().get(s);
    NodeName owner = view.validOwners().get(s);
    long epoch = view.snapshot().ownership(s).epoch();
    // A planned move is under way while placement gives the service to its target, not yet the owner.
    NodeName moving = view.snapshot().settings().service(s).moveTarget(epoch);
    boolean underWay = moving != null && moving.equals(view.targets().get(s)) && !moving.equals(owner);
    ServiceSettings settings = view.snapshot().settings().service(s);
    // While paused nothing takes over: the countdown would promise what does not happen.
    Duration takeoverIn = owner == null || settings.paused() ? null : view.silent().get(owner);
    boolean ownerSilent = owner != null && view.silent().containsKey(owner);
    // Nearness is worth naming only when the node the line is measured from has a location.
    boolean located = queue != null && queue.from() != null && view.snapshot().node(queue.from())
        .map(n -> !n.info().location().segments().isEmpty()).orElse(false);
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
      Candidate c = queue == null ? null : queue.of(name);
      Integer place = queue == null || c == null || !c.eligible() ? null : queue.placeOf(name);
      Integer rank = c == null || !c.ranked() ? null : c.rank();
      if (nodeState.equals("lost") || nodeState.equals("left") || (nodeState.equals("drained") && !running)) {
        String why = "node " + nodeState + (settings.paused() && name.equals(view.snapshot().ownership(s).node())
            && !nodeState.equals("drained") ? "; " + s + " is paused: nothing takes over until `baton resume " + s + "`" : "");
        providers.add(new ProviderEntry(name.value(), "unavailable", why, bannedUntil, failed, null, rank));
        continue;
      }
      String reason = p.reason();
      if (name.equals(owner) && takeoverIn != null) {
        reason = "node not renewing its session: its lease passes in " + Durations.format(takeoverIn)
            + (queue != null && queue.nextInLine() != null ? ", then " + queue.nextInLine() + " takes over" : "");
      } else if (name.equals(owner) && ownerSilent) {
        reason = "node not renewing its session; " + s + " is paused: nothing takes over until `baton resume " + s + "`";
      } else if (settings.paused() && p.state() == ProviderState.WAITING && reason == null) {
        reason = "service paused: Baton starts nothing until `baton resume " + s + "`";
      } else if (p.state() == ProviderState.WAITING && reason == null && queue != null && c != null) {
        // A waiting provider's own reason, when its node published one, wins; Baton's agents publish none.
        reason = waiting(queue, c, place, underWay ? moving : null, located);
      }
      providers.add(new ProviderEntry(name.value(), p.state().wireName(), reason, bannedUntil, failed, place, rank));
    }
    providers.sort((a, b) -> a.node().compareTo(b.node()));
    String state = settings.disabled() ? "disabled"
        : owner != null ? "provided"
        : view.targets().containsKey(s) ? "placing"
        : "failed";
    return new ServiceStatus(s.value(), state, owner == null ? null : owner.value(), epoch, providers,
        underWay ? moving.value() : null, queue == null ? List.of() : ranking(queue.ranking()),
        queue == null || queue.nextInLine() == null ? null : queue.nextInLine().value(),
        takeoverIn == null ? null : Durations.format(takeoverIn),
        settings.pausedSince() == null ? null : settings.pausedSince().toString(),
        settings.pausedSince() == null ? null : Durations.format(pausedFor(settings.pausedSince(), now)),
        settings.failback().word(), Durations.format(settings.effectiveFailbackDelay()));
  }

  /** How long a pause since {@code since} has lasted at {@code now}, to the second (never negative). */
  static Duration pausedFor(Instant since, Instant now) {
    Duration d = Duration.between(since, now);
    return d.isNegative() ? Duration.ZERO : Duration.ofSeconds(d.toSeconds());
  }

  /** The effective ranking in the {@code /v1} shape. */
  public static List<RankingEntry> ranking(EffectiveRanking ranking) {
    return ranking.entries().stream()
        .map(e -> new RankingEntry(e.node().value(), e.rank(), ranking.source().wireName())).toList();
  }

  /** The candidate just ahead of {@code c} in line, or null when it is first. */
  private static Candidate ahead(ServiceQueue queue, Candidate c) {
    Candidate before = null;
    for (Candidate x : queue.line()) {
      if (x.node().equals(c.node())) {
        return before;
      }
      if (x.eligible()) {
        before = x;
      }
    }
    return null;
  }

  /**
   * Why a waiting provider waits, from the line placement decided: disabled, a move elsewhere, its
   * place in line and what placed it there (rank, nearness to the node the line is measured from,
   * load: only when rank and nearness tie with the one ahead), or that it is the chosen one
   * about to claim. {@code located}: whether the node the line is measured from has a location.
   */
  static String waiting(ServiceQueue queue, Candidate c, Integer place, NodeName moving, boolean located) {
    if (queue.disabled()) {
      return "service disabled";
    }
    if (!c.eligible()) {
      return switch (c.blocked()) {
        case NODE_DOWN -> "node not alive";
        case DRAINED -> "node drained";
        case UNAVAILABLE -> "provider unavailable";
        case NO_PROVIDER -> "no provider";
        case SIBLING -> "runs another instance of " + queue.service().service();
      };
    }
    if (c.node().equals(queue.target())) {
      return moving != null && moving.equals(c.node()) ? "moving here (baton move): claims it once the owner released it"
          : "chosen by placement: claims it";
    }
    List<String> why = new ArrayList<>();
    if (c.ranked()) {
      why.add("rank " + c.rank() + " (" + queue.ranking().source().wireName() + ")");
    } else if (queue.ranking().source() != EffectiveRanking.Source.NONE) {
      why.add("unranked");
    }
    if (located && queue.from() != null && c.shared() != null && !queue.from().equals(c.node())) {
      why.add(c.shared().segments().isEmpty() ? "no location in common with " + queue.from()
          : "shares " + c.shared() + " with " + queue.from());
    }
    if (why.isEmpty() && queue.target() != null && queue.line().stream().filter(Candidate::eligible).count() == 2) {
      return "next in line: the only other candidate";
    }
    Candidate ahead = ahead(queue, c);
    boolean tiedAhead = ahead != null && ahead.rank() == c.rank()
        && (ahead.shared() == null ? 0 : ahead.shared().segments().size())
            == (c.shared() == null ? 0 : c.shared().segments().size());
    if (tiedAhead) {
      // Rank and nearness tie with the one ahead: the load (then the name) decided.
      why.add(c.load() + " service" + (c.load() == 1 ? "" : "s") + " placed on it");
    }
    if (why.isEmpty() && ahead != null) {
      why.add("after " + ahead.node() + " by name");
    }
    String line = place != null && place == 2 && queue.target() != null ? "next in line"
        : place == null ? "waiting" : "#" + place + " in line";
    return line + ": " + String.join(", ", why);
  }
}
