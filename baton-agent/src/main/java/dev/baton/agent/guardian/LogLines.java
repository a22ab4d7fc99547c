package dev.baton.agent.guardian;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;

/**
 * The guardian's log lines, in the agent's format (baton-cli's LogConfigurator): text
 * {@code 2026-12-05T18:29:18.689Z INFO  message}, ISO-8601 with the zone offset; or, with
 * {@code BATON_LOG_FORMAT=json}, one JSON object a line with the fields of Logback's JsonEncoder
 * that a log shipper reads ({@code timestamp} in epoch milliseconds, {@code level},
 * {@code loggerName}, {@code message}). The guardian stays off Logback to stay small.
 */
final class LogLines {
  /** The environment variable that picks the format: {@code text} (the default) or {@code json}. */
  static final String FORMAT_ENV = "BATON_LOG_FORMAT";
  private static final DateTimeFormatter TEXT_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSXXX")
      .withZone(ZoneId.systemDefault());
  private static final boolean JSON = "json".equals(System.getenv(FORMAT_ENV));

  private LogLines() {}

  static String line(Instant time, String level, String message) {
    return line(time, level, message, JSON);
  }

  static String line(Instant time, String level, String message, boolean json) {
    if (!json) {
      return TEXT_TIME.format(time) + " " + String.format("%-5s", level) + " " + message;
    }
    String quoted = new String(JsonStringEncoder.getInstance().quoteAsString(message));
    return "{\"timestamp\":" + time.toEpochMilli() + ",\"level\":\"" + level
        + "\",\"loggerName\":\"dev.baton.guardian\",\"message\":\"" + quoted + "\",\"formattedMessage\":\"" + quoted + "\"}";
  }
}
