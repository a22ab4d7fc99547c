package dev.baton.api;

/**
 * {@code POST /v1/reports}: a detector reports a condition.
 *
 * @param condition a name such as {@code disk-full} (the rules of the config match it)
 * @param service the service it concerns, or null; when given, a service of the receiving node
 * @param detail free text, or null
 */
public record ReportRequest(String condition, String service, String detail) {}
