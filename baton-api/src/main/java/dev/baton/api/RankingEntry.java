package dev.baton.api;

/**
 * One node of a service's ranking.
 *
 * @param rank lower is preferred: the 1-based position in an operator's ranking, or the default
 *     rank the node's config gives its provider (two nodes may share one)
 * @param source {@code operator} (set by {@code baton rank}) or {@code config} (the node's
 *     {@code services.<name>.rank})
 */
public record RankingEntry(String node, int rank, String source) {}
