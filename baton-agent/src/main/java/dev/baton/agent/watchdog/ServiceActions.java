package dev.baton.agent.watchdog;

import dev.baton.agent.config.ServiceConfig;
import dev.baton.agent.events.EventListener;
import dev.baton.api.EventTypes;
import dev.baton.core.ServiceName;
import dev.baton.core.store.Event;
import java.util.List;
import java.util.Map;

/**
 * Runs a service's {@code on:} commands for the events this node records about it: the event
 * {@code service.failed} of service {@code web} runs {@code services.web.on.failed}. Actions run
 * on the node that recorded the event (where the provider is), never on every node of the group.
 * The command also gets {@code BATON_EVENT_TYPE}, {@code BATON_EVENT_SEQ} and
 * {@code BATON_EVENT_DETAIL}.
 */
public final class ServiceActions implements EventListener {
  private volatile Map<ServiceName, ServiceConfig> services;
  private final ActionRunner runner;

  public ServiceActions(Map<ServiceName, ServiceConfig> services, ActionRunner runner) {
    this.services = services;
    this.runner = runner;
  }

  /** Runs the actions of a reloaded config for the events recorded from now on. */
  public void reconfigure(Map<ServiceName, ServiceConfig> services) {
    this.services = services;
  }

  @Override
  public void onEvent(Event event) {
    if (event.service() == null || !event.type().startsWith(EventTypes.SERVICE_PREFIX)) {
      return;
    }
    ServiceConfig service = services.get(event.service());
    String key = event.type().substring(EventTypes.SERVICE_PREFIX.length());
    List<String> command = service == null ? null : service.on().get(key);
    if (command == null) {
      return;
    }
    runner.run("on " + key, command, event.service(), event.epoch(), Map.of(
        "BATON_EVENT_TYPE", event.type(),
        "BATON_EVENT_SEQ", Long.toString(event.seq()),
        "BATON_EVENT_DETAIL", event.detail() == null ? "" : event.detail()));
  }
}
