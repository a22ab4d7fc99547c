package dev.baton.agent.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.core.GroupName;
import dev.baton.core.InvalidInputException;
import dev.baton.core.store.Store;
import dev.baton.core.store.StoreOptions;
import dev.baton.core.store.Stores;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The group a node joined, against real SQLite files (the emptied and restored stores: StoreIdentityIT). */
class JoinedGroupTest {
  private static final GroupName GROUP = GroupName.of("billing");
  private static final String AGAIN = "baton agent -c node.yaml --accept-new-store";

  @TempDir Path dir;

  private Store open(String file) {
    return Stores.open(new StoreOptions("sqlite:" + dir.resolve(file), GROUP, Duration.ofMillis(250),
        Duration.ofSeconds(1), Duration.ofSeconds(1), null));
  }

  @Test
  void aNodeJoinsTheGroupItFindsAndThenOnlyThatOne() throws Exception {
    Path state = Files.createDirectory(dir.resolve("state"));
    try (Store store = open("group.db"); Store other = open("other.db")) {
      JoinedGroup.join(state, store, "sqlite:group.db", GROUP, AGAIN);
      String identity = store.identity().orElseThrow();
      assertThat(Files.readString(state.resolve("joined-group"))).contains("identity=" + identity);
      JoinedGroup.join(state, store, "sqlite:group.db", GROUP, AGAIN); // the same group: fine

      other.createIdentity(); // a group of the same name, made elsewhere
      String remembered = Files.readString(state.resolve("joined-group"));
      assertThatThrownBy(() -> JoinedGroup.join(state, other, "sqlite:other.db", GROUP, AGAIN))
          .isInstanceOf(InvalidInputException.class)
          .hasMessageContaining("group billing in sqlite:other.db has identity " + other.identity().orElseThrow())
          .hasMessageContaining("this node joined group billing with identity " + identity)
          .hasMessageContaining("run: " + AGAIN);
      assertThat(Files.readString(state.resolve("joined-group"))).as("nothing written").isEqualTo(remembered);

      assertThat(JoinedGroup.forget(state)).get().asString().contains(identity);
      JoinedGroup.join(state, other, "sqlite:other.db", GROUP, AGAIN);
      assertThat(Files.readString(state.resolve("joined-group")))
          .contains("identity=" + other.identity().orElseThrow());
    }
  }

  /** A node joining a group that has its identity only reads: it joins while another connection holds the write lock. */
  @Test
  void joiningAGroupThatHasItsIdentityWritesNothingToTheStore() throws Exception {
    Path first = Files.createDirectory(dir.resolve("first"));
    Path second = Files.createDirectory(dir.resolve("second"));
    try (Store store = open("group.db")) {
      JoinedGroup.join(first, store, "sqlite:group.db", GROUP, AGAIN);
      String identity = store.identity().orElseThrow();
      try (Connection writer = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("group.db"));
          Statement st = writer.createStatement()) {
        st.execute("BEGIN IMMEDIATE"); // the write lock; readers go on (WAL)
        JoinedGroup.join(second, store, "sqlite:group.db", GROUP, AGAIN);
        st.execute("ROLLBACK");
      }
      assertThat(Files.readString(second.resolve("joined-group"))).contains("identity=" + identity);
    }
  }

  @Test
  void aMangledMemoryIsAClearErrorNotATakeover() throws Exception {
    Path state = Files.createDirectory(dir.resolve("state"));
    Files.writeString(state.resolve("joined-group"), "identity=x\nepoch.web=many\n");
    try (Store store = open("group.db")) {
      assertThatThrownBy(() -> JoinedGroup.join(state, store, "sqlite:group.db", GROUP, AGAIN))
          .isInstanceOf(InvalidInputException.class)
          .hasMessageContaining("cannot read " + state.resolve("joined-group"))
          .hasMessageContaining("fix or delete it");
      assertThat(store.identity()).as("no group made").isEmpty();
    }
  }
}
