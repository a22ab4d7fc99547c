package dev.baton.store.zookeeper;

import java.util.List;
import org.apache.curator.framework.api.ACLProvider;
import org.apache.zookeeper.ZooDefs.Ids;
import org.apache.zookeeper.ZooDefs.Perms;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Id;

/**
 * The ACL each znode of a group is created with. Without credentials: {@code world:anyone}. With
 * them: the credentials' digest identity alone, so a client without them can neither read nor
 * change the group. Either way the services directory withholds delete, so service znodes (and
 * with them their epochs) are never deleted.
 *
 * <p>The znodes above the group (the chroot and its {@code groups} directory) stay open, as
 * several groups, each with its own credentials, create their znodes under them; ZooKeeper needs
 * create rights on a parent to create a child. Only the group's name is visible there.
 *
 * <p>An ACL applies to the znodes created with it: a group's znodes created without credentials
 * keep {@code world:anyone} (docs/store-zookeeper.md says how to change them).
 */
final class ZnodeAcls implements ACLProvider {
  private final GroupPaths paths;
  private final boolean restricted;
  private final List<ACL> all;
  private final List<ACL> noDelete;

  /** {@code credentials}: the store's, or null for open znodes. */
  ZnodeAcls(GroupPaths paths, ZookeeperCredentials credentials) {
    this.paths = paths;
    this.restricted = credentials != null;
    Id id = credentials == null ? Ids.ANYONE_ID_UNSAFE : credentials.id();
    this.all = List.of(new ACL(Perms.ALL, id));
    this.noDelete = List.of(new ACL(Perms.ALL & ~Perms.DELETE, id));
  }

  /** Whether the group's znodes are for one identity alone (the store has credentials). */
  boolean restricted() {
    return restricted;
  }

  @Override
  public List<ACL> getDefaultAcl() {
    return Ids.OPEN_ACL_UNSAFE;
  }

  @Override
  public List<ACL> getAclForPath(String path) {
    if (path.equals(paths.services)) {
      return noDelete;
    }
    if (path.equals(paths.group) || path.startsWith(paths.group + "/")) {
      return all;
    }
    return Ids.OPEN_ACL_UNSAFE;
  }
}
