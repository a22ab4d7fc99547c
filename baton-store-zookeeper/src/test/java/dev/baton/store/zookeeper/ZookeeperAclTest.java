package dev.baton.store.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.baton.core.GroupName;
import dev.baton.core.Location;
import dev.baton.core.NodeName;
import dev.baton.core.ServiceName;
import dev.baton.core.store.ClaimRequest;
import dev.baton.core.store.EventDraft;
import dev.baton.core.store.NodeInfo;
import dev.baton.core.store.ProviderStatus;
import dev.baton.core.store.SessionId;
import dev.baton.core.store.Snapshot;
import dev.baton.core.store.Store;
import dev.baton.core.store.StoreException;
import dev.baton.core.store.StoreOptions;
import dev.baton.core.store.Stores;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.KeeperException.NoAuthException;
import org.apache.zookeeper.ZooDefs.Ids;
import org.apache.zookeeper.ZooDefs.Perms;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Id;
import org.apache.zookeeper.server.auth.DigestAuthenticationProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Digest authentication and ACLs: a group created with credentials is that identity's alone, and
 * a client without them, or with others, can neither read nor change it.
 */
class ZookeeperAclTest {
  private static final Duration LEASE = Duration.ofSeconds(3);
  private static final ServiceName MAILER = ServiceName.of("mailer");
  private static final String CHROOT = "/baton-acl";

  @TempDir
  static Path dir;
  private static TestingServer server;
  private static Path credentials;
  private static Path wrongPassword;
  private static Id identity;

  private final List<Store> stores = new CopyOnWriteArrayList<>();
  private GroupName group;
  private String base;
  private CuratorFramework plain;

  @BeforeAll
  static void startServer() throws Exception {
    credentials = Files.writeString(dir.resolve("zk-auth"), "baton:right-secret\n");
    wrongPassword = Files.writeString(dir.resolve("zk-auth-wrong"), "baton:wrong-secret\n");
    identity = new Id("digest", DigestAuthenticationProvider.generateDigest("baton:right-secret"));
    server = new TestingServer(new InstanceSpec(null, -1, -1, -1, true, -1, Ensemble.TICK_MILLIS, -1,
        Map.of("maxSessionTimeout", "60000")), true);
  }

  @AfterAll
  static void stopServer() throws Exception {
    server.close();
  }

  @BeforeEach
  void createGroupWithCredentials() throws Exception {
    group = GroupName.of(String.format("acl-%012x", ThreadLocalRandom.current().nextLong() >>> 16));
    base = CHROOT + "/groups/" + group;
    Store store = open(credentials);
    SessionId session = store.openSession(new NodeInfo(NodeName.of("a"), Location.parse("eu/paris"), "127.0.0.1:7070"),
        Map.of(MAILER, ProviderStatus.WAITING), null);
    assertThat(store.claim(new ClaimRequest(MAILER, 0, session, null)).granted()).isTrue();
    store.appendEvent(new EventDraft(Instant.now(), "test", null, null, null, "with credentials"));
    store.createIdentity();
    plain = CuratorFrameworkFactory.newClient(server.getConnectString(), new RetryOneTime(100));
    plain.start();
  }

  @AfterEach
  void close() {
    stores.forEach(Store::close);
    plain.close();
  }

  @Test
  void theGroupsZnodesGiveTheIdentityAllRightsAndNobodyElseAny() throws Exception {
    // Reading an ACL takes read or admin rights, so the owner's identity looks.
    try (CuratorFramework owner = CuratorFrameworkFactory.builder().connectString(server.getConnectString())
        .retryPolicy(new RetryOneTime(100)).authorization("digest", "baton:right-secret".getBytes(StandardCharsets.UTF_8))
        .build()) {
      owner.start();
      assertAcls(owner);
    }
  }

  private void assertAcls(CuratorFramework owner) throws Exception {
    List<ACL> all = List.of(new ACL(Perms.ALL, identity));
    for (String path : List.of(base, base + "/nodes", base + "/nodes/a", base + "/sessions/a",
        base + "/services/mailer", base + "/identity", base + "/events")) {
      assertThat(owner.getACL().forPath(path)).as(path).isEqualTo(all);
    }
    String event = owner.getChildren().forPath(base + "/events").get(0);
    assertThat(owner.getACL().forPath(base + "/events/" + event)).isEqualTo(all);
    // Not even the identity may delete a service znode: epochs never go back.
    assertThat(owner.getACL().forPath(base + "/services")).isEqualTo(List.of(new ACL(Perms.ALL & ~Perms.DELETE, identity)));
    // The directories above the group are shared by groups with other credentials.
    assertThat(plain.getACL().forPath(CHROOT + "/groups")).isEqualTo(Ids.OPEN_ACL_UNSAFE);
  }

  @Test
  void aClientWithoutCredentialsCanNeitherReadNorChangeTheGroupsZnodes() throws Exception {
    Snapshot before = stores.get(0).snapshot();
    byte[] forged = "format=1\nepoch=99\nowner=b\n".getBytes(StandardCharsets.UTF_8);

    assertThatThrownBy(() -> plain.getData().forPath(base + "/services/mailer")).isInstanceOf(NoAuthException.class);
    assertThatThrownBy(() -> plain.getData().forPath(base + "/nodes/a")).isInstanceOf(NoAuthException.class);
    assertThatThrownBy(() -> plain.getChildren().forPath(base + "/nodes")).isInstanceOf(NoAuthException.class);
    assertThatThrownBy(() -> plain.setData().forPath(base + "/services/mailer", forged)).isInstanceOf(NoAuthException.class);
    assertThatThrownBy(() -> plain.create().forPath(base + "/nodes/intruder", forged)).isInstanceOf(NoAuthException.class);
    assertThatThrownBy(() -> plain.delete().forPath(base + "/sessions/a")).isInstanceOf(NoAuthException.class);
    assertThatThrownBy(() -> plain.setACL().withACL(Ids.OPEN_ACL_UNSAFE).forPath(base)).isInstanceOf(NoAuthException.class);

    Snapshot after = stores.get(0).snapshot();
    assertThat(after.ownership(MAILER)).isEqualTo(before.ownership(MAILER));
    assertThat(after.nodes()).isEqualTo(before.nodes());
  }

  @Test
  void aStoreWithAWrongPasswordFailsNamingTheAclAndChangesNothing() throws Exception {
    List<String> children = plain.getChildren().forPath(CHROOT + "/groups");

    assertThatThrownBy(() -> open(wrongPassword))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("[group=" + group + "]")
        .hasMessageContaining("not allowed by the znode's ACL")
        .hasMessageContaining("as digest user \"baton\"")
        .hasMessageContaining("store-password-file")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("secret"));
    assertThatThrownBy(() -> open(null))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("not allowed by the znode's ACL")
        .hasMessageContaining("without ZooKeeper credentials");

    assertThat(plain.getChildren().forPath(CHROOT + "/groups")).isEqualTo(children);
    assertThat(stores.get(0).snapshot().ownership(MAILER).epoch()).isEqualTo(1);
  }

  @Test
  void aGroupCreatedWithoutCredentialsStillOpensWithThemAndTheStoreWarnsThatItsZnodesStayOpen() throws Exception {
    group = GroupName.of(String.format("acl-%012x", ThreadLocalRandom.current().nextLong() >>> 16));
    base = CHROOT + "/groups/" + group;
    open(null);
    ListAppender<ILoggingEvent> logged = new ListAppender<>();
    logged.start();
    Logger logger = (Logger) LoggerFactory.getLogger(ZookeeperStore.class);
    logger.addAppender(logged);
    try {
      open(credentials).openSession(new NodeInfo(NodeName.of("b"), Location.parse("eu/paris"), "127.0.0.1:7071"),
          Map.of(MAILER, ProviderStatus.WAITING), null);
    } finally {
      logger.detachAppender(logged);
    }

    assertThat(logged.list).filteredOn(e -> e.getLevel() == Level.WARN).singleElement()
        .extracting(ILoggingEvent::getFormattedMessage).asString()
        .contains("the group's znode " + base + " has the ACL").contains("A group created without credentials");
    assertThat(plain.getACL().forPath(base)).isEqualTo(Ids.OPEN_ACL_UNSAFE);
    assertThatThrownBy(() -> plain.getData().forPath(base + "/nodes/b")).isInstanceOf(NoAuthException.class);
  }

  private Store open(Path passwordFile) {
    Store store = Stores.open(new StoreOptions("zookeeper://" + server.getConnectString() + CHROOT, group,
        LEASE.dividedBy(4), LEASE, LEASE.dividedBy(2), passwordFile));
    stores.add(store);
    return store;
  }
}
