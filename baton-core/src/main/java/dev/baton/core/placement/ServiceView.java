package dev.baton.core.placement;

import dev.baton.core.NodeName;
import dev.baton.core.ServiceName;
import dev.baton.core.store.ServiceSettings;
import java.util.Objects;

/**
 * A service as the placement function sees it.
 *
 * @param owner the node whose ownership is valid now (its session alive), or null
 * @param previousOwner the last node that owned it, alive or not, or null; placement prefers
 *     nodes near it
 * @param epoch the service's current epoch (0 if never claimed): a planned move holds only while
 *     the epoch is the one it was asked at
 */
public record ServiceView(ServiceName name, NodeName owner, NodeName previousOwner, ServiceSettings settings,
    long epoch) {
  public ServiceView {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(settings, "settings");
  }

  /** A service at epoch 0 (never claimed). */
  public ServiceView(ServiceName name, NodeName owner, NodeName previousOwner, ServiceSettings settings) {
    this(name, owner, previousOwner, settings, 0);
  }
}
