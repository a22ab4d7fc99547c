package dev.baton.agent.watchdog;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.agent.config.RuleConfig;
import dev.baton.agent.config.ServiceConfig;
import dev.baton.agent.events.EventLog;
import dev.baton.api.EventTypes;
import dev.baton.api.ReportResponse;
import dev.baton.core.InvalidInputException;
import dev.baton.core.Names;
import dev.baton.core.NodeName;
import dev.baton.core.ServiceName;
import dev.baton.core.Text;
import dev.baton.core.store.NodeSettings;
import dev.baton.core.store.ServiceSettings;
import dev.baton.core.store.Store;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reports from detectors ({@code POST /v1/reports}, {@code baton report}) and the rules that turn
 * them into actions. A report is checked completely before anything happens (a bad one changes
 * nothing); a good one is recorded as {@code report.received}, and each matching rule's action
 * runs on the action thread and is recorded as {@code action.run}. A report no rule matches is
 * only recorded.
 */
public final class Detectors {
  private static final Logger LOG = LoggerFactory.getLogger(Detectors.class);
  private static final Set<String> FIELDS = Set.of("condition", "service", "detail");
  static final int MAX_DETAIL = 2000;

  private final NodeName node;
  private volatile Map<ServiceName, ServiceConfig> services;
  private volatile List<RuleConfig> rules;
  private final Store store;
  private final EventLog events;
  private final ActionRunner runner;
  private final ProviderControl control;
  private final Function<ServiceName, Long> epochs;
  private final ObjectMapper json;

  /** A checked report. */
  record Report(String condition, ServiceName service, String detail) {}

  public Detectors(NodeName node, Map<ServiceName, ServiceConfig> services, List<RuleConfig> rules, Store store,
      EventLog events, ActionRunner runner, ProviderControl control, Function<ServiceName, Long> epochs,
      ObjectMapper json) {
    this.node = node;
    this.services = services;
    this.rules = rules;
    this.store = store;
    this.events = events;
    this.runner = runner;
    this.control = control;
    this.epochs = epochs;
    this.json = json;
  }

  /** Uses the services and rules of a reloaded config for the reports received from now on. */
  public void reconfigure(Map<ServiceName, ServiceConfig> services, List<RuleConfig> rules) {
    this.services = services;
    this.rules = rules;
  }

  /**
   * Checks the JSON body of a report, records it and starts the matching rules' actions.
   *
   * @throws InvalidInputException saying what is wrong, when the body is not a valid report
   */
  public ReportResponse receive(String body) {
    Report report = parse(body);
    events.append(EventTypes.REPORT_RECEIVED, report.service(), null,
        report.condition() + (report.detail() == null ? "" : ": " + report.detail()));
    List<String> actions = new ArrayList<>();
    List<RuleConfig> rules = this.rules;
    for (int i = 0; i < rules.size(); i++) {
      RuleConfig rule = rules.get(i);
      if (rule.matches(report.condition(), report.service())) {
        ServiceName target = rule.service() != null ? rule.service() : report.service();
        actions.add(rule.then().wireName() + (target == null ? "" : " " + target));
        int index = i;
        runner.submit(() -> apply(index, rule, target, report));
      }
    }
    LOG.info("[node={}] report {}{}: {}", node, report.condition(),
        report.service() == null ? "" : " about " + report.service(), actions.isEmpty() ? "no rule matches" : actions);
    return new ReportResponse(node.value(), report.condition(),
        report.service() == null ? null : report.service().value(), actions);
  }

  Report parse(String body) {
    JsonNode root;
    try {
      root = json.readTree(body == null ? "" : body);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new InvalidInputException("the report is not valid JSON; expected {\"condition\": \"disk-full\","
          + " \"service\": \"web\", \"detail\": \"...\"}");
    }
    if (root == null || root.isMissingNode() || !root.isObject()) {
      throw new InvalidInputException("the report must be a JSON object, got "
          + (root == null || root.isMissingNode() ? "nothing" : root.getNodeType().toString().toLowerCase())
          + "; expected {\"condition\": \"disk-full\", \"service\": \"web\", \"detail\": \"...\"}");
    }
    for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
      String field = it.next();
      if (!FIELDS.contains(field)) {
        throw new InvalidInputException("unknown field " + Text.quote(field) + " in the report; expected condition,"
            + " and optionally service and detail");
      }
    }
    String condition = text(root, "condition");
    if (condition == null) {
      throw new InvalidInputException("the report has no condition; expected \"condition\": a name such as"
          + " disk-full (" + Names.description() + ")");
    }
    Names.check("condition", condition);
    String serviceText = text(root, "service");
    ServiceName service = null;
    if (serviceText != null) {
      service = ServiceName.of(serviceText);
      if (!services.containsKey(service)) {
        throw new InvalidInputException("service " + Text.quote(serviceText) + " is not a service of node " + node
            + "; expected one of " + services.keySet() + " or no service");
      }
    }
    String detail = text(root, "detail");
    if (detail != null && detail.length() > MAX_DETAIL) {
      throw new InvalidInputException("the report's detail is " + detail.length() + " characters long; expected at"
          + " most " + MAX_DETAIL);
    }
    if (detail != null && Text.hasControl(detail)) {
      int at = Text.firstControl(detail);
      throw new InvalidInputException("the report's detail holds a control character (" + Text.escapeControls(
          detail.substring(at, at + 1)) + " at character " + (at + 1) + "); expected text on one line, without"
          + " newlines, tabs or escape sequences");
    }
    return new Report(condition, service, detail);
  }

  private static String text(JsonNode root, String field) {
    JsonNode v = root.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isTextual()) {
      throw new InvalidInputException("\"" + field + "\" in the report must be a string, got " + Text.prefix(v.toString(), Text.QUOTE_LENGTH)
          + "; expected {\"condition\": \"disk-full\", \"service\": \"web\", \"detail\": \"...\"}");
    }
    return v.asText();
  }

  /** Carries out one rule's action on the action thread and records it. */
  private void apply(int index, RuleConfig rule, ServiceName target, Report report) {
    String what = "rule " + (index + 1) + " (" + report.condition() + " -> " + rule.then().wireName() + ")";
    String reason = "report " + report.condition() + (report.detail() == null ? "" : ": " + report.detail());
    Long epoch = target == null ? null : epochs.apply(target);
    if (rule.then().needsService() && target == null) {
      events.append(EventTypes.ACTION_RUN, null, null, what + ": nothing done, neither the rule nor the report names"
          + " a service");
      return;
    }
    String done;
    try {
      switch (rule.then()) {
        case RESTART -> {
          control.restart(target, reason);
          done = "restart of " + target + " asked";
        }
        case FAILOVER -> {
          control.failover(target, reason);
          done = "failover of " + target + " asked";
        }
        case DISABLE -> {
          ServiceSettings current = store.snapshot().settings().service(target);
          store.putServiceSettings(target, current.withDisabled(true));
          done = "disabled " + target;
        }
        case DRAIN_NODE -> {
          store.putNodeSettings(node, new NodeSettings(true));
          done = "drained node " + node;
        }
        case RUN -> {
          runner.run(what, rule.run(), target, epoch, Map.of("BATON_CONDITION", report.condition()));
          return; // the runner records the outcome when the command ends
        }
        default -> throw new IllegalStateException("unhandled action " + rule.then());
      }
    } catch (RuntimeException e) {
      LOG.warn("[node={} service={}] {} failed: {}", node, target, what, e.getMessage());
      events.append(EventTypes.ACTION_RUN, target, epoch, what + ": failed: " + e.getMessage());
      return;
    }
    LOG.info("[node={} service={}] {}: {}", node, target, what, done);
    events.append(EventTypes.ACTION_RUN, target, epoch, what + ": " + done);
  }
}
