package dev.baton.lab.faults;

/**
 * Where one fault aims: a node, its role ({@code owner} of the chosen service, or {@code other}),
 * the process that provided the chosen service when the group last settled, and a bystander: a
 * node other than the target (an operator's way in while the target cannot answer).
 */
public record FaultTarget(FaultNode node, String role, FencingChecker.Life provider, FaultNode bystander) {
  /** {@code [node=node-a role=owner]}, for the checker log. */
  public String who() {
    return "[node=" + node.name() + " role=" + role + "]";
  }
}
