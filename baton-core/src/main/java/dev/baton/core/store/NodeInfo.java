package dev.baton.core.store;

import dev.baton.core.Location;
import dev.baton.core.NodeName;
import java.util.Objects;

/** What a node tells the group about itself when it opens a session. */
public record NodeInfo(NodeName name, Location location, String api) {
  public NodeInfo {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(location, "location");
    Objects.requireNonNull(api, "api");
  }
}
