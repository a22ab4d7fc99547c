package dev.baton.agent.config;

import java.time.Duration;

public record Timing(Duration heartbeat, Duration lease, Duration fenceMargin) {
  public Duration terminateAfter() {
    return lease.minus(fenceMargin);
  }

  public Duration killAfter() {
    return lease.minus(fenceMargin.dividedBy(2));
  }

  public Duration storeCallTimeout() {
    return heartbeat.multipliedBy(2).compareTo(fenceMargin.dividedBy(2)) < 0
        ? heartbeat.multipliedBy(2) : fenceMargin.dividedBy(2);
  }
}
