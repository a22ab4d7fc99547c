package dev.baton.core.store;

import dev.baton.core.GroupName;
import dev.baton.core.InvalidInputException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * What a store needs to open.
 *
 * @param url the store URL as configured ({@code sqlite:/path}, {@code postgresql://...})
 * @param heartbeat how often the sessions this store opens are renewed; recorded with each of them
 * @param lease the lease of the sessions this store opens, in whole milliseconds: their owner fences
 *     itself by it, a store that judges leases expires them by it, and it is recorded with each of
 *     them ({@link NodeRecord#lease()})
 * @param callTimeout the longest any store call may take before it fails with {@link StoreException}
 * @param passwordFile a file holding the store password, or null
 */
public record StoreOptions(String url, GroupName group, Duration heartbeat, Duration lease,
    Duration callTimeout, Path passwordFile) {
  public StoreOptions {
    Objects.requireNonNull(url, "url");
    Objects.requireNonNull(group, "group");
    Objects.requireNonNull(heartbeat, "heartbeat");
    Objects.requireNonNull(lease, "lease");
    Objects.requireNonNull(callTimeout, "callTimeout");
    if (heartbeat.toMillis() < 1 || lease.toMillis() < 1) {
      throw new InvalidInputException("heartbeat " + heartbeat + " and lease " + lease
          + " must each be at least 1ms: they are recorded with every session in whole milliseconds");
    }
  }
}
