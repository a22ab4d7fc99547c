package dev.baton.store.pair;

import dev.baton.core.GroupName;
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
import dev.baton.core.store.StoreOptions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The hot-backup pair as a {@link Store}: calls go to the pair's live member (applied in place when
 * this process is it), reads of the backup are answered from its copy. The pair judges leases by
 * the live member's clock. A member renewal made on the live member with a witness succeeds only
 * when its peer or its witness confirmed it, so a live member cut off from both fences itself.
 */
public final class PairStore implements Store {
  /** The members running in this process, by listen address, with how many stores use each. */
  private static final Map<String, PairMember> MEMBERS = new HashMap<>();
  private static final Map<String, Integer> USERS = new HashMap<>();

  private final Calls calls;
  private final GroupName group;
  private final StoreOptions options;
  private final String memberKey;

  private PairStore(Calls calls, StoreOptions options, String memberKey) {
    this.calls = calls;
    this.group = options.group();
    this.options = options;
    this.memberKey = memberKey;
  }

  static PairStore open(PairUrl url, StoreOptions options) {
    if (!url.member()) {
      return new PairStore(new PairClient(url, options.group(), options.callTimeout()), options, null);
    }
    String key = PairUrl.show(url.listen());
    synchronized (MEMBERS) {
      PairMember member = MEMBERS.get(key);
      if (member == null) {
        member = new PairMember(url, options);
        try {
          member.start();
        } catch (RuntimeException e) {
          member.close();
          throw e;
        }
        MEMBERS.put(key, member);
      }
      USERS.merge(key, 1, Integer::sum);
      return new PairStore(member, options, key);
    }
  }

  /** This process's member's role, or null for a client. */
  PairMember.Role role() {
    return calls instanceof PairMember m ? m.role() : null;
  }

  /** This process's member's term, or -1 for a client. */
  long term() {
    return calls instanceof PairMember m ? m.term() : -1;
  }

  private Op op(String name) {
    return Op.of(name, group);
  }

  private Op.Result call(Op op) {
    return calls.call(op).rethrow();
  }

  @Override
  public Optional<String> condition() {
    return calls instanceof PairMember m ? Optional.of(m.describe()) : Optional.empty();
  }

  @Override
  public boolean judgesLeases() {
    return true;
  }

  @Override
  public SessionId openSession(NodeInfo node, Map<ServiceName, ProviderStatus> providers, Observed replacing) {
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(providers, "providers");
    SessionId session = call(op("openSession").opening(node, providers, replacing, options.heartbeat().toMillis(),
        options.lease().toMillis())).session();
    calls.opened(session);
    return session;
  }

  @Override
  public long renew(SessionId session) {
    Objects.requireNonNull(session, "session");
    long renewals = call(op("renew").session(session)).number();
    if (calls instanceof PairMember m && m.role() == PairMember.Role.LIVE && !m.confirmRenewal()) {
      throw new StoreException("[group=" + group + "] pair: renewal " + renewals + " was confirmed by neither"
          + " the backup nor the witness; this member may be cut off from both");
    }
    return renewals;
  }

  @Override
  public void closeSession(SessionId session) {
    Objects.requireNonNull(session, "session");
    call(op("closeSession").session(session));
  }

  @Override
  public void publishProviders(SessionId session, Map<ServiceName, ProviderStatus> providers) {
    Objects.requireNonNull(session, "session");
    Objects.requireNonNull(providers, "providers");
    call(op("publishProviders").session(session).providers(providers));
  }

  @Override
  public Snapshot snapshot() {
    return call(op("snapshot")).snapshot();
  }

  @Override
  public ClaimResult claim(ClaimRequest request) {
    return claimAll(List.of(request)).get(0);
  }

  @Override
  public List<ClaimResult> claimAll(List<ClaimRequest> requests) {
    requests.forEach(r -> Objects.requireNonNull(r, "request"));
    if (requests.isEmpty()) {
      return List.of();
    }
    return call(op("claimAll").claims(requests)).claims();
  }

  @Override
  public boolean release(ServiceName service, SessionId session, long epoch) {
    Objects.requireNonNull(service, "service");
    Objects.requireNonNull(session, "session");
    return call(op("release").session(session).target(null, service, epoch)).flag();
  }

  @Override
  public void putServiceSettings(ServiceName service, ServiceSettings settings) {
    Objects.requireNonNull(service, "service");
    Objects.requireNonNull(settings, "settings");
    call(op("putServiceSettings").target(null, service, null).settings(settings, null, null));
  }

  @Override
  public void putNodeSettings(NodeName node, NodeSettings settings) {
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(settings, "settings");
    call(op("putNodeSettings").target(node, null, null).settings(null, settings, null));
  }

  @Override
  public void putDecision(NodeName node, ServiceName service, Decision decision) {
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(service, "service");
    Objects.requireNonNull(decision, "decision");
    call(op("putDecision").target(node, service, null).settings(null, null, decision));
  }

  @Override
  public void clearDecision(NodeName node, ServiceName service) {
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(service, "service");
    call(op("clearDecision").target(node, service, null));
  }

  @Override
  public long appendEvent(EventDraft event) {
    return appendEvents(List.of(event)).get(0);
  }

  @Override
  public List<Long> appendEvents(List<EventDraft> events) {
    events.forEach(e -> Objects.requireNonNull(e, "event"));
    if (events.isEmpty()) {
      return List.of();
    }
    return call(op("appendEvents").events(events)).seqs();
  }

  @Override
  public List<Event> events(long afterSeq, int limit) {
    return call(op("events").target(null, null, afterSeq).limit(limit)).events();
  }

  @Override
  public AutoCloseable watch(Runnable listener) {
    return calls.watch(listener);
  }

  @Override
  public Optional<String> identity() {
    return Optional.ofNullable(call(op("identity")).identity());
  }

  @Override
  public String createIdentity() {
    return call(op("createIdentity")).identity();
  }

  @Override
  public void close() {
    if (memberKey == null) {
      calls.close();
      return;
    }
    synchronized (MEMBERS) {
      int left = USERS.merge(memberKey, -1, Integer::sum);
      if (left <= 0) {
        USERS.remove(memberKey);
        MEMBERS.remove(memberKey).close();
      }
    }
  }

  @Override
  public String toString() {
    return "pair store of group " + group;
  }
}
