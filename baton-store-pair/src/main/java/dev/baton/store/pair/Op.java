package dev.baton.store.pair;

import dev.baton.core.BatonException;
import dev.baton.core.ConflictException;
import dev.baton.core.GroupName;
import dev.baton.core.InvalidInputException;
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
import dev.baton.core.store.SessionLostException;
import dev.baton.core.store.Snapshot;
import dev.baton.core.store.StoreException;
import java.util.List;
import java.util.Map;

/**
 * One store call, as the live member applies it: the call's name and whichever of the arguments it
 * takes. Calls made on the live member are applied in place; those made on the backup or a client
 * travel to the live member in this form.
 */
record Op(String op, GroupName group, NodeInfo info, Map<ServiceName, ProviderStatus> providers,
    Observed replacing, Long heartbeatMillis, Long leaseMillis, SessionId session, List<ClaimRequest> claims,
    ServiceName service, NodeName node, Long number, Integer limit, ServiceSettings serviceSettings,
    NodeSettings nodeSettings, Decision decision, List<EventDraft> events) {

  static Op of(String op, GroupName group) {
    return new Op(op, group, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null);
  }

  Op session(SessionId s) {
    return new Op(op, group, info, providers, replacing, heartbeatMillis, leaseMillis, s, claims, service, node,
        number, limit, serviceSettings, nodeSettings, decision, events);
  }

  Op opening(NodeInfo i, Map<ServiceName, ProviderStatus> p, Observed r, long heartbeat, long lease) {
    return new Op(op, group, i, p, r, heartbeat, lease, session, claims, service, node, number, limit,
        serviceSettings, nodeSettings, decision, events);
  }

  Op providers(Map<ServiceName, ProviderStatus> p) {
    return new Op(op, group, info, p, replacing, heartbeatMillis, leaseMillis, session, claims, service, node,
        number, limit, serviceSettings, nodeSettings, decision, events);
  }

  Op claims(List<ClaimRequest> c) {
    return new Op(op, group, info, providers, replacing, heartbeatMillis, leaseMillis, session, c, service, node,
        number, limit, serviceSettings, nodeSettings, decision, events);
  }

  Op target(NodeName n, ServiceName s, Long num) {
    return new Op(op, group, info, providers, replacing, heartbeatMillis, leaseMillis, session, claims, s, n, num,
        limit, serviceSettings, nodeSettings, decision, events);
  }

  Op limit(int l) {
    return new Op(op, group, info, providers, replacing, heartbeatMillis, leaseMillis, session, claims, service,
        node, number, l, serviceSettings, nodeSettings, decision, events);
  }

  Op settings(ServiceSettings ss, NodeSettings ns, Decision d) {
    return new Op(op, group, info, providers, replacing, heartbeatMillis, leaseMillis, session, claims, service,
        node, number, limit, ss, ns, d, events);
  }

  Op events(List<EventDraft> e) {
    return new Op(op, group, info, providers, replacing, heartbeatMillis, leaseMillis, session, claims, service,
        node, number, limit, serviceSettings, nodeSettings, decision, e);
  }

  /** Whether the call changes nothing, so the backup may answer it from its copy. */
  boolean reads() {
    return op.equals("snapshot") || op.equals("events") || op.equals("identity");
  }

  /** A call's answer: whichever field the call returns, or the error it threw. */
  record Result(Snapshot snapshot, SessionId session, Long number, Boolean flag, List<ClaimResult> claims,
      List<Long> seqs, List<Event> events, String identity, String error, String message) {

    static Result of(Object value) {
      if (value instanceof Snapshot s) {
        return new Result(s, null, null, null, null, null, null, null, null, null);
      }
      if (value instanceof SessionId s) {
        return new Result(null, s, null, null, null, null, null, null, null, null);
      }
      if (value instanceof Long n) {
        return new Result(null, null, n, null, null, null, null, null, null, null);
      }
      if (value instanceof Boolean b) {
        return new Result(null, null, null, b, null, null, null, null, null, null);
      }
      if (value instanceof String id) {
        return new Result(null, null, null, null, null, null, null, id, null, null);
      }
      return new Result(null, null, null, null, null, null, null, null, null, null);
    }

    static Result claimed(List<ClaimResult> claims) {
      return new Result(null, null, null, null, claims, null, null, null, null, null);
    }

    static Result appended(List<Long> seqs) {
      return new Result(null, null, null, null, null, seqs, null, null, null, null);
    }

    static Result listed(List<Event> events) {
      return new Result(null, null, null, null, null, null, events, null, null, null);
    }

    /** The answer of a call that threw {@code e}; {@link #rethrow} throws its like on the caller's side. */
    static Result failed(RuntimeException e) {
      String kind = e instanceof ConflictException ? "conflict"
          : e instanceof SessionLostException ? "session-lost"
          : e instanceof InvalidInputException ? "invalid"
          : "store";
      return new Result(null, null, null, null, null, null, null, null, kind, e.getMessage());
    }

    static Result notLive(String why) {
      return new Result(null, null, null, null, null, null, null, null, "not-live", why);
    }

    boolean notLive() {
      return "not-live".equals(error);
    }

    Result rethrow() {
      if (error == null) {
        return this;
      }
      BatonException e = switch (error) {
        case "conflict" -> new ConflictException(message);
        case "session-lost" -> new SessionLostException(message);
        case "invalid" -> new InvalidInputException(message);
        default -> new StoreException(message);
      };
      throw e;
    }
  }
}
