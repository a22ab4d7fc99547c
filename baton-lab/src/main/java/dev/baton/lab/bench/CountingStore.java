package dev.baton.lab.bench;

import dev.baton.core.NodeName;
import dev.baton.core.ServiceName;
import dev.baton.core.store.ClaimRequest;
import dev.baton.core.store.ClaimResult;
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
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * A store that counts the calls made on it, by kind, and passes each one on unchanged: what the
 * agents ask of the store through its SPI ({@link Store}), whatever the store then does inside
 * (statements, a watch's polling). Watch notifications delivered to the agents are counted as
 * {@code watch-notification}. A benchmark's meter, not part of any agent.
 */
final class CountingStore implements Store {
  /** The counts of every store that shares them. Thread-safe. */
  static final class Calls {
    private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();

    void count(String kind) {
      counts.computeIfAbsent(kind, k -> new LongAdder()).increment();
    }

    /** The counts so far, by kind. */
    Map<String, Long> snapshot() {
      Map<String, Long> copy = new TreeMap<>();
      counts.forEach((k, v) -> copy.put(k, v.sum()));
      return copy;
    }
  }

  private final Store store;
  private final Calls calls;

  CountingStore(Store store, Calls calls) {
    this.store = store;
    this.calls = calls;
  }

  @Override
  public boolean judgesLeases() {
    return store.judgesLeases();
  }

  @Override
  public SessionId openSession(NodeInfo node, Map<ServiceName, ProviderStatus> providers, Observed replacing) {
    calls.count("openSession");
    return store.openSession(node, providers, replacing);
  }

  @Override
  public long renew(SessionId session) {
    calls.count("renew");
    return store.renew(session);
  }

  @Override
  public void closeSession(SessionId session) {
    calls.count("closeSession");
    store.closeSession(session);
  }

  @Override
  public void publishProviders(SessionId session, Map<ServiceName, ProviderStatus> providers) {
    calls.count("publishProviders");
    store.publishProviders(session, providers);
  }

  @Override
  public Snapshot snapshot() {
    calls.count("snapshot");
    return store.snapshot();
  }

  @Override
  public ClaimResult claim(ClaimRequest request) {
    calls.count("claim");
    return store.claim(request);
  }

  @Override
  public List<ClaimResult> claimAll(List<ClaimRequest> requests) {
    calls.count("claimAll");
    return store.claimAll(requests);
  }

  @Override
  public boolean release(ServiceName service, SessionId session, long epoch) {
    calls.count("release");
    return store.release(service, session, epoch);
  }

  @Override
  public void putServiceSettings(ServiceName service, ServiceSettings settings) {
    calls.count("putServiceSettings");
    store.putServiceSettings(service, settings);
  }

  @Override
  public void putNodeSettings(NodeName node, NodeSettings settings) {
    calls.count("putNodeSettings");
    store.putNodeSettings(node, settings);
  }

  @Override
  public long appendEvent(EventDraft event) {
    calls.count("appendEvent");
    return store.appendEvent(event);
  }

  @Override
  public List<Long> appendEvents(List<EventDraft> events) {
    calls.count("appendEvents");
    return store.appendEvents(events);
  }

  @Override
  public List<Event> events(long afterSeq, int limit) {
    calls.count("events");
    return store.events(afterSeq, limit);
  }

  @Override
  public AutoCloseable watch(Runnable listener) {
    calls.count("watch");
    return store.watch(() -> {
      calls.count("watch-notification");
      listener.run();
    });
  }

  @Override
  public Optional<String> identity() {
    calls.count("identity");
    return store.identity();
  }

  @Override
  public String createIdentity() {
    calls.count("createIdentity");
    return store.createIdentity();
  }

  @Override
  public void close() {
    store.close();
  }
}
