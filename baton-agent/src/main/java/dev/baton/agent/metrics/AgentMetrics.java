package dev.baton.agent.metrics;

import dev.baton.agent.placement.Reconciler;
import dev.baton.core.ServiceName;
import dev.baton.core.store.Event;
import dev.baton.core.store.Store;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * One node's metrics, in a registry of its own (two agents in one JVM do not mix their counts).
 * Every meter carries the tags {@code group} and {@code node}. The names are documented in
 * docs/metrics.md; keep the two in step.
 *
 * <p>Thread-safe: every method may be called from any thread, and none blocks.
 */
public final class AgentMetrics implements Reconciler.Observer, AutoCloseable {
  /** What {@code GET /metrics} answers with: Prometheus' text exposition format 0.0.4. */
  public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private static final Duration[] LATENCY_BUCKETS = {Duration.ofMillis(5), Duration.ofMillis(10),
      Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250),
      Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(5)};
  private static final Duration[] FAILOVER_BUCKETS = {Duration.ofMillis(100), Duration.ofMillis(250),
      Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(5),
      Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(60)};
  private static final double[] MARGIN_BUCKETS = {0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 20, 30, 60};

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final JvmGcMetrics gc = new JvmGcMetrics();
  private final Timer renew;
  private final DistributionSummary fenceMargin;
  private final AtomicLong lastMarginMillis = new AtomicLong();

  /**
   * A registry for node {@code node} of {@code group}, with the JVM's own meters bound;
   * {@code servicesOwned} is read at each scrape.
   */
  public AgentMetrics(String group, String node, Supplier<Integer> servicesOwned) {
    registry.config().commonTags("group", group, "node", node);
    new JvmMemoryMetrics().bindTo(registry);
    gc.bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    renew = Timer.builder("baton.session.renew")
        .description("How long a successful renewal of this node's session took at the store")
        .serviceLevelObjectives(LATENCY_BUCKETS).register(registry);
    fenceMargin = DistributionSummary.builder("baton.fence.margin").baseUnit("seconds")
        .description("Time left before the fence's kill deadline when a renewal succeeded")
        .serviceLevelObjectives(MARGIN_BUCKETS).register(registry);
    Gauge.builder("baton.fence.margin.last", lastMarginMillis, m -> m.get() / 1000.0).baseUnit("seconds")
        .description("The fence margin at the last successful renewal (negative: it came past the deadline)")
        .register(registry);
    Gauge.builder("baton.services.owned", servicesOwned, s -> s.get())
        .strongReference(true).description("Services this node owns and provides now").register(registry);
  }

  /** {@code store}, with every call that fails counted and every renewal timed. */
  public Store meter(Store store) {
    return new MeteredStore(store, this);
  }

  /** Counts the events this node records: restarts. An {@code EventListener}. */
  public void onEvent(Event event) {
    if (event.service() == null) {
      return;
    }
    String service = event.service().value();
    switch (event.type()) {
      case "service.restarted" -> Counter.builder("baton.restarts").tag("service", service)
          .description("Restarts in place of a service on this node").register(registry).increment();
      default -> { }
    }
  }

  @Override
  public void checked(ServiceName service, String check, boolean passed) {
    Counter.builder("baton.check.results").tag("service", service.value()).tag("check", check)
        .tag("result", passed ? "passed" : "failed")
        .description("Health check runs on this node, by result").register(registry).increment();
  }

  /**
   * This node claimed {@code service} over an owner that was {@code over} ("lost" or "left"),
   * {@code sinceLeasePassed} after that owner's lease passed (null: not measured).
   */
  @Override
  public void failedOver(ServiceName service, String over, Duration sinceLeasePassed) {
    Counter.builder("baton.failovers").tag("service", service.value()).tag("over", over)
        .description("Claims of a service over a lost or left owner by this node").register(registry).increment();
    if (sinceLeasePassed != null) {
      Timer.builder("baton.failover.duration").tag("service", service.value())
          .description("From the lost owner's lease passing (in this node's view) to this node's claim")
          .serviceLevelObjectives(FAILOVER_BUCKETS).register(registry).record(sinceLeasePassed);
    }
  }

  /** A renewal succeeded with {@code margin} left before the kill deadline (negative: past it). */
  public void renewed(Duration margin) {
    lastMarginMillis.set(margin.toMillis());
    fenceMargin.record(Math.max(0, margin.toNanos() / 1e9));
  }

  void renewTook(long nanos) {
    renew.record(Duration.ofNanos(nanos));
  }

  void storeError(String operation) {
    Counter.builder("baton.store.errors").tag("operation", operation)
        .description("Store calls that failed (unreachable, timed out, refused)").register(registry).increment();
  }

  /** Everything, in Prometheus' text format ({@link #CONTENT_TYPE}). */
  public String scrape() {
    return registry.scrape();
  }

  @Override
  public void close() {
    gc.close();
    registry.close();
  }
}
