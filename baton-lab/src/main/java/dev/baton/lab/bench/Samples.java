package dev.baton.lab.bench;

import java.awt.BasicStroke;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * A benchmark's raw samples, beside its table: as CSV ({@code --samples FILE}: one line a sample,
 * {@code series,trial,millis}), and as a plot of each series' distribution ({@code --plot FILE}: a
 * PNG of the share of trials done by each time, so that the tail shows as it is).
 */
final class Samples {
  private Samples() {}

  /** Writes {@code series}' samples as CSV: a header, then {@code name,trial,millis} lines. */
  static void csv(Path file, Map<String, Stats> series) {
    List<String> lines = new ArrayList<>();
    lines.add("series,trial,millis");
    series.forEach((name, stats) -> {
      List<Double> samples = stats.samples();
      for (int i = 0; i < samples.size(); i++) {
        lines.add(quote(name) + "," + (i + 1) + "," + String.format(java.util.Locale.ROOT, "%.3f", samples.get(i)));
      }
    });
    try {
      Files.write(file, lines);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the samples to " + file, e);
    }
  }

  /** Draws each series as its cumulative distribution (time on x, share of trials on y) into a PNG. */
  static void plot(Path file, String title, Map<String, Stats> series) {
    XYSeriesCollection data = new XYSeriesCollection();
    series.forEach((name, stats) -> {
      List<Double> sorted = new ArrayList<>(stats.samples());
      Collections.sort(sorted);
      XYSeries s = new XYSeries(name + " (n " + sorted.size() + ")");
      for (int i = 0; i < sorted.size(); i++) {
        s.add(sorted.get(i).doubleValue(), 100.0 * (i + 1) / sorted.size());
      }
      data.addSeries(s);
    });
    JFreeChart chart = ChartFactory.createXYStepChart(title, "milliseconds", "% of trials done", data,
        PlotOrientation.VERTICAL, true, false, false);
    XYPlot plot = chart.getXYPlot();
    for (int i = 0; i < data.getSeriesCount(); i++) {
      plot.getRenderer().setSeriesStroke(i, new BasicStroke(2f));
    }
    try {
      ChartUtils.saveChartAsPNG(file.toFile(), chart, 1000, 600);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the plot to " + file, e);
    }
  }

  private static String quote(String field) {
    return field.contains(",") || field.contains("\"") ? "\"" + field.replace("\"", "\"\"") + "\"" : field;
  }
}
