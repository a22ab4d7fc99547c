package dev.baton.agent.config;

import dev.baton.core.ServiceName;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

public record ServiceConfig(ServiceName name, List<String> command, Map<String, String> env,
    Path workdir, Duration stopTimeout) {}
