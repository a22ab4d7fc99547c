package dev.baton.api;

import java.util.List;

/**
 * The answer to {@code POST /v1/reports} (202): the report is recorded as a
 * {@code report.received} event and the matching rules' actions are under way.
 *
 * @param actions what the matching rules do, e.g. {@code disable web}; empty when no rule matches
 *     (an unknown condition is recorded and changes nothing)
 */
public record ReportResponse(String node, String condition, String service, List<String> actions) {}
