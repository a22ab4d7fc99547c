package dev.baton.lab.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** A distribution of durations in milliseconds, summarised by nearest-rank percentiles. */
final class Stats {
  private final List<Double> values = new ArrayList<>();

  void add(double millis) {
    values.add(millis);
  }

  int count() {
    return values.size();
  }

  double percentile(double p) {
    if (values.isEmpty()) {
      return Double.NaN;
    }
    List<Double> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    int rank = (int) Math.ceil(p / 100.0 * sorted.size());
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
  }

  double max() {
    return percentile(100);
  }
}
