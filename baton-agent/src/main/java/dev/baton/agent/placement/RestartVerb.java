package dev.baton.agent.placement;

import dev.baton.agent.events.EventLog;
import dev.baton.agent.supervisor.Supervisor;
import dev.baton.agent.watchdog.ProviderControl;
import dev.baton.api.EventTypes;
import dev.baton.api.RestartResponse;
import dev.baton.core.ConflictException;
import dev.baton.core.GroupName;
import dev.baton.core.NodeName;
import dev.baton.core.ServiceName;
import dev.baton.core.store.NodeRecord;
import dev.baton.core.store.Ownership;
import dev.baton.core.store.Snapshot;
import dev.baton.core.store.Store;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /v1/services/{name}/restart}: the owner stops its process of the service and starts
 * it again in place, with the same epoch; the service never leaves its owner. Any node answers: a
 * node that does not own the service sends the request on to the owner's API, as the owner
 * published it in its session ({@link Outcome.Forward}); the owner never sends it further, so a
 * request that reaches a node that is no longer the owner is refused (409) instead of going round.
 *
 * <p>The owner checks the request against a fresh read of the store and its own processes (404 an
 * unknown service; 409 a disabled service, one that nobody owns now, or one that is starting or
 * stopping on its owner), records {@code operator.restart} and waits (at most the store's call
 * timeout) for its sequence number, then asks its reconciler to restart the provider: the usual
 * {@code service.restarted}, {@code service.stopped} and {@code service.started} events follow, all
 * numbered after the {@code operator.restart}. Nothing is kept in the store: a restart that the
 * owner cannot carry out (it dies, it is fenced) is simply not done, and the next owner starts the
 * service with a new epoch as after any failure.
 */
public final class RestartVerb {
  private static final Logger LOG = LoggerFactory.getLogger(RestartVerb.class);

  /** What a node does with a restart request. */
  public sealed interface Outcome {
    /** This node owns the service and restarts it. */
    record Restarting(RestartResponse response) implements Outcome {}

    /** Another node owns it: send the request on to its API ({@code host:port}). */
    record Forward(String owner, String api) implements Outcome {}
  }

  private final GroupName group;
  private final NodeName self;
  private final Store store;
  private final EventLog events;
  private final Supplier<View> view;
  private final Function<ServiceName, Optional<Supervisor.Running>> running;
  private final ProviderControl control;
  private final Duration recordTimeout;

  /**
   * @param running this node's process of a service, if one runs
   * @param control restarts this node's provider in place
   * @param recordTimeout how long to wait for the store to number the {@code operator.restart} event
   */
  public RestartVerb(GroupName group, NodeName self, Store store, EventLog events, Supplier<View> view,
      Function<ServiceName, Optional<Supervisor.Running>> running, ProviderControl control, Duration recordTimeout) {
    this.group = group;
    this.self = self;
    this.store = store;
    this.events = events;
    this.view = view;
    this.running = running;
    this.control = control;
    this.recordTimeout = recordTimeout;
  }

  /**
   * Restarts {@code serviceText} here, or names the owner to forward to.
   *
   * @param forwardedBy the node that sent this request on, or null when an operator asked this node
   */
  public synchronized Outcome restart(String serviceText, String forwardedBy) {
    ServiceName service = ServiceName.of(serviceText);
    NodeName via = forwardedBy == null ? null : NodeName.of(forwardedBy);
    Snapshot snap = store.snapshot();
    if (!snap.knows(service)) {
      throw UnknownService.of(group, snap, service);
    }
    if (snap.settings().service(service).disabled()) {
      throw new ConflictException("cannot restart " + service + ": it is disabled, no node runs it; `baton enable "
          + service + "` starts it");
    }
    if (snap.settings().service(service).paused()) {
      throw new ConflictException("cannot restart " + service + ": it is paused (since "
          + snap.settings().service(service).pausedSince() + "), Baton restarts nothing; `baton resume " + service
          + "` first");
    }
    Ownership ownership = snap.ownership(service);
    NodeName owner = view.get().validOwners().get(service);
    if (owner == null || !owner.equals(ownership.node())) {
      throw new ConflictException("cannot restart " + service + ": no node owns it now (see `baton status`); it"
          + " starts on its next owner anyway");
    }
    if (!owner.equals(self)) {
      if (via != null) {
        throw new ConflictException("cannot restart " + service + ": " + via + " sent the request to " + self
            + " as its owner, but " + owner + " owns it now; ask again");
      }
      String api = snap.node(owner).map(NodeRecord::info).map(i -> i.api()).orElse("");
      if (api.isEmpty()) {
        throw new ConflictException("cannot restart " + service + ": its owner " + owner
            + " publishes no API address to send the request to; ask " + owner + " itself");
      }
      return new Outcome.Forward(owner.value(), api);
    }
    long epoch = ownership.epoch();
    Supervisor.Running process = running.apply(service).filter(r -> !r.stopping() && r.epoch() == epoch)
        .orElseThrow(() -> new ConflictException("cannot restart " + service + ": it is not running on " + self
            + " at epoch " + epoch + " right now (it is starting or stopping); ask again once `baton status` shows"
            + " it providing"));
    String detail = "restart in place at epoch " + epoch + " (" + process.describe() + ")"
        + (via == null ? "" : ", asked through " + via);
    LOG.info("[node={} service={}] {}: {}", self, service, EventTypes.OPERATOR_RESTART, detail);
    long seq = events.appendAndWait(EventTypes.OPERATOR_RESTART, service, epoch, detail, recordTimeout);
    control.restart(service, "asked by an operator");
    return new Outcome.Restarting(new RestartResponse("restart", service.value(), self.value(), true,
        self + " stops " + service + " (" + process.describe() + ") and starts it again with the same epoch " + epoch,
        epoch, process.pid() < 0 ? null : process.pid(), seq));
  }
}
