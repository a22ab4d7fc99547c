package dev.baton.store.pair;

import dev.baton.core.GroupName;
import dev.baton.core.Threads;
import dev.baton.core.store.StoreException;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A pair store of a process that is not a member (a tool, or the store TCK): every call goes to
 * whichever member answers as live. Watchers are told of changes by polling the live member's
 * snapshot every interval.
 */
final class PairClient implements Calls {
  private final List<Link> members = new ArrayList<>();
  private final Duration callTimeout;
  private final GroupName group;
  private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
  private final ScheduledExecutorService poller;
  private volatile int live;
  private volatile Object lastSeen;

  PairClient(PairUrl url, GroupName group, Duration callTimeout) {
    this.group = group;
    this.callTimeout = callTimeout;
    Frames frames = new Frames(Frames.readKey(url.keyFile()), PairMember.window(url));
    Link.Sender sender = new Link.Sender(group, "client-" + UUID.randomUUID().toString().substring(0, 8));
    url.members().forEach(a -> members.add(new Link(a, frames, sender)));
    poller = Executors.newSingleThreadScheduledExecutor(Threads.named("pair-client-watch"));
    long every = url.interval().toMillis();
    poller.scheduleWithFixedDelay(this::poll, every, every, TimeUnit.MILLISECONDS);
  }

  @Override
  public Op.Result call(Op op) {
    StringBuilder why = new StringBuilder();
    for (int i = 0; i < members.size(); i++) {
      int index = (live + i) % members.size();
      Link link = members.get(index);
      try {
        Op.Result r = link.call("op", op, Op.Result.class, callTimeout);
        if (!r.notLive()) {
          live = index;
          return r;
        }
        why.append(' ').append(link.address()).append(": ").append(r.message()).append(';');
      } catch (IOException e) {
        why.append(' ').append(link.address()).append(": ").append(e.getMessage()).append(';');
      }
    }
    throw new StoreException("[group=" + group + "] pair: no member answered " + op.op() + " as the live one:" + why);
  }

  private void poll() {
    if (listeners.isEmpty()) {
      return;
    }
    try {
      Object now = call(Op.of("snapshot", group)).snapshot();
      Object before = lastSeen;
      lastSeen = now;
      if (before != null && !before.equals(now)) {
        listeners.forEach(Runnable::run);
      }
    } catch (RuntimeException e) {
      // the next poll tries again
    }
  }

  @Override
  public AutoCloseable watch(Runnable listener) {
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  @Override
  public void close() {
    poller.shutdownNow();
    members.forEach(Link::close);
  }
}
