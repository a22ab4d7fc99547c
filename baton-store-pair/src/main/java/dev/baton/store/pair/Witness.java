package dev.baton.store.pair;

import dev.baton.core.ConflictException;
import dev.baton.core.GroupName;
import dev.baton.core.Location;
import dev.baton.core.NodeName;
import dev.baton.core.ServiceName;
import dev.baton.core.store.ClaimRequest;
import dev.baton.core.store.ClaimResult;
import dev.baton.core.store.NodeInfo;
import dev.baton.core.store.NodeRecord;
import dev.baton.core.store.Observed;
import dev.baton.core.store.Ownership;
import dev.baton.core.store.ProviderStatus;
import dev.baton.core.store.SessionId;
import dev.baton.core.store.SessionLostException;
import dev.baton.core.store.SessionState;
import dev.baton.core.store.Snapshot;
import dev.baton.core.store.Store;
import dev.baton.core.store.StoreException;
import dev.baton.core.store.StoreOptions;
import dev.baton.core.store.Stores;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The third party of a pair: a store of another kind in which each member holds a session, renewed
 * every interval, and the live member owns the service {@value #LIVE_SERVICE}, whose epoch is the
 * pair's term. The backup goes live only by claiming that service, which the witness store grants
 * only over an owner whose session it has seen unrenewed for a full lease (by the observed-time rule,
 * as every Baton claim). A live member whose witness session ends has been replaced.
 */
final class Witness implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Witness.class);
  static final String LIVE_SERVICE = "pair-live";
  private static final ServiceName LIVE = ServiceName.of(LIVE_SERVICE);

  enum Renewal { RENEWED, FAILED, LOST }

  private final Store store;
  private final NodeInfo me;
  private final long leaseNanos;
  private SessionId session;
  private Observed seen;
  private long seenSinceNanos;
  /** The live member's witness session last refused for, so that the refusal is logged once. */
  private SessionId refusedFor;

  Witness(PairUrl url, StoreOptions options, String self) {
    GroupName group = GroupName.of(options.group().value().length() > 57
        ? options.group().value().substring(0, 57) + "-pair" : options.group().value() + "-pair");
    this.store = Stores.open(new StoreOptions(url.witness(), group, url.interval(), url.silence(),
        options.callTimeout(), options.passwordFile()));
    String name = ("pair-" + self.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-") + "-"
        + UUID.randomUUID().toString().substring(0, 6));
    this.me = new NodeInfo(NodeName.of(name.length() > 63 ? name.substring(name.length() - 63) : name),
        Location.ROOT, self);
    this.leaseNanos = url.silence().toNanos();
  }

  /** Renews this member's witness session (opening it first when it has none). */
  synchronized Renewal renew() {
    try {
      if (session == null) {
        session = store.openSession(me, Map.of(LIVE, ProviderStatus.WAITING), null);
        return Renewal.RENEWED;
      }
      store.renew(session);
      return Renewal.RENEWED;
    } catch (SessionLostException e) {
      log.warn("pair witness: the session of {} ended: {}", me.api(), e.getMessage());
      session = null;
      return Renewal.LOST;
    } catch (StoreException | ConflictException e) {
      log.debug("pair witness: renewal failed: {}", e.toString());
      return Renewal.FAILED;
    }
  }

  /** Reads the witness and notes when the live member's session was last seen renewed. */
  synchronized void observe() {
    try {
      Snapshot s = store.snapshot();
      Ownership o = s.ownership(LIVE);
      Optional<NodeRecord> owner = o.session() == null ? Optional.empty()
          : s.nodes().stream().filter(n -> n.session().equals(o.session())).findFirst();
      Observed now = owner.map(n -> new Observed(n.session(), n.renewals())).orElse(null);
      if (now == null || !now.equals(seen)) {
        seen = now;
        seenSinceNanos = System.nanoTime();
      }
    } catch (StoreException e) {
      log.debug("pair witness: reading failed: {}", e.toString());
    }
  }

  /**
   * Claims the live service for this member: granted when nobody owns it, its owner's session has
   * ended, or this member has seen it unrenewed for a full lease. Returns the new term, or empty
   * when the witness does not agree (the live member still renews there, or the witness is out of
   * reach).
   */
  synchronized OptionalLong claimLive() {
    try {
      if (session == null && renew() != Renewal.RENEWED) {
        return OptionalLong.empty();
      }
      Snapshot s = store.snapshot();
      Ownership o = s.ownership(LIVE);
      if (session.equals(o.session())) {
        return OptionalLong.of(o.epoch());
      }
      Observed dead = null;
      if (o.session() != null) {
        Optional<NodeRecord> owner = s.nodes().stream().filter(n -> n.session().equals(o.session())).findFirst();
        if (owner.isPresent() && owner.get().state() != SessionState.CLOSED) {
          Observed current = new Observed(owner.get().session(), owner.get().renewals());
          if (!current.equals(seen)) {
            seen = current;
            seenSinceNanos = System.nanoTime();
          }
          if (System.nanoTime() - seenSinceNanos < leaseNanos) {
            if (!o.session().equals(refusedFor)) {
              refusedFor = o.session();
              log.info("pair witness: the live member's witness session {} was renewed less than a lease ago;"
                  + " not going live while it renews there (logged once per session)", o.session());
            }
            return OptionalLong.empty();
          }
          dead = current;
        }
      }
      ClaimResult r = store.claim(new ClaimRequest(LIVE, o.epoch(), session, dead));
      if (!r.granted()) {
        log.info("pair witness: claim of the live role refused: {}", r.reason());
        return OptionalLong.empty();
      }
      return OptionalLong.of(r.ownership().epoch());
    } catch (StoreException | SessionLostException e) {
      log.warn("pair witness: cannot go live, the witness did not answer: {}", e.toString());
      return OptionalLong.empty();
    }
  }

  @Override
  public synchronized void close() {
    store.close();
  }
}
