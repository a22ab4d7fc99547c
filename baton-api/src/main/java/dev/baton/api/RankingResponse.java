package dev.baton.api;

import java.util.List;

/**
 * {@code GET /v1/services/{name}/ranking}: the order of preference placement applies to a service,
 * and where it comes from.
 *
 * @param source {@code operator} when an operator set a ranking (it wins over every default),
 *     {@code config} when the providers' configs give default ranks and no operator ranking is
 *     set, {@code none} when nothing ranks the service
 * @param ranking the effective ranking, most preferred first; nodes it does not list come after
 *     every listed one
 * @param defaults the default ranks the providers' configs give, lowest first, whether in effect
 *     or overridden by an operator's ranking
 */
public record RankingResponse(String service, String source, List<RankingEntry> ranking, List<RankingEntry> defaults) {}
