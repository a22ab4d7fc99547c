package dev.baton.agent.config;

import dev.baton.core.InvalidInputException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How the output of each service is kept in {@code state-dir/logs/SERVICE.log}: once the file
 * passes {@code maxBytes} it is rotated to {@code SERVICE.log.1} (older ones shift up to
 * {@code SERVICE.log.KEEP}, the oldest is dropped), so no service fills the disk through Baton.
 *
 * @param maxBytes the size at which the log is rotated (at least 1 KiB)
 * @param keep how many rotated files are kept (0: the log is emptied instead)
 */
public record ServiceLogs(long maxBytes, int keep) {
  /** 10 MiB, 3 kept: at most about 40 MiB per service. */
  public static final ServiceLogs DEFAULT = new ServiceLogs(10L << 20, 3);
  public static final long MIN_BYTES = 1 << 10;
  public static final int MAX_KEEP = 100;
  private static final Pattern SIZE = Pattern.compile("(\\d{1,12})\\s*(B|KB|KIB|MB|MIB|GB|GIB)?");

  public ServiceLogs {
    if (maxBytes < MIN_BYTES) {
      throw new InvalidInputException("service-logs.max-size " + maxBytes + " bytes is less than 1KB");
    }
    if (keep < 0 || keep > MAX_KEEP) {
      throw new InvalidInputException("service-logs.keep " + keep + " is not within 0.." + MAX_KEEP);
    }
  }

  /**
   * A size such as {@code 10MB}, {@code 512KB}, {@code 1GB} or {@code 4096} (bytes); KB, MB and GB
   * are powers of 1024 (KiB, MiB and GiB are accepted as well).
   *
   * @throws InvalidInputException when {@code text} is not such a size
   */
  public static long parseSize(String text) {
    Matcher m = SIZE.matcher(text.trim().toUpperCase(Locale.ROOT));
    if (!m.matches()) {
      throw new InvalidInputException("\"" + text + "\" is not a size; expected a number with an optional unit,"
          + " such as 512KB, 10MB or 1GB");
    }
    long n = Long.parseLong(m.group(1));
    String unit = m.group(2) == null ? "B" : m.group(2);
    int shift = switch (unit.charAt(0)) {
      case 'K' -> 10;
      case 'M' -> 20;
      case 'G' -> 30;
      default -> 0;
    };
    if (n > (Long.MAX_VALUE >> shift)) {
      throw new InvalidInputException("\"" + text + "\" is too large a size");
    }
    return n << shift;
  }
}
