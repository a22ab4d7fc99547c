package dev.baton.agent.metrics;

import dev.baton.core.NodeName;
import dev.baton.core.ServiceName;
import dev.baton.core.store.ClaimRequest;
import dev.baton.core.store.ClaimResult;
import dev.baton.core.store.Decision;
import dev.baton.core.store.Event;
import dev.baton.core.store.EventDraft;
import dev.baton.core.store.NodeInfo;
import dev.baton.core.store.NodeSettings;
import dev.baton.core.store.Observed;
import dev.baton.core.store.ProviderStatus;
import dev.baton.core.store.ServiceSettings;
import dev.baton.core.store.SessionId;
import dev.baton.core.store.Snapshot;
import dev.baton.core.store.Store;
import dev.baton.core.store.StoreException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * A store that counts its failed calls ({@code baton_store_errors_total}, by operation) and times
 * its successful renewals ({@code baton_session_renew_seconds}); otherwise the store it wraps,
 * call for call (the batch calls too, so a store that decides a batch in one transaction still
 * does). Errors are counted and rethrown unchanged.
 */
final class MeteredStore implements Store {
  private final Store store;
  private final AgentMetrics metrics;

  MeteredStore(Store store, AgentMetrics metrics) {
    this.store = store;
    this.metrics = metrics;
  }

  private <T> T call(String operation, Supplier<T> call) {
    try {
      return call.get();
    } catch (StoreException e) {
      metrics.storeError(operation);
      throw e;
    }
  }

  private void run(String operation, Runnable call) {
    call(operation, () -> {
      call.run();
      return null;
    });
  }

  @Override
  public java.util.Optional<String> condition() {
    return store.condition();
  }

  @Override
  public boolean judgesLeases() {
    return store.judgesLeases();
  }

  @Override
  public SessionId openSession(NodeInfo node, Map<ServiceName, ProviderStatus> providers, Observed replacing) {
    return call("openSession", () -> store.openSession(node, providers, replacing));
  }

  @Override
  public long renew(SessionId session) {
    long start = System.nanoTime();
    long renewals = call("renew", () -> store.renew(session));
    metrics.renewTook(System.nanoTime() - start);
    return renewals;
  }

  @Override
  public void closeSession(SessionId session) {
    run("closeSession", () -> store.closeSession(session));
  }

  @Override
  public void publishProviders(SessionId session, Map<ServiceName, ProviderStatus> providers) {
    run("publishProviders", () -> store.publishProviders(session, providers));
  }

  @Override
  public Snapshot snapshot() {
    return call("snapshot", store::snapshot);
  }

  @Override
  public ClaimResult claim(ClaimRequest request) {
    return call("claim", () -> store.claim(request));
  }

  @Override
  public List<ClaimResult> claimAll(List<ClaimRequest> requests) {
    return call("claim", () -> store.claimAll(requests));
  }

  @Override
  public boolean release(ServiceName service, SessionId session, long epoch) {
    return call("release", () -> store.release(service, session, epoch));
  }

  @Override
  public void putServiceSettings(ServiceName service, ServiceSettings settings) {
    run("putServiceSettings", () -> store.putServiceSettings(service, settings));
  }

  @Override
  public void putNodeSettings(NodeName node, NodeSettings settings) {
    run("putNodeSettings", () -> store.putNodeSettings(node, settings));
  }

  @Override
  public void putDecision(NodeName node, ServiceName service, Decision decision) {
    run("putDecision", () -> store.putDecision(node, service, decision));
  }

  @Override
  public void clearDecision(NodeName node, ServiceName service) {
    run("clearDecision", () -> store.clearDecision(node, service));
  }

  @Override
  public long appendEvent(EventDraft event) {
    return call("appendEvent", () -> store.appendEvent(event));
  }

  @Override
  public List<Long> appendEvents(List<EventDraft> events) {
    return call("appendEvent", () -> store.appendEvents(events));
  }

  @Override
  public List<Event> events(long afterSeq, int limit) {
    return call("events", () -> store.events(afterSeq, limit));
  }

  @Override
  public AutoCloseable watch(Runnable listener) {
    return call("watch", () -> store.watch(listener));
  }

  @Override
  public Optional<String> identity() {
    return call("identity", store::identity);
  }

  @Override
  public String createIdentity() {
    return call("createIdentity", store::createIdentity);
  }

  @Override
  public void close() {
    store.close();
  }
}
