package dev.baton.agent;

import dev.baton.agent.config.ServiceConfig;
import dev.baton.core.ServiceName;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The simplest correct {@link ProviderControl}, until the recovery ladder replaces it.
 * {@code restart} stops the process gracefully and lets the reconciler handle the exit: it
 * releases the service and placement gives it out again (usually to this node, at a new epoch).
 * {@code failover} first keeps this node's provider out of the running for
 * {@link Reconciler#COOLDOWN}, then stops the process, so the released service goes to the next
 * candidate. Both do nothing when the service does not run here.
 */
final class DefaultProviderControl implements ProviderControl {
  private static final Logger LOG = LoggerFactory.getLogger(DefaultProviderControl.class);

  private final String node;
  private final Map<ServiceName, ServiceConfig> services;
  private final Supervisor supervisor;
  private final Reconciler reconciler;

  DefaultProviderControl(String node, Map<ServiceName, ServiceConfig> services, Supervisor supervisor,
      Reconciler reconciler) {
    this.node = node;
    this.services = services;
    this.supervisor = supervisor;
    this.reconciler = reconciler;
  }

  @Override
  public void restart(ServiceName service, String reason) {
    stop(service, "restart", reason);
  }

  @Override
  public void failover(ServiceName service, String reason) {
    if (supervisor.running(service).isPresent()) {
      reconciler.coolDown(service, "failover: " + reason);
    }
    stop(service, "failover", reason);
  }

  private void stop(ServiceName service, String what, String reason) {
    ServiceConfig config = services.get(service);
    var running = supervisor.running(service);
    if (config == null || running.isEmpty()) {
      LOG.info("[node={} service={}] {} asked ({}), but it does not run here", node, service, what, reason);
      return;
    }
    LOG.info("[node={} service={} epoch={}] {}: {}", node, service, running.get().epoch, what, reason);
    supervisor.stop(service, config.stopTimeout());
  }
}
