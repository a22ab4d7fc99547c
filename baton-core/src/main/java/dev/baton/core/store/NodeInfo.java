package dev.baton.core.store;

import dev.baton.core.Location;
import dev.baton.core.NodeName;
import java.util.Objects;

/**
 * What a node tells the group about itself when it opens a session.
 *
 * @param version the Baton version of its agent ({@code baton --version}), or null when unknown (a
 *     development build, or a session an older agent opened)
 */
public record NodeInfo(NodeName name, Location location, String api, String version) {
  public NodeInfo {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(location, "location");
    Objects.requireNonNull(api, "api");
  }

  /** A node whose version is unknown. */
  public NodeInfo(NodeName name, Location location, String api) {
    this(name, location, api, null);
  }
}
