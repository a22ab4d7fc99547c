package dev.baton.api;

import java.util.List;

/** {@code GET /v1/status}: the whole whiteboard as the answering node sees it. */
public record StatusResponse(String group, String node, List<NodeStatus> nodes, List<ServiceStatus> services) {}
