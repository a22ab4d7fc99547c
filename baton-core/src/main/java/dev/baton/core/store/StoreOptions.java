package dev.baton.core.store;

import dev.baton.core.GroupName;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * What a store needs to open.
 *
 * @param url the store URL as configured ({@code sqlite:/path}, {@code postgresql://...})
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
  }
}
