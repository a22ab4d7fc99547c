package dev.baton.core;

import java.util.List;

/**
 * Where a node stands, as a path from the widest area to the narrowest ({@code eu/paris/rack-1}).
 * Two nodes are nearer the longer the prefix their paths share. The empty location is the root.
 */
public record Location(List<String> segments) {
  public static final Location ROOT = new Location(List.of());

  public Location {
    segments = List.copyOf(segments);
    for (String segment : segments) {
      if (!Names.isValid(segment)) {
        throw new InvalidInputException("invalid location " + Text.quote(String.join("/", segments))
            + ": segment " + Text.quote(segment) + " must be " + Names.description());
      }
    }
  }

  /** Parses {@code a/b/c}; the empty string is the root. */
  public static Location parse(String path) {
    if (path == null || path.isEmpty()) {
      return ROOT;
    }
    return new Location(List.of(path.split("/", -1)));
  }

  /** Number of leading segments this location shares with {@code other}. */
  public int commonPrefixLength(Location other) {
    int n = Math.min(segments.size(), other.segments.size());
    int i = 0;
    while (i < n && segments.get(i).equals(other.segments.get(i))) {
      i++;
    }
    return i;
  }

  @Override
  public String toString() {
    return String.join("/", segments);
  }
}
