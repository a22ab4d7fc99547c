package dev.baton.agent.placement;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.agent.events.EventLog;
import dev.baton.api.EventTypes;
import dev.baton.api.OperatorResponse;
import dev.baton.api.RankingResponse;
import dev.baton.core.ConflictException;
import dev.baton.core.GroupName;
import dev.baton.core.InvalidInputException;
import dev.baton.core.NodeName;
import dev.baton.core.NotFoundException;
import dev.baton.core.ServiceName;
import dev.baton.core.placement.EffectiveRanking;
import dev.baton.core.placement.NodeView;
import dev.baton.core.store.NodeRecord;
import dev.baton.core.store.NodeSettings;
import dev.baton.core.store.Ownership;
import dev.baton.core.store.ProviderState;
import dev.baton.core.store.ProviderStatus;
import dev.baton.core.store.ServiceSettings;
import dev.baton.core.store.Snapshot;
import dev.baton.core.store.Store;
import dev.baton.core.store.StoreException;
import dev.baton.core.Durations;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator verbs: move, disable, enable, rank, failback, pause, resume, drain, undrain. Any node answers them for the
 * whole group: each reads the store afresh, checks the request against it completely, and only
 * then writes one settings record and records an {@code operator.*} event. A rejected request
 * (400 bad input, 404 unknown service or node, 409 not possible now, 503 store unreachable)
 * writes nothing. Verbs are serialised on this node; two operators on two nodes editing the same
 * service at once: the last write wins. A verb on a service that runs as instances acts on each
 * instance, one write and one event each.
 *
 * <p>A move writes a {@link ServiceSettings.Move} bound to the service's current epoch; the
 * reconcilers do the rest (placement names the target, the owner stops and releases, the target
 * claims with the next epoch). See the README, "Operator verbs", for why this never runs the
 * service twice and never leaves a move half done.
 */
public final class OperatorVerbs {
  private static final Logger LOG = LoggerFactory.getLogger(OperatorVerbs.class);

  private final GroupName group;
  private final NodeName self;
  private final Store store;
  private final EventLog events;
  private final Supplier<View> view;
  private final ObjectMapper json;

  public OperatorVerbs(GroupName group, NodeName self, Store store, EventLog events, Supplier<View> view, ObjectMapper json) {
    this.group = group;
    this.self = self;
    this.store = store;
    this.events = events;
    this.view = view;
    this.json = json;
  }

  /** The answer to a move, and whether a move is now under way (HTTP 202) rather than done or cancelled (200). */
  public record MoveAnswer(OperatorResponse response, boolean underWay) {}

  /** {@code POST /v1/services/{name}/move {"to": "node-b"}}. */
  public synchronized MoveAnswer move(String serviceText, String body) {
    ServiceName service = ServiceName.of(serviceText);
    JsonNode request = object(body, Set.of("to"), "{\"to\": \"node-b\"}");
    JsonNode toField = request.get("to");
    if (toField == null || !toField.isTextual()) {
      throw new InvalidInputException("the move needs \"to\": the name of the node to move " + service
          + " to, as a string; expected {\"to\": \"node-b\"}");
    }
    NodeName to = NodeName.of(toField.asText());
    Snapshot snap = store.snapshot();
    requireService(snap, service);
    NodeRecord target = requireNode(snap, to);
    ServiceSettings settings = snap.settings().service(service);
    Ownership ownership = snap.ownership(service);
    View seen = view.get();
    NodeName owner = seen.validOwners().get(service);
    if (settings.disabled()) {
      throw new ConflictException("cannot move " + service + ": it is disabled; run `baton enable " + service
          + "` first");
    }
    if (snap.settings().node(to).drained()) {
      throw new ConflictException("cannot move " + service + " to " + to + ": the node is drained; run `baton undrain "
          + to + "` first");
    }
    String state = seen.nodeStates().getOrDefault(to, "unknown");
    if (!state.equals("alive") && !state.equals("drained")) {
      throw new ConflictException("cannot move " + service + " to " + to + ": the node is " + state
          + " (its session " + (state.equals("left") ? "is closed" : "is not being renewed") + ")");
    }
    ProviderStatus provider = target.providers().get(service);
    if (provider == null) {
      throw new ConflictException("cannot move " + service + " to " + to + ": that node has no provider of " + service
          + "; nodes that provide it: " + providersOf(snap, service));
    }
    if (provider.state() == ProviderState.UNAVAILABLE) {
      throw new ConflictException("cannot move " + service + " to " + to + ": its provider there is unavailable ("
          + provider.reason() + ")");
    }
    for (ServiceName sibling : service.isInstance() ? snap.instancesOf(service.service()) : List.<ServiceName>of()) {
      if (!sibling.equals(service) && (to.equals(seen.validOwners().get(sibling)) || to.equals(seen.targets().get(sibling)))) {
        throw new ConflictException("cannot move " + service + " to " + to + ": it runs " + sibling + ", and a node runs"
            + " at most one instance of " + service.service());
      }
    }
    if (to.equals(owner) && to.equals(ownership.node())) {
      NodeName pending = settings.moveTarget(ownership.epoch());
      if (pending == null) {
        return new MoveAnswer(new OperatorResponse("move", service.value(), to.value(), false,
            to + " already owns " + service + " (epoch " + ownership.epoch() + "); nothing to do"), false);
      }
      // Moving a service to its owner cancels the move to another node that has not happened yet.
      write(() -> store.putServiceSettings(service, settings.withMove(null)));
      record(EventTypes.OPERATOR_MOVE, service, ownership.epoch(), "move to " + pending + " cancelled: stays on " + to);
      return new MoveAnswer(new OperatorResponse("move", service.value(), to.value(), true, "the move to " + pending
          + " is cancelled; " + service + " stays on " + to + " unless " + to + " has stopped it already"), false);
    }
    ServiceSettings.Move move = new ServiceSettings.Move(to, ownership.epoch());
    write(() -> store.putServiceSettings(service, settings.withMove(move)));
    String detail = (owner == null ? service + " has no running owner; " + to + " claims it"
        : owner + " stops " + service + " and releases it, then " + to + " claims it")
        + " with epoch " + (ownership.epoch() + 1) + "; the move is dropped if another node takes " + service
        + " first (then run move again)";
    record(EventTypes.OPERATOR_MOVE, service, ownership.epoch(), "move to " + to + " asked at epoch "
        + ownership.epoch() + (owner == null ? "" : " (owner " + owner + ")"));
    return new MoveAnswer(new OperatorResponse("move", service.value(), to.value(), true, detail), true);
  }

  /** {@code POST /v1/services/{name}/disable} and {@code .../enable}. */
  public synchronized OperatorResponse disable(String serviceText, boolean disabled) {
    return onServiceOrInstances(ServiceName.of(serviceText), (snap, service) -> disable(snap, service, disabled));
  }

  private OperatorResponse disable(Snapshot snap, ServiceName service, boolean disabled) {
    ServiceSettings settings = snap.settings().service(service);
    String verb = disabled ? "disable" : "enable";
    if (settings.disabled() == disabled) {
      return new OperatorResponse(verb, service.value(), null, false, service + " is already " + verb + "d");
    }
    write(() -> store.putServiceSettings(service, settings.withDisabled(disabled)));
    record(disabled ? EventTypes.OPERATOR_DISABLE : EventTypes.OPERATOR_ENABLE, service,
        snap.ownership(service).epoch(), null);
    return new OperatorResponse(verb, service.value(), null, true, disabled
        ? "its owner stops " + service + " and releases it; no node runs it until `baton enable " + service + "`"
        : service + " is placed again on the best candidate");
  }

  /** {@code PUT /v1/services/{name}/ranking {"ranking": ["node-a", "node-b"]}}. */
  public synchronized OperatorResponse rank(String serviceText, String body) {
    ServiceName service = ServiceName.of(serviceText);
    JsonNode request = object(body, Set.of("ranking"), "{\"ranking\": [\"node-a\", \"node-b\"]}");
    JsonNode field = request.get("ranking");
    if (field == null || !field.isArray()) {
      throw new InvalidInputException("the ranking needs \"ranking\": a list of node names, best first (an empty"
          + " list clears it); expected {\"ranking\": [\"node-a\", \"node-b\"]}");
    }
    List<NodeName> ranking = new ArrayList<>();
    Set<NodeName> seen = new HashSet<>();
    for (JsonNode n : field) {
      if (!n.isTextual()) {
        throw new InvalidInputException("\"ranking\" must list node names as strings, got "
            + dev.baton.core.Text.prefix(n.toString(), dev.baton.core.Text.QUOTE_LENGTH));
      }
      NodeName name = NodeName.of(n.asText());
      if (!seen.add(name)) {
        throw new InvalidInputException("node " + name + " is listed twice in the ranking; list each node once");
      }
      ranking.add(name);
    }
    return onServiceOrInstances(service, (snap, s) -> rank(snap, s, ranking));
  }

  private OperatorResponse rank(Snapshot snap, ServiceName service, List<NodeName> ranking) {
    ranking.forEach(n -> requireNode(snap, n));
    ServiceSettings settings = snap.settings().service(service);
    if (settings.ranking().equals(ranking)) {
      return new OperatorResponse("rank", service.value(), null, false, service + " is already ranked " + ranking);
    }
    write(() -> store.putServiceSettings(service, settings.withRanking(ranking)));
    record(EventTypes.OPERATOR_RANK, service, null, ranking.isEmpty() ? "ranking cleared" : "ranking " + ranking);
    return new OperatorResponse("rank", service.value(), null, true, (ranking.isEmpty() ? "ranking cleared"
        : "ranking " + ranking) + "; it decides the next placement, the current owner keeps " + service
        + " (use `baton move` to move it now)");
  }

  /**
   * {@code GET /v1/services/{name}/ranking}: the effective ranking of a service as the store holds
   * it now (an operator's, else the providers' config defaults), and the defaults themselves.
   */
  public RankingResponse ranking(String serviceText) {
    ServiceName service = ServiceName.of(serviceText);
    Snapshot snap = store.snapshot();
    requireService(snap, service);
    List<NodeView> providers = new ArrayList<>();
    for (NodeRecord n : snap.nodes()) {
      ProviderStatus p = n.providers().get(service);
      if (p != null) {
        providers.add(new NodeView(n.info().name(), n.info().location(), true, false, Map.of(service, p.state()),
            p.rank() == null ? Map.of() : Map.of(service, p.rank())));
      }
    }
    EffectiveRanking effective = EffectiveRanking.of(service, snap.settings().service(service), providers);
    EffectiveRanking defaults = EffectiveRanking.of(service, ServiceSettings.DEFAULT, providers);
    return new RankingResponse(service.value(), effective.source().wireName(), Whiteboard.ranking(effective),
        Whiteboard.ranking(defaults));
  }

  /**
   * {@code POST /v1/services/{name}/pause} and {@code .../resume}. A paused service is left alone:
   * no claim, start, stop, restart, release, failover or failback, whatever happens to its
   * processes or nodes; health checks still run and report. Pausing a paused service (or resuming
   * one that is not) is a conflict: the operator's picture of the group is wrong.
   */
  public synchronized OperatorResponse pause(String serviceText, boolean pause) {
    return onServiceOrInstances(ServiceName.of(serviceText), (snap, service) -> pause(snap, service, pause));
  }

  private OperatorResponse pause(Snapshot snap, ServiceName service, boolean pause) {
    ServiceSettings settings = snap.settings().service(service);
    Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    if (pause && settings.paused()) {
      throw new ConflictException("cannot pause " + service + ": it is already paused (since " + settings.pausedSince()
          + ", for " + Durations.format(Whiteboard.pausedFor(settings.pausedSince(), now)) + "); run `baton resume "
          + service + "` to resume it");
    }
    if (!pause && !settings.paused()) {
      throw new ConflictException("cannot resume " + service + ": it is not paused");
    }
    write(() -> store.putServiceSettings(service, settings.withPausedSince(pause ? now : null)));
    long epoch = snap.ownership(service).epoch();
    record(pause ? EventTypes.OPERATOR_PAUSE : EventTypes.OPERATOR_RESUME, service, epoch,
        pause ? null : "paused for " + Durations.format(Whiteboard.pausedFor(settings.pausedSince(), now)));
    return new OperatorResponse(pause ? "pause" : "resume", service.value(), null, true, pause
        ? "Baton takes no decision about " + service + " until `baton resume " + service + "`: what runs keeps running,"
            + " nothing is started, stopped, restarted or failed over; health checks still report"
        : service + " is managed again: placement, recovery and failover act on it from the next pass");
  }

  /**
   * {@code POST /v1/pause} and {@code /v1/resume}: every service the group knows, paused or resumed
   * one by one (a service added to the group later is not paused). A conflict when there is none to
   * change.
   */
  public synchronized OperatorResponse pauseAll(boolean pause) {
    Snapshot snap = store.snapshot();
    Set<ServiceName> known = new java.util.TreeSet<>(snap.ownerships().keySet());
    snap.nodes().forEach(n -> known.addAll(n.providers().keySet()));
    List<ServiceName> toChange = known.stream().filter(s -> snap.settings().service(s).paused() != pause).toList();
    if (toChange.isEmpty()) {
      throw new ConflictException(known.isEmpty() ? "cannot " + (pause ? "pause" : "resume") + ": group " + group
          + " has no services" : pause ? "cannot pause: every service of group " + group + " is already paused"
          : "cannot resume: no service of group " + group + " is paused");
    }
    Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    for (ServiceName s : toChange) {
      ServiceSettings settings = snap.settings().service(s);
      write(() -> store.putServiceSettings(s, settings.withPausedSince(pause ? now : null)));
    }
    record(pause ? EventTypes.OPERATOR_PAUSE : EventTypes.OPERATOR_RESUME, null, null,
        (pause ? "paused " : "resumed ") + toChange.stream().map(ServiceName::value).toList());
    return new OperatorResponse(pause ? "pause" : "resume", null, null, true, (pause ? "paused " : "resumed ")
        + toChange.size() + " service" + (toChange.size() == 1 ? "" : "s") + ": "
        + String.join(", ", toChange.stream().map(ServiceName::value).toList())
        + (pause ? "; services added to the group later are not paused" : ""));
  }

  /** {@code PUT /v1/services/{name}/failback {"policy": "rank", "delay": "30s"}}. */
  public synchronized OperatorResponse failback(String serviceText, String body) {
    ServiceName service = ServiceName.of(serviceText);
    String example = "{\"policy\": \"rank\", \"delay\": \"30s\"}";
    JsonNode request = object(body, Set.of("policy", "delay"), example);
    JsonNode policyField = request.get("policy");
    ServiceSettings.Failback policy = policyField == null || !policyField.isTextual() ? null
        : ServiceSettings.Failback.parse(policyField.asText());
    if (policy == null) {
      throw new InvalidInputException("the failback needs \"policy\": \"sticky\" (the owner keeps the service) or"
          + " \"rank\" (a better-ranked candidate takes it back)" + (policyField == null ? ""
              : ", got " + dev.baton.core.Text.prefix(policyField.toString(), dev.baton.core.Text.QUOTE_LENGTH))
          + "; expected " + example);
    }
    JsonNode delayField = request.get("delay");
    Duration delay = null;
    if (delayField != null && !delayField.isNull()) {
      if (!delayField.isTextual()) {
        throw new InvalidInputException("\"delay\" is a duration as a string, such as \"30s\" or \"2m\"; expected "
            + example);
      }
      try {
        delay = Durations.parse(delayField.asText());
      } catch (InvalidInputException e) {
        throw new InvalidInputException("\"delay\": " + e.getMessage());
      }
      if (delay.isZero() || delay.isNegative()) {
        throw new InvalidInputException("\"delay\" must be above zero (it keeps a flapping node from taking the"
            + " service back), got " + delayField.asText());
      }
    }
    Duration asked = delay;
    return onServiceOrInstances(service, (snap, s) -> failback(snap, s, policy, asked));
  }

  private OperatorResponse failback(Snapshot snap, ServiceName service, ServiceSettings.Failback policy,
      Duration delay) {
    ServiceSettings settings = snap.settings().service(service);
    Duration newDelay = delay != null ? delay : settings.failbackDelay();
    String said = policy.word() + (policy == ServiceSettings.Failback.RANK ? " after "
        + Durations.format(newDelay != null ? newDelay : ServiceSettings.DEFAULT_FAILBACK_DELAY) : "");
    if (settings.failback() == policy && java.util.Objects.equals(settings.failbackDelay(), newDelay)) {
      return new OperatorResponse("failback", service.value(), null, false, service + " already fails back " + said);
    }
    write(() -> store.putServiceSettings(service, settings.withFailback(policy, newDelay)));
    record(EventTypes.OPERATOR_FAILBACK, service, null, "failback " + said);
    return new OperatorResponse("failback", service.value(), null, true, policy == ServiceSettings.Failback.STICKY
        ? "failback sticky: the owner keeps " + service + " until it cannot run it"
        : "failback rank: a node ranked better than the owner takes " + service + " back by a graceful handover once it"
            + " has been a candidate for " + Durations.format(newDelay != null ? newDelay
                : ServiceSettings.DEFAULT_FAILBACK_DELAY) + " without a break (and the owner has held it that long)");
  }

  /** {@code POST /v1/nodes/{name}/drain} and {@code .../undrain}. */
  public synchronized OperatorResponse drain(String nodeText, boolean drained) {
    NodeName node = NodeName.of(nodeText);
    Snapshot snap = store.snapshot();
    requireNode(snap, node);
    String verb = drained ? "drain" : "undrain";
    if (snap.settings().node(node).drained() == drained) {
      return new OperatorResponse(verb, null, node.value(), false, node + " is already " + verb + "ed");
    }
    write(() -> store.putNodeSettings(node, new NodeSettings(drained)));
    record(drained ? EventTypes.OPERATOR_DRAIN : EventTypes.OPERATOR_UNDRAIN, null, null, "node " + node);
    return new OperatorResponse(verb, null, node.value(), true, drained
        ? node + " stops its services and releases them; the next candidates claim them"
        : node + " is a candidate again; services stay where they run until they move");
  }

  /**
   * Applies {@code verb} to {@code service}; or, when the group knows the service only by its
   * instances ({@code instances} in its providers' configs), to each instance in name order, with
   * one answer for all: changed when any instance changed, a conflict only when every instance's
   * answer was one. Every instance gets the same request, so bad input is refused at the first,
   * before anything is written.
   */
  private OperatorResponse onServiceOrInstances(ServiceName service, BiFunction<Snapshot, ServiceName, OperatorResponse> verb) {
    Snapshot snap = store.snapshot();
    List<ServiceName> instances = snap.knows(service) ? List.of() : snap.instancesOf(service);
    if (instances.isEmpty()) {
      requireService(snap, service);
      return verb.apply(snap, service);
    }
    List<OperatorResponse> answers = new ArrayList<>();
    List<String> details = new ArrayList<>();
    for (ServiceName instance : instances) {
      try {
        OperatorResponse answer = verb.apply(snap, instance);
        answers.add(answer);
        details.add(instance + ": " + answer.detail());
      } catch (ConflictException e) {
        details.add(e.getMessage());
      }
    }
    if (answers.isEmpty()) {
      throw new ConflictException(String.join("; ", details));
    }
    return new OperatorResponse(answers.get(0).verb(), service.value(), null,
        answers.stream().anyMatch(OperatorResponse::changed), String.join("; ", details));
  }

  private void requireService(Snapshot snap, ServiceName service) {
    if (!snap.knows(service)) {
      throw UnknownService.of(group, snap, service);
    }
  }

  private NodeRecord requireNode(Snapshot snap, NodeName node) {
    return snap.node(node).orElseThrow(() -> new NotFoundException("no node \"" + node + "\" in group "
        + group + "; nodes: " + snap.nodes().stream().map(n -> n.info().name().value()).sorted().toList()));
  }

  private static List<String> providersOf(Snapshot snap, ServiceName service) {
    return snap.nodes().stream().filter(n -> n.providers().containsKey(service))
        .map(n -> n.info().name().value()).sorted().toList();
  }

  private JsonNode object(String body, Set<String> fields, String example) {
    JsonNode root;
    try {
      root = json.readTree(body == null ? "" : body);
    } catch (JsonProcessingException e) {
      throw new InvalidInputException("the request body is not valid JSON (" + e.getOriginalMessage()
          + "); expected " + example);
    }
    if (root == null || root.isMissingNode() || !root.isObject()) {
      throw new InvalidInputException("the request body must be a JSON object; expected " + example);
    }
    for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
      String field = it.next();
      if (!fields.contains(field)) {
        throw new InvalidInputException("unknown field " + dev.baton.core.Text.quote(field) + "; expected " + example);
      }
    }
    return root;
  }

  private static void write(Runnable write) {
    try {
      write.run();
    } catch (StoreException e) {
      throw new StoreException(e.getMessage() + "; the store did not confirm the change, so it may or may not have"
          + " been made: check `baton status`", e);
    }
  }

  private void record(String type, ServiceName service, Long epoch, String detail) {
    LOG.info("[node={}{}] {}{}", self, service == null ? "" : " service=" + service, type,
        detail == null ? "" : ": " + detail);
    events.append(type, service, epoch, detail);
  }
}
