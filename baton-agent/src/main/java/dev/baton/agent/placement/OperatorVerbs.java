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
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator verbs: move, disable, enable, rank, drain, undrain. Any node answers them for the
 * whole group: each reads the store afresh, checks the request against it completely, and only
 * then writes one settings record and records an {@code operator.*} event. A rejected request
 * (400 bad input, 404 unknown service or node, 409 not possible now, 503 store unreachable)
 * writes nothing. Verbs are serialised on this node; two operators on two nodes editing the same
 * service at once: the last write wins.
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
    ServiceName service = ServiceName.of(serviceText);
    Snapshot snap = store.snapshot();
    requireService(snap, service);
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
    Snapshot snap = store.snapshot();
    requireService(snap, service);
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

  private void requireService(Snapshot snap, ServiceName service) {
    boolean known = snap.ownerships().containsKey(service)
        || snap.nodes().stream().anyMatch(n -> n.providers().containsKey(service));
    if (!known) {
      throw new NotFoundException("no service \"" + service + "\" in group " + group
          + "; no node provides it (see `baton status`)");
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
