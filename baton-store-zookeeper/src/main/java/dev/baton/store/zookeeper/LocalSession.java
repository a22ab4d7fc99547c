package dev.baton.store.zookeeper;

import dev.baton.core.NodeName;
import dev.baton.core.store.SessionId;
import dev.baton.core.store.SessionLostException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What this store knows of its own session beyond the ensemble: the ZooKeeper session it lives
 * in, the version of the node record it last wrote, when its last successful renewal was sent and,
 * once it is over, why. Thread-safe: renewals, the lease watchdog and the connection listener
 * decide under this object's lock, so a renewal that returns normally was never overtaken by the
 * watchdog ending the session.
 */
final class LocalSession {
  final SessionId id;
  final NodeName node;
  final long zkSession;
  final String who;
  private final AtomicInteger recordVersion;
  private long lastRenewalSent;
  private String endedBecause;
  private boolean ephemeralMayRemain;

  LocalSession(SessionId id, NodeName node, long zkSession, String group, int recordVersion, long openedAt) {
    this.id = id;
    this.node = node;
    this.zkSession = zkSession;
    this.who = "[group=" + group + " node=" + node + " session=" + id + "]";
    this.recordVersion = new AtomicInteger(recordVersion);
    this.lastRenewalSent = openedAt;
  }

  int recordVersion() {
    return recordVersion.get();
  }

  void recordVersion(int version) {
    recordVersion.set(version);
  }

  synchronized String endedBecause() {
    return endedBecause;
  }

  /** Throws unless the session is still open here. */
  synchronized void checkOpen() {
    if (endedBecause != null) {
      throw lost();
    }
  }

  /**
   * Records a renewal that the ensemble accepted, sent at {@code sentAt}; throws if the session
   * ended meanwhile (then the renewal does not count, whatever the ensemble said).
   */
  synchronized void renewed(long sentAt) {
    checkOpen();
    lastRenewalSent = Math.max(lastRenewalSent, sentAt);
  }

  /**
   * Ends the session if no renewal sent within the last {@code leaseNanos} succeeded. Returns
   * whether it ended it now; its ephemeral must then be deleted.
   */
  synchronized boolean endIfUnrenewed(long now, long leaseNanos) {
    if (endedBecause == null && now - lastRenewalSent >= leaseNanos) {
      endedBecause = "not renewed for a full lease; this store ended it";
      ephemeralMayRemain = true;
      return true;
    }
    return false;
  }

  /** Ends the session; returns false if it had ended before. */
  synchronized boolean end(String why) {
    if (endedBecause != null) {
      return false;
    }
    endedBecause = why;
    return true;
  }

  synchronized boolean ephemeralMayRemain() {
    return ephemeralMayRemain;
  }

  synchronized void ephemeralGone() {
    ephemeralMayRemain = false;
  }

  synchronized SessionLostException lost() {
    return new SessionLostException(who + " session lost: " + endedBecause);
  }
}
