package dev.baton.cli;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.baton.api.StatusResponse;
import dev.baton.core.BatonException;
import dev.baton.core.Durations;
import dev.baton.core.InvalidInputException;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Stack;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code --wait[=TIMEOUT]} and {@code --json} of an operator verb, a picocli mixin: a verb adds
 * {@code @Mixin WaitOptions waiting;} and ends with {@code return waiting.finish(client, answer, text,
 * until)}. Without {@code --wait} the verb prints the agent's answer and returns; with it, it then
 * polls the agent ({@code GET /v1/status}, and whatever else the {@link Until} reads) every
 * {@value #POLL_MILLIS} ms until the change has happened, or the timeout has passed: then it says what
 * was still not true and exits with {@link ExitCodes#TIMED_OUT}. An agent that does not answer a poll
 * (it restarts, the network blips) is asked again until the deadline.
 *
 * <p>With {@code --json}, the output is JSON only: the agent's answer exactly as it sent it; with
 * {@code --wait} one object {@code {"answer": ..., "done": true|false, "goal": "...", "pending": null|"...",
 * "waited": "1.2s", "status": <the last GET /v1/status>}}, printed whether the wait succeeded or
 * timed out.
 */
final class WaitOptions {
  static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);
  static final Duration MIN_TIMEOUT = Duration.ofMillis(100);
  static final Duration MAX_TIMEOUT = Duration.ofHours(24);
  static final long POLL_MILLIS = 250;
  private static final ObjectMapper JSON = new ObjectMapper()
      .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  /** {@code --wait} that ran out of time: exit code {@link ExitCodes#TIMED_OUT}. */
  static final class TimedOut extends BatonException {
    TimedOut(String message) {
      super(message);
    }
  }

  @Option(names = "--wait", arity = "0..1", paramLabel = "TIMEOUT", preprocessor = TimeoutPreprocessor.class,
      description = "return only once the change has happened, or exit 5 after TIMEOUT (default: 60s);"
          + " write it attached (--wait=2m) or right after (--wait 2m)")
  Duration wait;

  @Option(names = "--json", description = "print JSON: the agent's answer; with --wait, the answer and the final"
      + " state ({\"answer\", \"done\", \"goal\", \"pending\", \"waited\", \"status\"})")
  boolean json;

  @Spec(Spec.Target.MIXEE) CommandSpec spec;

  /**
   * Takes the value of {@code --wait}: always when attached ({@code --wait=2m}, so {@code --wait=abc}
   * is refused, not taken for a NODE), and when separate only if it looks like a timeout (begins
   * with a digit), so that {@code baton drain --wait node-a} waits the default time for node-a. A
   * value taken that is not a good timeout is bad input, refused before anything is asked.
   */
  static final class TimeoutPreprocessor implements CommandLine.IParameterPreprocessor {
    private static final Pattern LOOKS_LIKE_TIMEOUT = Pattern.compile("[0-9].*");

    @Override
    public boolean preprocess(Stack<String> args, CommandSpec commandSpec, ArgSpec argSpec,
        java.util.Map<String, Object> info) {
      boolean attached = !" ".equals(info.get("separator")); // picocli: " " when the value was not attached
      if (!args.isEmpty() && (attached || LOOKS_LIKE_TIMEOUT.matcher(args.peek()).matches())) {
        String text = args.pop();
        try {
          argSpec.setValue(timeout(text));
        } catch (InvalidInputException e) {
          throw new CommandLine.ParameterException(commandSpec.commandLine(), e.getMessage());
        }
      } else {
        argSpec.setValue(DEFAULT_TIMEOUT);
      }
      return true; // handled: picocli takes nothing more for this option
    }
  }

  static Duration timeout(String text) {
    Duration d;
    try {
      d = Durations.parse(text);
    } catch (InvalidInputException e) {
      throw new InvalidInputException("invalid --wait " + dev.baton.core.Text.quote(text) + "; expected a timeout"
          + " such as 30s or 2m (a number and a unit: ms, s, m or h)");
    }
    if (d.compareTo(MIN_TIMEOUT) < 0 || d.compareTo(MAX_TIMEOUT) > 0) {
      throw new InvalidInputException("invalid --wait " + text + "; expected a timeout from "
          + Durations.format(MIN_TIMEOUT) + " to " + Durations.format(MAX_TIMEOUT));
    }
    return d;
  }

  /**
   * Prints the answer ({@code text}, or {@code answer} as it is with {@code --json}); with
   * {@code --wait}, waits until {@code until} holds.
   *
   * @param answer the agent's answer, JSON as it sent it
   * @return {@link ExitCodes#OK}
   * @throws TimedOut when the change has not happened within the timeout
   */
  int finish(BatonClient client, String answer, String text, Until until) {
    PrintWriter out = spec.commandLine().getOut();
    if (wait == null) {
      out.println(json ? answer.strip() : text);
      out.flush();
      return ExitCodes.OK;
    }
    if (!json) {
      out.println(text);
      out.println("waiting up to " + Durations.format(wait) + " until " + until.goal());
      out.flush();
    }
    long start = System.nanoTime();
    long deadline = start + wait.toNanos();
    String pending;
    String status = null;
    while (true) {
      try {
        String raw = client.get("/v1/status");
        StatusResponse seen = JSON.readValue(raw, StatusResponse.class);
        status = raw;
        pending = until.check().pending(seen, client);
      } catch (BatonException | IOException e) {
        pending = "the agent did not answer: " + e.getMessage();
      }
      if (pending == null || System.nanoTime() - deadline >= 0) {
        break;
      }
      try {
        Thread.sleep(Math.max(1, Math.min(POLL_MILLIS, (deadline - System.nanoTime()) / 1_000_000)));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        pending = "interrupted";
        break;
      }
    }
    String waited = Durations.format(Duration.ofMillis((System.nanoTime() - start) / 1_000_000));
    if (json) {
      ObjectNode result = JSON.createObjectNode();
      result.set("answer", tree(answer));
      result.put("done", pending == null);
      result.put("goal", until.goal());
      result.put("pending", pending);
      result.put("waited", waited);
      result.set("status", status == null ? JSON.nullNode() : tree(status));
      out.println(result.toString());
    } else if (pending == null) {
      out.println("done after " + waited + ": " + until.goal());
    }
    out.flush();
    if (pending != null) {
      throw new TimedOut("timed out after " + Durations.format(wait) + " waiting until " + until.goal()
          + ": " + pending);
    }
    return ExitCodes.OK;
  }

  private static JsonNode tree(String json) {
    try {
      return JSON.readTree(json);
    } catch (IOException e) {
      return JSON.getNodeFactory().textNode(json);
    }
  }
}
