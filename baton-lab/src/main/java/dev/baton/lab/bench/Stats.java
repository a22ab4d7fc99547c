package dev.baton.lab.bench;

import java.util.ArrayList;
import java.util.List;
import org.HdrHistogram.Histogram;

/**
 * A distribution of durations in milliseconds: percentiles from an HdrHistogram (three significant
 * digits, recorded in microseconds), and the raw samples in the order they came, for the CSV and
 * the plots.
 */
final class Stats {
  private final Histogram histogram = new Histogram(3);
  private final List<Double> samples = new ArrayList<>();

  void add(double millis) {
    histogram.recordValue(Math.max(0, Math.round(millis * 1000)));
    samples.add(millis);
  }

  int count() {
    return samples.size();
  }

  /** The value at percentile {@code p} (0 to 100) in milliseconds; NaN when there is none. */
  double percentile(double p) {
    return samples.isEmpty() ? Double.NaN : histogram.getValueAtPercentile(p) / 1000.0;
  }

  double max() {
    return samples.isEmpty() ? Double.NaN : histogram.getMaxValue() / 1000.0;
  }

  /** Every sample, in the order they were added. */
  List<Double> samples() {
    return List.copyOf(samples);
  }
}
