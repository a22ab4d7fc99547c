package dev.baton.agent.config;

import dev.baton.core.GroupName;
import dev.baton.core.Location;
import dev.baton.core.NodeName;
import dev.baton.core.ServiceName;
import java.nio.file.Path;
import java.util.Map;

public record AgentConfig(Path file, GroupName group, NodeName node, Location location,
    ApiListen api, String store, Path storePasswordFile, Timing timing,
    Path stateDir, Map<ServiceName, ServiceConfig> services) {}
