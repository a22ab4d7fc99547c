package dev.baton.agent.placement;

import dev.baton.core.GroupName;
import dev.baton.core.NotFoundException;
import dev.baton.core.ServiceName;
import dev.baton.core.store.Snapshot;
import java.util.List;

/**
 * The one 404 for a service name the group does not know, so that every route says the same: for
 * a service that runs as instances, which instances to name instead.
 */
public final class UnknownService {
  private UnknownService() {}

  /** The error for {@code service}, which {@code snap} does not know ({@link Snapshot#knows}). */
  public static NotFoundException of(GroupName group, Snapshot snap, ServiceName service) {
    List<ServiceName> instances = snap.instancesOf(service);
    return new NotFoundException("no service \"" + service + "\" in group " + group + (instances.isEmpty()
        ? "; no node provides it (see `baton status`)"
        : "; it runs as the instances " + instances + ": name one of them"));
  }
}
