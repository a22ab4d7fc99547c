package dev.baton.core.placement;

import dev.baton.core.NodeName;
import dev.baton.core.ServiceName;
import dev.baton.core.store.ServiceSettings;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * The order of preference among a service's owners that placement applies: the operator's
 * ranking ({@code baton rank}) when one is set, else the default ranks the providers' configs give
 * ({@code services.<name>.rank}), lowest first, ties by node name. Nodes it does not list come
 * after every listed one. Pure; every node computes the same from the same snapshot.
 *
 * @param source where the order comes from: {@link Source#NONE} when neither an operator nor a
 *     config ranks the service ({@code entries} is then empty)
 * @param entries the ranked nodes, most preferred first
 */
public record EffectiveRanking(Source source, List<Entry> entries) {
  /** Where a ranking comes from. */
  public enum Source {
    /** Set by an operator ({@code baton rank SERVICE NODE...}); wins over every default. */
    OPERATOR,
    /** The default ranks of the providers' configs, since no operator set a ranking. */
    CONFIG,
    /** Nobody ranks the service. */
    NONE;

    /** The name in JSON and on the whiteboard: {@code operator}, {@code config} or {@code none}. */
    public String wireName() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /**
   * One ranked node.
   *
   * @param rank what placement compares, lower first: the 1-based position in an operator's
   *     ranking, or the default rank from the node's config (two nodes may share one: they are
   *     then equally preferred and the next rules decide)
   */
  public record Entry(NodeName node, int rank) {
    public Entry {
      Objects.requireNonNull(node, "node");
    }
  }

  public EffectiveRanking {
    Objects.requireNonNull(source, "source");
    entries = List.copyOf(entries);
  }

  /**
   * The effective ranking of {@code service}: {@code settings}' ranking when it is not empty, else
   * the default ranks of the {@code nodes} that provide {@code service} (alive or not: a node that
   * comes back keeps its place).
   */
  public static EffectiveRanking of(ServiceName service, ServiceSettings settings, Collection<NodeView> nodes) {
    Objects.requireNonNull(service, "service");
    if (!settings.ranking().isEmpty()) {
      List<Entry> entries = new ArrayList<>();
      for (int i = 0; i < settings.ranking().size(); i++) {
        entries.add(new Entry(settings.ranking().get(i), i + 1));
      }
      return new EffectiveRanking(Source.OPERATOR, entries);
    }
    List<Entry> defaults = new ArrayList<>();
    for (NodeView n : nodes) {
      Integer rank = n.ranks().get(service);
      if (rank != null && n.providers().containsKey(service)) {
        defaults.add(new Entry(n.name(), rank));
      }
    }
    if (defaults.isEmpty()) {
      return new EffectiveRanking(Source.NONE, List.of());
    }
    defaults.sort(Comparator.comparingInt(Entry::rank).thenComparing(Entry::node));
    return new EffectiveRanking(Source.CONFIG, defaults);
  }

  /** What placement compares for {@code node}: its rank, or {@link Integer#MAX_VALUE} when unranked. */
  public int rankOf(NodeName node) {
    for (Entry e : entries) {
      if (e.node().equals(node)) {
        return e.rank();
      }
    }
    return Integer.MAX_VALUE;
  }

  /** The ranked nodes, most preferred first. */
  public List<NodeName> nodes() {
    return entries.stream().map(Entry::node).toList();
  }
}
