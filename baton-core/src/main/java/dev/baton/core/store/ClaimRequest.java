package dev.baton.core.store;

import dev.baton.core.ServiceName;
import java.util.Objects;

/**
 * A compare-and-set on a service's ownership.
 *
 * @param expectedEpoch the epoch the claimant read; the claim fails if it moved
 * @param claimant the claimant's own live session
 * @param deadOwner when the current owner's session is open, the owner's session and renewal
 *     counter that the claimant has seen unchanged for a full lease on its own monotonic clock;
 *     null when the claimant believes the service unowned or its owner closed/replaced
 */
public record ClaimRequest(ServiceName service, long expectedEpoch, SessionId claimant, Observed deadOwner) {
  public ClaimRequest {
    Objects.requireNonNull(service, "service");
    Objects.requireNonNull(claimant, "claimant");
  }
}
