package dev.baton.core.placement;

import dev.baton.core.Location;
import dev.baton.core.NodeName;
import java.util.Objects;

/**
 * One provider of a service as placement weighed it: either a candidate with the values its place
 * in line was decided by, or a provider that is no candidate and why.
 *
 * @param rank its rank in the service's {@link EffectiveRanking}, or {@link Integer#MAX_VALUE}
 *     when unranked (ranked nodes come before unranked ones)
 * @param shared the part of its location it shares with the node the line is measured from (the
 *     previous owner, or the node that would hand the service on); null when there is none. Longer
 *     is nearer, nearer comes first among equal ranks
 * @param load how many services placement gives it (ties after rank and nearness go to fewer)
 * @param blocked why it is no candidate, or null when it is one
 */
public record Candidate(NodeName node, int rank, Location shared, int load, Blocked blocked) {
  /** Why a provider is no candidate. */
  public enum Blocked {
    /** Its node's session is not alive (lost or left). */
    NODE_DOWN,
    /** Its node is drained. */
    DRAINED,
    /** Its provider says it is unavailable (banned, a failing standby check, ...): its reason says why. */
    UNAVAILABLE,
    /** The node has no provider of the service. */
    NO_PROVIDER,
    /** The service is an instance, and placement gives the node another instance of its service. */
    SIBLING
  }

  public Candidate {
    Objects.requireNonNull(node, "node");
  }

  public boolean ranked() {
    return rank != Integer.MAX_VALUE;
  }

  public boolean eligible() {
    return blocked == null;
  }
}
