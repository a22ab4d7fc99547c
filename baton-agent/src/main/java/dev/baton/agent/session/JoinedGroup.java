package dev.baton.agent.session;

import dev.baton.core.BatonException;
import dev.baton.core.GroupName;
import dev.baton.core.InvalidInputException;
import dev.baton.core.ServiceName;
import dev.baton.core.store.Ownership;
import dev.baton.core.store.Snapshot;
import dev.baton.core.store.Store;
import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a node remembers of the group it joined, in {@code state-dir/joined-group}: the group's
 * identity in its store ({@link Store#identity()}) and the highest epoch it has seen of each
 * service. An agent starts only on a store where the group has that identity and no epoch is below
 * one it has seen. A store file emptied or replaced, a database recreated, or a backup restored
 * would otherwise be taken for the group, and hand out epochs (fencing tokens) again from where
 * it stands: a service's downstream would see a token it has already seen from another owner.
 *
 * <p>A node that remembers nothing (a first start, or a state-dir wiped) joins the group it finds,
 * making the group's identity if it has none. {@link #forget} (what {@code baton agent
 * --accept-new-store} does) makes a node remember nothing, so that it joins a new group on
 * purpose.
 *
 * <p>Thread-safe.
 */
public final class JoinedGroup {
  private static final Logger LOG = LoggerFactory.getLogger(JoinedGroup.class);
  static final String FILE = "joined-group";
  private static final String EPOCH = "epoch.";

  private final Path file;
  private final String identity;
  private final String storeUrl;
  private final Map<ServiceName, Long> epochs;
  private boolean unwritten;

  private JoinedGroup(Path file, String identity, String storeUrl, Map<ServiceName, Long> epochs) {
    this.file = file;
    this.identity = identity;
    this.storeUrl = storeUrl;
    this.epochs = new TreeMap<>(epochs);
  }

  /**
   * Checks that {@code store} holds the group this node joined, and joins it when the node
   * remembers none.
   *
   * @param startAgain the command that makes this node join a new group on purpose, for the error
   * @throws InvalidInputException when the store's group is not the one this node joined, or its
   *     epochs went back; nothing was written then
   */
  public static JoinedGroup join(Path stateDir, Store store, String storeUrl, GroupName group, String startAgain) {
    Path file = stateDir.resolve(FILE);
    Optional<Properties> remembered = read(file);
    Snapshot snapshot = store.snapshot();
    if (remembered.isEmpty()) {
      // Only the group's first node writes: a write lock per joining node queued 100 nodes' joins.
      Optional<String> found = store.identity();
      boolean existed = found.isPresent();
      String identity = existed ? found.get() : store.createIdentity();
      LOG.info("[group={}] {} the group in {} (identity {}); remembered in {}", group,
          existed ? "joined" : "created", storeUrl, identity, file);
      JoinedGroup joined = new JoinedGroup(file, identity, storeUrl, Map.of());
      joined.saw(snapshot);
      joined.write();
      return joined;
    }
    Properties p = remembered.get();
    String identity = p.getProperty("identity", "");
    String where = "this node joined group " + group + " with identity " + identity + " in "
        + p.getProperty("store", "its store") + " (remembered in " + file + ")";
    String risk = "; going on would hand out epochs (fencing tokens) that were handed out before. Point the config"
        + " at the group's store or restore its newest copy; to start a new group there on purpose, run: " + startAgain;
    Map<ServiceName, Long> epochs = new TreeMap<>();
    for (String key : p.stringPropertyNames()) {
      if (key.startsWith(EPOCH)) {
        try {
          epochs.put(ServiceName.of(key.substring(EPOCH.length())), Long.parseLong(p.getProperty(key)));
        } catch (IllegalArgumentException e) { // a number that does not parse
          throw unreadable(file, key + " = " + p.getProperty(key));
        } catch (InvalidInputException e) { // a service name that does not
          throw unreadable(file, key + ": " + e.getMessage());
        }
      }
    }
    Optional<String> found = store.identity();
    if (found.isEmpty()) {
      throw new InvalidInputException("refusing to start: group " + group + " does not exist in " + storeUrl
          + ", but " + where + ": the store was emptied, replaced or recreated" + risk);
    }
    if (!found.get().equals(identity)) {
      throw new InvalidInputException("refusing to start: group " + group + " in " + storeUrl + " has identity "
          + found.get() + ", but " + where + ": the store was replaced or recreated" + risk);
    }
    StringBuilder back = new StringBuilder();
    epochs.forEach((s, seen) -> {
      long now = snapshot.ownership(s).epoch();
      if (now < seen) {
        back.append(back.isEmpty() ? "" : ", ").append(s).append(" is at epoch ").append(now)
            .append(" there but this node has seen epoch ").append(seen);
      }
    });
    if (!back.isEmpty()) {
      throw new InvalidInputException("refusing to start: the epochs of group " + group + " in " + storeUrl
          + " went back (" + back + "): the store was restored from a backup, or failed over to a replica that"
          + " lost commits" + risk);
    }
    JoinedGroup joined = new JoinedGroup(file, identity, storeUrl, epochs);
    if (joined.saw(snapshot)) {
      joined.write();
    }
    return joined;
  }

  /**
   * Makes the node in {@code stateDir} remember no group, so that its next start joins the group it
   * finds in its store (a new one, if that store has none). Returns what it forgot, for the log.
   */
  public static Optional<String> forget(Path stateDir) {
    Path file = stateDir.resolve(FILE);
    Optional<String> forgotten;
    try {
      forgotten = read(file).map(p -> "group identity " + p.getProperty("identity") + " in " + p.getProperty("store"));
    } catch (InvalidInputException e) {
      forgotten = Optional.of("an unreadable " + file);
    }
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      throw new BatonException("cannot forget the group this node joined: cannot delete " + file + ": " + e, e);
    }
    return forgotten;
  }

  /** Notes the epochs of {@code snapshot}, writing them down when one rose. */
  public synchronized void record(Snapshot snapshot) {
    unwritten |= saw(snapshot);
    if (unwritten) {
      try {
        write();
        unwritten = false;
      } catch (BatonException e) {
        LOG.warn("{}; trying again at the next heartbeat", e.getMessage());
      }
    }
  }

  private synchronized boolean saw(Snapshot snapshot) {
    boolean rose = false;
    for (Ownership o : snapshot.ownerships().values()) {
      if (o.epoch() > epochs.getOrDefault(o.service(), 0L)) {
        epochs.put(o.service(), o.epoch());
        rose = true;
      }
    }
    return rose;
  }

  private synchronized void write() {
    Properties p = new Properties();
    p.setProperty("identity", identity);
    p.setProperty("store", storeUrl);
    epochs.forEach((s, e) -> p.setProperty(EPOCH + s.value(), Long.toString(e)));
    StringWriter text = new StringWriter();
    try {
      p.store(text, "The group this node joined and the highest epoch it has seen of each service, written by"
          + " the agent.\nThe agent refuses a store where the group's identity differs or an epoch is lower;"
          + " `baton agent --accept-new-store` forgets this.");
      Path tmp = file.resolveSibling(FILE + ".tmp");
      Files.writeString(tmp, text.toString());
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new BatonException("cannot write " + file + ": " + e, e);
    }
  }

  private static InvalidInputException unreadable(Path file, String what) {
    return new InvalidInputException("cannot read " + file + " (" + what + "); it names the group this node joined:"
        + " fix or delete it");
  }

  private static Optional<Properties> read(Path file) {
    try (Reader in = Files.newBufferedReader(file)) {
      Properties p = new Properties();
      p.load(in);
      return Optional.of(p);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException | IllegalArgumentException e) {
      throw unreadable(file, e.getMessage());
    }
  }
}
