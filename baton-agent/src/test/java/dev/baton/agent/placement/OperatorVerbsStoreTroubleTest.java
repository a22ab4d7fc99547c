package dev.baton.agent.placement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.agent.events.EventLog;
import dev.baton.core.GroupName;
import dev.baton.core.Location;
import dev.baton.core.NodeName;
import dev.baton.core.ServiceName;
import dev.baton.core.store.GroupSettings;
import dev.baton.core.store.NodeInfo;
import dev.baton.core.store.NodeRecord;
import dev.baton.core.store.ProviderStatus;
import dev.baton.core.store.SessionId;
import dev.baton.core.store.SessionState;
import dev.baton.core.store.Snapshot;
import dev.baton.core.store.Store;
import dev.baton.core.store.StoreException;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * When the store cannot be read, a verb fails with a {@link StoreException} (the API's 503) before
 * writing anything; when the write itself fails, the answer says the change may or may not have
 * been made.
 */
class OperatorVerbsStoreTroubleTest {
  private static final NodeName NODE = NodeName.of("node-a");
  private static final ServiceName SVC = ServiceName.of("svc");
  private final List<String> writes = new ArrayList<>();
  private EventLog events;

  @AfterEach
  void closeEvents() {
    events.close();
  }

  /** A store whose snapshot answers as {@code snapshot} says and whose every other call fails. */
  private OperatorVerbs verbs(boolean readable) {
    Snapshot snapshot = new Snapshot(List.of(new NodeRecord(new NodeInfo(NODE, Location.ROOT, "127.0.0.1:1"),
        new SessionId("s1"), 1, SessionState.LIVE, Map.of(SVC, ProviderStatus.WAITING))), Map.of(), GroupSettings.EMPTY);
    Store store = (Store) Proxy.newProxyInstance(Store.class.getClassLoader(), new Class<?>[] {Store.class},
        (proxy, method, args) -> {
          if (method.getName().equals("snapshot") && readable) {
            return snapshot;
          }
          if (method.getName().startsWith("put")) {
            writes.add(method.getName());
          }
          if (method.getName().equals("close")) {
            return null;
          }
          throw new StoreException("store call " + method.getName() + " timed out after 500ms");
        });
    events = new EventLog(store, NODE);
    View view = new View(snapshot, Map.of(NODE, "alive"), Map.of(), Map.of());
    return new OperatorVerbs(GroupName.of("it"), NODE, store, events, () -> view, new ObjectMapper());
  }

  @Test
  void anUnreadableStoreFailsEveryVerbBeforeAnyWrite() {
    OperatorVerbs verbs = verbs(false);
    assertThatThrownBy(() -> verbs.disable("svc", true)).isInstanceOf(StoreException.class);
    assertThatThrownBy(() -> verbs.drain("node-a", true)).isInstanceOf(StoreException.class);
    assertThatThrownBy(() -> verbs.move("svc", "{\"to\": \"node-a\"}")).isInstanceOf(StoreException.class);
    assertThatThrownBy(() -> verbs.rank("svc", "{\"ranking\": [\"node-a\"]}")).isInstanceOf(StoreException.class);
    assertThat(writes).isEmpty();
  }

  @Test
  void aFailedWriteSaysTheChangeMayOrMayNotHaveBeenMade() {
    OperatorVerbs verbs = verbs(true);
    assertThatThrownBy(() -> verbs.disable("svc", true)).isInstanceOf(StoreException.class)
        .hasMessageContaining("timed out").hasMessageContaining("may or may not have been made");
  }
}
