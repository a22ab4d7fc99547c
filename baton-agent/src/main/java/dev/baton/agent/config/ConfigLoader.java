package dev.baton.agent.config;

import dev.baton.api.EventTypes;
import dev.baton.core.Durations;
import dev.baton.core.GroupName;
import dev.baton.core.InvalidInputException;
import dev.baton.core.Location;
import dev.baton.core.NodeName;
import dev.baton.core.Names;
import dev.baton.core.ServiceName;
import dev.baton.core.store.Stores;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Reads a node's YAML config file into an {@link AgentConfig}.
 *
 * <p>Every problem in the file is collected (never only the first) and reported together in one
 * {@link ConfigException}, each with the file, the key path and what is expected. A key that is
 * present is used or rejected, never replaced by its default; only absent keys get defaults:
 * node name from this host's name, location root, API {@code 127.0.0.1:7070}, store
 * {@code sqlite:/var/lib/baton/<group>.db}, heartbeat 500ms, lease 3s, fence margin lease/3,
 * state dir {@code /var/lib/baton/<node>}, stop timeout 10s. Relative paths (state dir, sqlite
 * file, workdir, password file) resolve against the config file's directory.
 *
 * <p>Reading is free of side effects: nothing is created; only the file system is looked at
 * (workdirs must exist) and store URLs are checked by their providers ({@link Stores#problems}).
 */
public final class ConfigLoader {
  static final Path DATA_DIR = Path.of("/var/lib/baton");
  static final ApiListen DEFAULT_API = new ApiListen("127.0.0.1", 7070);

  private static final List<String> TOP_KEYS =
      List.of("group", "node", "api", "store", "store-password-file", "timing", "state-dir", "services",
          "events", "on", "rules", "guardian", "containment", "service-logs", "pair");
  private static final List<String> NODE_KEYS = List.of("name", "location");
  private static final List<String> API_KEYS = List.of("listen", "advertise", "token-file", "insecure", "tls");
  private static final List<String> TIMING_KEYS = List.of("heartbeat", "lease", "fence-margin");
  private static final List<String> PAIR_KEYS = List.of("listen", "interval", "threshold", "key-file", "witness", "role");
  private static final String PAIR = "pair://";
  private static final List<String> SERVICE_KEYS =
      List.of("command", "env", "workdir", "stop-timeout", "checks", "recovery", "on", "rank",
          "endpoint", "instances");
  private static final List<String> CHECK_KEYS = List.of("name", "kind", "command", "url", "body-contains", "address",
      "ttl", "interval", "timeout", "failures", "grace", "standby");
  private static final List<String> RECOVERY_KEYS = List.of("restarts", "window", "backoff", "ban");
  private static final List<String> SERVICE_LOGS_KEYS = List.of("max-size", "keep");
  private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
  private static final String SQLITE = "sqlite:";
  private static final String DURATION = "a duration such as 500ms, 3s or 2m";
  private static final String COMMAND = "the program and its arguments as a list of strings,"
      + " e.g. [/opt/app/bin/run, --flag]";

  private final Path file;
  private final Path dir;
  private final Callable<String> hostName;
  private final Problems problems;

  private ConfigLoader(Path file, Callable<String> hostName) {
    this.file = file;
    this.dir = file.getParent();
    this.hostName = hostName;
    this.problems = new Problems(file);
  }

  /**
   * Reads and validates {@code file}.
   *
   * @throws ConfigException listing every problem found, one per line
   */
  public static AgentConfig load(Path file) {
    return load(file, () -> InetAddress.getLocalHost().getHostName());
  }

  /** As {@link #load(Path)}, with the source of this host's name (for the default node name). */
  static AgentConfig load(Path file, Callable<String> hostName) {
    return new ConfigLoader(file.toAbsolutePath().normalize(), hostName).read();
  }

  private AgentConfig read() {
    Optional<YamlNode> root = YamlReader.read(file, problems);
    if (root.isEmpty()) {
      throw problems.exception();
    }
    if (!(root.get() instanceof YamlNode.Mapping rootMapping)) {
      problems.add("", "expected a mapping of keys at the top level (group: billing, services: ...), got "
          + root.get().describe());
      throw problems.exception();
    }
    Map<String, YamlNode> top = rootMapping.entries();
    unknownKeys("", top, TOP_KEYS);

    GroupName group = top.containsKey("group")
        ? parsed("group", top.get("group"), "a group name", GroupName::of)
        : missing("group", "missing; expected a group name: " + Names.description());

    Map<String, YamlNode> nodeSection = section("node", top, NODE_KEYS);
    NodeName node = nodeSection.containsKey("name")
        ? parsed("node.name", nodeSection.get("name"), "a node name", NodeName::of)
        : nodeNameFromHost();
    Location location = nodeSection.containsKey("location")
        ? parsed("node.location", nodeSection.get("location"), "a location such as eu/paris/rack-1",
            Location::parse)
        : Location.ROOT;

    Map<String, YamlNode> apiSection = section("api", top, API_KEYS);
    ApiListen api = apiSection.containsKey("listen")
        ? parsed("api.listen", apiSection.get("listen"), "host:port, e.g. 127.0.0.1:7070", ApiListen::parse)
        : DEFAULT_API;
    ApiAccess access = access(apiSection);

    String store = top.containsKey("store")
        ? scalar("store", top.get("store"), "a store URL such as sqlite:/var/lib/baton/" + orExample(group) + ".db")
        : group == null ? null : SQLITE + DATA_DIR.resolve(group.value() + ".db");
    store = store == null ? null : normalisedStore(store);
    boolean pair = store != null && store.startsWith(PAIR);
    Map<String, YamlNode> pairSection = section("pair", top, PAIR_KEYS);
    if (store != null && !pair) {
      storeProblems(store);
      if (top.containsKey("pair")) {
        problems.add("pair", "is only for a pair member, whose store is pair://PEER_HOST:PORT (its peer's pair.listen)");
      }
    }
    Path passwordFile = top.containsKey("store-password-file") ? passwordFile(top.get("store-password-file")) : null;

    Map<String, YamlNode> timingSection = section("timing", top, TIMING_KEYS);
    Timing timing = pair ? pairTiming(pairSection, timingSection) : timing(timingSection);

    Path stateDir = top.containsKey("state-dir")
        ? stateDir(top.get("state-dir"))
        : node == null ? null : DATA_DIR.resolve(node.value());
    if (pair) {
      store = pairStore(store, pairSection, stateDir);
    }

    Map<ServiceName, ServiceConfig> services = services(top, node);
    EventsConfig events = events(top);
    List<RuleConfig> rules = rules(top, services);

    boolean guardian = guardian(top);
    Containment containment = containment(top);
    ServiceLogs serviceLogs = serviceLogs(section("service-logs", top, SERVICE_LOGS_KEYS));

    if (!problems.isEmpty()) {
      throw problems.exception();
    }
    return new AgentConfig(file, group, node, location, api, store, passwordFile, timing, stateDir, services,
        events, rules, guardian, containment, serviceLogs, access);
  }

  // ---- sections

  /** The mapping under {@code key}, empty when absent; unknown keys and wrong types are problems. */
  private Map<String, YamlNode> section(String key, Map<String, YamlNode> parent, List<String> known) {
    if (!parent.containsKey(key)) {
      return Map.of();
    }
    Map<String, YamlNode> entries = mapping(key, parent.get(key), "a mapping of " + String.join(", ", known), false);
    unknownKeys(key, entries, known);
    return entries;
  }

  private NodeName nodeNameFromHost() {
    String host;
    try {
      host = hostName.call();
      if (host == null || host.isBlank()) {
        throw new IllegalStateException("it is empty");
      }
    } catch (Exception e) {
      problems.add("node.name", "not set, and this host's name could not be read (" + e.getMessage()
          + "); set node.name to " + Names.description());
      return null;
    }
    String derived = host.toLowerCase(Locale.ROOT);
    int dot = derived.indexOf('.');
    derived = dot < 0 ? derived : derived.substring(0, dot);
    if (!Names.isValid(derived)) {
      problems.add("node.name", "not set, and this host's name \"" + host + "\" does not make a valid node name (\""
          + derived + "\"); set node.name to " + Names.description());
      return null;
    }
    return NodeName.of(derived);
  }

  private String normalisedStore(String url) {
    if (!url.startsWith(SQLITE)) {
      return url;
    }
    String rest = url.substring(SQLITE.length());
    int query = rest.indexOf('?');
    String path = query < 0 ? rest : rest.substring(0, query);
    String suffix = query < 0 ? "" : rest.substring(query);
    if (path.isEmpty()) {
      problems.add("store", "\"" + url + "\" names no database file; expected sqlite:/path/to/file.db"
          + " (a relative path resolves against " + dir + ")");
      return null;
    }
    if (path.startsWith("//")) {
      return url; // URL with an authority: the provider judges it
    }
    try {
      return SQLITE + dir.resolve(path).normalize() + suffix;
    } catch (InvalidPathException e) {
      problems.add("store", "\"" + url + "\" does not name a usable file path (" + e.getReason()
          + "); expected sqlite:/path/to/file.db");
      return null;
    }
  }

  private void storeProblems(String url) {
    List<String> found;
    try {
      found = Stores.problems(url);
    } catch (RuntimeException e) {
      found = List.of("\"" + url + "\" could not be checked by its store provider: " + e);
    }
    found.forEach(message -> problems.add("store", message));
  }

  /** {@code api.advertise}, {@code api.token-file} and {@code api.insecure}. */
  private ApiAccess access(Map<String, YamlNode> api) {
    ApiListen advertise = api.containsKey("advertise")
        ? parsed("api.advertise", api.get("advertise"), "host:port or host", ConfigLoader::advertise)
        : null;
    ApiToken token = api.containsKey("token-file") ? token(api.get("token-file")) : null;
    boolean insecure = api.containsKey("insecure") && bool("api.insecure", api.get("insecure"));
    ApiTls tls = api.containsKey("tls") ? tls(api.get("tls")) : null;
    return new ApiAccess(advertise, token, insecure, tls);
  }

  /** {@code api.tls: {cert: FILE, key: FILE}}: PEM files, both required. */
  private ApiTls tls(YamlNode value) {
    Map<String, YamlNode> tls = mapping("api.tls", value, "a mapping of cert and key (PEM files)", false);
    unknownKeys("api.tls", tls, List.of("cert", "key"));
    Path cert = tls.containsKey("cert") ? path("api.tls.cert", tls.get("cert"), "the PEM file of the API's certificate")
        : missing("api.tls.cert", "missing; expected the PEM file of the API's certificate (with api.tls.key)");
    Path key = tls.containsKey("key") ? path("api.tls.key", tls.get("key"), "the PEM file of the API's private key")
        : missing("api.tls.key", "missing; expected the PEM file of the API's private key, PKCS#8 (with api.tls.cert)");
    List<java.security.cert.X509Certificate> chain = cert == null ? null
        : parsed("api.tls.cert", tls.get("cert"), "a PEM file", text -> ApiTls.readChain(cert));
    java.security.PrivateKey privateKey = key == null ? null
        : parsed("api.tls.key", tls.get("key"), "a PEM file", text -> ApiTls.readKey(key));
    if (chain == null || privateKey == null) {
      return null;
    }
    try {
      return ApiTls.of(cert, key, chain, privateKey);
    } catch (InvalidInputException e) {
      problems.add("api.tls.key", e.getMessage());
      return null;
    }
  }

  /** {@code host:port}, or a host alone (port 0: the port the API listens on); never a wildcard address. */
  private static ApiListen advertise(String text) {
    String expected = "the host:port (or host) other nodes and clients reach this agent's API at, e.g."
        + " node-a.example.com:7070 or 10.0.0.5";
    boolean hostOnly = text.startsWith("[") ? !text.contains("]:") : !text.contains(":");
    ApiListen parsed;
    if (hostOnly) {
      String host = text.startsWith("[") && text.endsWith("]") ? text.substring(1, text.length() - 1) : text;
      try {
        parsed = new ApiListen(host, 0);
      } catch (InvalidInputException e) {
        throw new InvalidInputException("\"" + text + "\" is not a host name or address; expected " + expected);
      }
    } else {
      try {
        parsed = ApiListen.parse(text);
      } catch (InvalidInputException e) {
        throw new InvalidInputException(e.getMessage().replace(ApiListen.EXPECTED, "expected " + expected));
      }
    }
    if (ApiAccess.isWildcard(parsed.host())) {
      throw new InvalidInputException("\"" + text + "\" is a wildcard address, which no one can connect to; expected "
          + expected);
    }
    return parsed;
  }

  /** The token in {@code api.token-file}: the file's text, trimmed; it must be readable and not empty. */
  private ApiToken token(YamlNode value) {
    String expected = "the path of a readable file holding the API's secret token (the same on every node of the group)";
    Path path = path("api.token-file", value, expected);
    if (path == null) {
      return null;
    }
    if (!Files.isRegularFile(path)) {
      problems.add("api.token-file", shown(value, path) + (Files.exists(path) ? " is not a regular file" : " does not exist")
          + "; expected " + expected);
      return null;
    }
    String text;
    try {
      text = Files.readString(path).strip();
    } catch (java.io.IOException | RuntimeException e) {
      problems.add("api.token-file", shown(value, path) + " cannot be read (" + e.getClass().getSimpleName()
          + "); expected " + expected);
      return null;
    }
    if (text.isEmpty()) {
      problems.add("api.token-file", shown(value, path) + " is empty; write a secret token into it, e.g."
          + " `head -c 32 /dev/urandom | base64 > " + path + "`");
      return null;
    }
    if (!text.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
      // Not echoed: it is a secret.
      problems.add("api.token-file", shown(value, path) + " holds characters an HTTP header cannot carry (spaces,"
          + " control characters or non-ASCII); expected a token of printable ASCII, e.g. base64");
      return null;
    }
    return new ApiToken(text, path);
  }

  private Path passwordFile(YamlNode value) {
    Path path = path("store-password-file", value, "the path of a file holding the store password");
    if (path == null) {
      return null;
    }
    if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
      problems.add("store-password-file", shown(value, path)
          + " is not a readable file; expected the path of a file holding the store password");
      return null;
    }
    return path;
  }

  private Path stateDir(YamlNode value) {
    Path path = path("state-dir", value, "a directory for the agent's logs and state");
    if (path != null && Files.exists(path) && !Files.isDirectory(path)) {
      problems.add("state-dir", shown(value, path)
          + " exists and is not a directory; expected a directory for the agent's logs and state");
      return null;
    }
    return path;
  }

  private Timing timing(Map<String, YamlNode> section) {
    Duration heartbeat = section.containsKey("heartbeat")
        ? duration("timing.heartbeat", section.get("heartbeat"))
        : Timing.DEFAULT_HEARTBEAT;
    Duration lease = section.containsKey("lease") ? duration("timing.lease", section.get("lease")) : Timing.DEFAULT_LEASE;
    boolean marginIsDefault = !section.containsKey("fence-margin");
    Duration fenceMargin = marginIsDefault
        ? lease == null ? null : Timing.defaultFenceMargin(lease)
        : duration("timing.fence-margin", section.get("fence-margin"));
    if (heartbeat == null || lease == null || fenceMargin == null) {
      return null;
    }
    int before = problemCount();
    Timing.check(heartbeat, lease, fenceMargin, marginIsDefault,
        (key, message) -> problems.add("timing." + key, message));
    return problemCount() == before ? new Timing(heartbeat, lease, fenceMargin) : null;
  }

  /**
   * A pair member's timing: it renews every {@code pair.interval}, and its lease is {@code interval x
   * threshold}, the silence after which its backup goes live; so it fences itself before its backup
   * can start anything. {@code timing.heartbeat} and {@code timing.lease} are refused: they follow from
   * the pair's; {@code timing.fence-margin} may be set.
   */
  private Timing pairTiming(Map<String, YamlNode> pair, Map<String, YamlNode> timing) {
    for (String key : List.of("heartbeat", "lease")) {
      if (timing.containsKey(key)) {
        problems.add("timing." + key, "is set by the pair (heartbeat = pair.interval, lease = pair.interval x"
            + " pair.threshold); remove it");
      }
    }
    Duration interval = pair.containsKey("interval") ? duration("pair.interval", pair.get("interval"))
        : Duration.ofMillis(200);
    int threshold = 5;
    if (pair.containsKey("threshold")) {
      String text = scalar("pair.threshold", pair.get("threshold"), "a whole number from 3 to 100");
      try {
        threshold = text == null ? -1 : Integer.parseInt(text);
      } catch (NumberFormatException e) {
        threshold = -1;
      }
      if (threshold < 3 || threshold > 100) {
        if (text != null) {
          problems.add("pair.threshold", "\"" + text + "\" is not a whole number from 3 to 100");
        }
        return null;
      }
    }
    if (interval == null) {
      return null;
    }
    Duration lease = interval.multipliedBy(threshold);
    boolean marginIsDefault = !timing.containsKey("fence-margin");
    Duration fenceMargin = marginIsDefault ? Timing.defaultFenceMargin(lease)
        : duration("timing.fence-margin", timing.get("fence-margin"));
    if (fenceMargin == null) {
      return null;
    }
    int before = problemCount();
    Timing.check(interval, lease, fenceMargin, marginIsDefault, (key, message) -> problems.add(
        key.equals("fence-margin") ? "timing.fence-margin" : "pair", message
            + " (heartbeat = pair.interval, lease = pair.interval x pair.threshold)"));
    return problemCount() == before ? new Timing(interval, lease, fenceMargin) : null;
  }

  /** {@code store: pair://PEER:PORT} with the {@code pair:} section as its parameters. */
  private String pairStore(String url, Map<String, YamlNode> pair, Path stateDir) {
    if (url.contains("?")) {
      problems.add("store", "\"" + url + "\" has parameters; a pair member's store is pair://PEER_HOST:PORT and"
          + " the rest goes under pair:");
      return null;
    }
    Map<String, String> parameters = new java.util.LinkedHashMap<>();
    if (!pair.containsKey("listen")) {
      problems.add("pair.listen", "missing; expected HOST:PORT where this member listens for its peer (its peer's"
          + " store URL names it), e.g. 0.0.0.0:7400");
    } else {
      String listen = scalar("pair.listen", pair.get("listen"), "HOST:PORT, e.g. 0.0.0.0:7400");
      if (listen != null) {
        parameters.put("listen", listen);
      }
    }
    for (String key : List.of("interval", "threshold")) {
      if (pair.containsKey(key)) {
        String text = scalar("pair." + key, pair.get(key), key.equals("interval") ? DURATION : "a whole number");
        if (text != null) {
          parameters.put(key, text);
        }
      }
    }
    if (!pair.containsKey("key-file")) {
      problems.add("pair.key-file", "missing; expected a file holding the key both members share (at least 16"
          + " bytes), e.g. made with: head -c 32 /dev/urandom | base64 > /etc/baton/pair.key");
    } else {
      Path key = path("pair.key-file", pair.get("key-file"), "the path of the pair's shared key file");
      if (key != null) {
        if (!Files.isReadable(key)) {
          problems.add("pair.key-file", shown(pair.get("key-file"), key) + " does not exist or cannot be read;"
              + " create it on both members with the same content");
        }
        parameters.put("key-file", key.toString());
      }
    }
    if (stateDir != null) {
      parameters.put("data", stateDir.resolve("pair-state.json").toString());
    }
    if (pair.containsKey("witness")) {
      String witness = scalar("pair.witness", pair.get("witness"), "a store URL of another kind, e.g. "
          + "zookeeper://zk1:2181/baton or sqlite:/mnt/shared/witness.db");
      if (witness != null) {
        Stores.problems(witness).forEach(m -> problems.add("pair.witness", m));
        parameters.put("witness", witness);
      }
    }
    if (pair.containsKey("role")) {
      String role = scalar("pair.role", pair.get("role"), "live or backup");
      if (role != null && !role.equals("live") && !role.equals("backup")) {
        problems.add("pair.role", "\"" + role + "\" is neither live nor backup");
      } else if (role != null) {
        parameters.put("role", role);
      }
    }
    StringBuilder composed = new StringBuilder(url);
    parameters.forEach((key, value) -> composed.append(composed.indexOf("?") < 0 ? '?' : '&').append(key).append('=')
        .append(value.replace("%", "%25").replace("&", "%26").replace("+", "%2B").replace(" ", "%20")));
    int before = problemCount();
    storeProblems(composed.toString());
    return problemCount() == before ? composed.toString() : null;
  }

  /**
   * The services this node provides, by name: a service with {@code instances} stands for its
   * instances ({@link Instances}), each with the service's settings.
   */
  private Map<ServiceName, ServiceConfig> services(Map<String, YamlNode> top, NodeName node) {
    Map<ServiceName, ServiceConfig> services = new TreeMap<>();
    if (!top.containsKey("services")) {
      return services;
    }
    Map<String, YamlNode> entries = mapping("services", top.get("services"),
        "a mapping from service name to its command, env, workdir and stop-timeout", true);
    for (Map.Entry<String, YamlNode> entry : entries.entrySet()) {
      String path = Problems.child("services", entry.getKey());
      ServiceName name = null;
      try {
        name = ServiceName.of(entry.getKey());
      } catch (InvalidInputException e) {
        problems.add(path, e.getMessage());
      }
      if (name != null && name.isInstance()) {
        problems.add(path, "\"" + name + "\" names an instance; expected " + Names.description()
            + " (Baton names a service's instances SERVICE@INSTANCE itself: set instances under the service)");
        name = null;
      }
      ServiceConfig service = service(name, path, entry.getValue());
      Instances instances = instances(path, entry.getValue());
      if (name == null || service == null || node == null) {
        continue;
      }
      if (instances == null) {
        services.put(name, service);
        continue;
      }
      for (ServiceName instance : instances.of(name, node)) {
        services.put(instance, service.named(instance));
      }
    }
    return services;
  }

  /** {@code services.X.instances}, or null when absent or bad (a problem then says why). */
  private Instances instances(String path, YamlNode value) {
    if (!(value instanceof YamlNode.Mapping mapping) || !mapping.entries().containsKey("instances")) {
      return null;
    }
    String key = Problems.child(path, "instances");
    String text = scalar(key, mapping.entries().get("instances"), Instances.EXPECTED);
    Instances instances = text == null ? null : Instances.parse(text);
    if (text != null && instances == null) {
      problems.add(key, "\"" + text + "\" is not valid; expected " + Instances.EXPECTED);
    }
    return instances;
  }

  private ServiceConfig service(ServiceName name, String path, YamlNode value) {
    if (!(value instanceof YamlNode.Mapping mapping)) {
      wrongKind(path, value, "a mapping with at least command (and optionally env, workdir, stop-timeout, checks, recovery)");
      return null;
    }
    int before = problemCount();
    Map<String, YamlNode> body = mapping.entries();
    unknownKeys(path, body, SERVICE_KEYS);
    List<String> command = body.containsKey("command")
        ? command(Problems.child(path, "command"), body.get("command"))
        : missing(Problems.child(path, "command"), "missing; expected " + COMMAND);
    Map<String, String> env = body.containsKey("env") ? env(Problems.child(path, "env"), body.get("env")) : Map.of();
    Path workdir = body.containsKey("workdir") ? workdir(Problems.child(path, "workdir"), body.get("workdir")) : null;
    Duration stopTimeout = body.containsKey("stop-timeout")
        ? duration(Problems.child(path, "stop-timeout"), body.get("stop-timeout"))
        : ServiceConfig.DEFAULT_STOP_TIMEOUT;
    List<CheckConfig> checks = body.containsKey("checks") ? checks(Problems.child(path, "checks"), body.get("checks")) : List.of();
    RecoveryConfig recovery = body.containsKey("recovery")
        ? recovery(Problems.child(path, "recovery"), body.get("recovery"))
        : RecoveryConfig.DEFAULT;
    Map<String, List<String>> on = body.containsKey("on") ? serviceActions(Problems.child(path, "on"), body.get("on"))
        : Map.of();
    Integer rank = body.containsKey("rank")
        ? integer(Problems.child(path, "rank"), body.get("rank"), 1, Integer.MAX_VALUE,
            "a whole number from 1 (the most preferred owner) up, the default rank of this node for the service")
        : null;
    String endpoint = body.containsKey("endpoint") ? endpoint(Problems.child(path, "endpoint"), body.get("endpoint")) : null;
    if (name == null || problemCount() != before) {
      return null;
    }
    return new ServiceConfig(name, command, env, workdir, stopTimeout, checks, recovery, on, rank, endpoint);
  }

  /** A service's endpoint: {@code host:port} with a port from 1 to 65535, as its clients dial it. */
  private String endpoint(String path, YamlNode value) {
    ApiListen address = parsed(path, value, "host:port where clients reach the service on this node, e.g. 10.0.0.5:8080",
        ApiListen::parse);
    if (address != null && address.port() == 0) {
      problems.add(path, "port 0 is no address clients can use; expected the port the service listens on (1 to 65535)");
      return null;
    }
    return address == null ? null : address.toString();
  }

  // ---- health checks and recovery

  private List<CheckConfig> checks(String path, YamlNode value) {
    if (!(value instanceof YamlNode.Sequence sequence)) {
      wrongKind(path, value, "a list of checks, each a mapping with kind: exec, http, tcp or ttl");
      return List.of();
    }
    List<CheckConfig> checks = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (int i = 0; i < sequence.items().size(); i++) {
      String itemPath = path + "[" + i + "]";
      CheckConfig check = check(itemPath, i, sequence.items().get(i));
      if (check != null && !names.add(check.name())) {
        problems.add(Problems.child(itemPath, "name"), "\"" + check.name() + "\" is the name of an earlier check;"
            + " expected a name unique among this service's checks");
      } else if (check != null) {
        checks.add(check);
      }
    }
    return checks;
  }

  private CheckConfig check(String path, int index, YamlNode value) {
    Map<String, YamlNode> body = mapping(path, value, "a mapping with kind (exec, http, tcp or ttl) and its settings", false);
    if (body.isEmpty()) {
      return null;
    }
    int before = problemCount();
    unknownKeys(path, body, CHECK_KEYS);
    CheckConfig.Kind kind = null;
    if (!body.containsKey("kind")) {
      problems.add(Problems.child(path, "kind"), "missing; expected exec, http, tcp or ttl");
    } else {
      String text = scalar(Problems.child(path, "kind"), body.get("kind"), "exec, http, tcp or ttl");
      for (CheckConfig.Kind k : CheckConfig.Kind.values()) {
        if (k.key().equals(text)) {
          kind = k;
        }
      }
      if (text != null && kind == null) {
        problems.add(Problems.child(path, "kind"), "\"" + text + "\" is not a kind of check; expected exec, http, tcp or ttl");
      }
    }
    String name = body.containsKey("name")
        ? parsed(Problems.child(path, "name"), body.get("name"), "a check name", n -> Names.check("check", n))
        : (kind == null ? "check" : kind.key()) + "-" + (index + 1);
    List<String> command = null;
    java.net.URI url = null;
    String bodyContains = null;
    String host = null;
    int port = 0;
    Duration ttl = null;
    if (kind != null) {
      Map<CheckConfig.Kind, String> own = Map.of(CheckConfig.Kind.EXEC, "command", CheckConfig.Kind.HTTP, "url",
          CheckConfig.Kind.TCP, "address", CheckConfig.Kind.TTL, "ttl");
      for (Map.Entry<CheckConfig.Kind, String> e : own.entrySet()) {
        if (e.getKey() != kind && body.containsKey(e.getValue())) {
          problems.add(Problems.child(path, e.getValue()), "is for " + e.getKey().key() + " checks; this one is "
              + kind.key() + " (it takes " + own.get(kind) + ")");
        }
      }
      if (kind != CheckConfig.Kind.HTTP && body.containsKey("body-contains")) {
        problems.add(Problems.child(path, "body-contains"), "is for http checks; this one is " + kind.key());
      }
      String key = own.get(kind);
      if (!body.containsKey(key)) {
        problems.add(Problems.child(path, key), "missing; a " + kind.key() + " check needs " + switch (kind) {
          case EXEC -> "a command: the program and its arguments as a list; healthy on exit 0";
          case HTTP -> "a url such as http://127.0.0.1:8080/health; healthy on a 2xx answer";
          case TCP -> "an address host:port; healthy when a connection opens";
          case TTL -> "a ttl such as 10s: the service must run `baton heartbeat SERVICE` at least that often";
        });
      } else {
        String keyPath = Problems.child(path, key);
        switch (kind) {
          case EXEC -> command = command(keyPath, body.get(key));
          case HTTP -> url = url(keyPath, body.get(key));
          case TCP -> {
            ApiListen address = parsed(keyPath, body.get(key), "host:port, e.g. 127.0.0.1:5432", ApiListen::parse);
            if (address != null && address.port() == 0) {
              problems.add(keyPath, "port 0 cannot be checked; expected the port the service listens on");
            } else if (address != null) {
              host = address.host();
              port = address.port();
            }
          }
          case TTL -> ttl = duration(keyPath, body.get(key));
        }
      }
      if (body.containsKey("body-contains")) {
        bodyContains = scalar(Problems.child(path, "body-contains"), body.get("body-contains"), "a piece of text");
      }
    }
    Duration interval = body.containsKey("interval") ? duration(Problems.child(path, "interval"), body.get("interval"))
        : ttl != null ? minimum(ttl.dividedBy(2), CheckConfig.DEFAULT_INTERVAL) : CheckConfig.DEFAULT_INTERVAL;
    Duration timeout = body.containsKey("timeout") ? duration(Problems.child(path, "timeout"), body.get("timeout"))
        : minimum(CheckConfig.DEFAULT_TIMEOUT, interval == null ? CheckConfig.DEFAULT_TIMEOUT : interval);
    if (interval != null && timeout != null && timeout.compareTo(interval) > 0) {
      problems.add(Problems.child(path, "timeout"), Durations.format(timeout) + " is longer than the interval ("
          + Durations.format(interval) + "); expected at most the interval");
    }
    Integer failures = body.containsKey("failures")
        ? integer(Problems.child(path, "failures"), body.get("failures"), 1, Integer.MAX_VALUE,
            "a whole number of at least 1: consecutive failures that make the provider unhealthy")
        : Integer.valueOf(kind == CheckConfig.Kind.TTL ? 1 : CheckConfig.DEFAULT_FAILURES);
    Duration grace = body.containsKey("grace") ? graceDuration(Problems.child(path, "grace"), body.get("grace")) : CheckConfig.DEFAULT_GRACE;
    boolean standby = body.containsKey("standby") && bool(Problems.child(path, "standby"), body.get("standby"));
    if (kind == CheckConfig.Kind.TTL && standby) {
      problems.add(Problems.child(path, "standby"), "a ttl check cannot run while the service is not running; expected false");
    }
    if (problemCount() != before) {
      return null;
    }
    return new CheckConfig(name, kind, command, url, bodyContains, host, port, ttl, interval, timeout, failures, grace, standby);
  }

  private RecoveryConfig recovery(String path, YamlNode value) {
    Map<String, YamlNode> body = mapping(path, value, "a mapping of restarts, window, backoff and ban", false);
    int before = problemCount();
    unknownKeys(path, body, RECOVERY_KEYS);
    RecoveryConfig d = RecoveryConfig.DEFAULT;
    Integer restarts = body.containsKey("restarts")
        ? integer(Problems.child(path, "restarts"), body.get("restarts"), 0, Integer.MAX_VALUE,
            "a whole number of restarts in place before failing over, 0 or more")
        : Integer.valueOf(d.restarts());
    Duration window = body.containsKey("window") ? duration(Problems.child(path, "window"), body.get("window")) : d.window();
    Duration ban = body.containsKey("ban") ? duration(Problems.child(path, "ban"), body.get("ban")) : d.ban();
    Duration min = d.backoffMin();
    Duration max = d.backoffMax();
    if (body.containsKey("backoff")) {
      String keyPath = Problems.child(path, "backoff");
      String text = scalar(keyPath, body.get("backoff"), "MIN..MAX such as 1s..30s, or one duration");
      if (text != null) {
        String[] parts = text.split("\\.\\.", -1);
        try {
          min = Durations.parse(parts[0]);
          max = parts.length == 2 ? Durations.parse(parts[1]) : min;
          if (parts.length > 2 || min.compareTo(max) > 0) {
            problems.add(keyPath, "\"" + text + "\" is not MIN..MAX with MIN <= MAX; expected e.g. 1s..30s");
          }
        } catch (InvalidInputException e) {
          problems.add(keyPath, "\"" + text + "\": " + e.getMessage() + "; expected MIN..MAX such as 1s..30s");
        }
      }
    }
    if (problemCount() != before || window == null || ban == null) {
      return d;
    }
    return new RecoveryConfig(restarts, window, min, max, ban);
  }

  /** A duration that may be zero (a check without a grace period). */
  private Duration graceDuration(String path, YamlNode value) {
    String text = scalar(path, value, DURATION + " (0s for none)");
    if (text == null) {
      return null;
    }
    try {
      return Durations.parse(text);
    } catch (InvalidInputException e) {
      problems.add(path, e.getMessage());
      return null;
    }
  }

  private boolean bool(String path, YamlNode value) {
    String text = scalar(path, value, "true or false");
    if ("true".equals(text) || "false".equals(text)) {
      return Boolean.parseBoolean(text);
    }
    if (text != null) {
      problems.add(path, "\"" + text + "\" is not true or false");
    }
    return false;
  }

  private static Duration minimum(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  // ---- events, per-service actions and detector rules (issue 6, part A)

  /** {@code services.X.on}: event type suffix (failed, started, ...) to a command. */
  private Map<String, List<String>> serviceActions(String path, YamlNode value) {
    Map<String, YamlNode> entries = mapping(path, value,
        "a mapping from an event of the service (" + String.join(", ", EventTypes.SERVICE_SUFFIXES)
            + ") to a command, e.g. failed: [/usr/local/bin/page-oncall]", true);
    Map<String, List<String>> on = new TreeMap<>();
    for (Map.Entry<String, YamlNode> entry : entries.entrySet()) {
      String keyPath = Problems.child(path, entry.getKey());
      if (!EventTypes.SERVICE_SUFFIXES.contains(entry.getKey())) {
        String suggestion = closest(entry.getKey(), EventTypes.SERVICE_SUFFIXES);
        problems.add(keyPath, "\"" + entry.getKey() + "\" is not an event of a service; expected "
            + (suggestion != null ? suggestion + " or another of " : "one of ")
            + String.join(", ", EventTypes.SERVICE_SUFFIXES) + " (the event type without service.)");
        continue;
      }
      List<String> command = command(keyPath, entry.getValue());
      if (command != null) {
        on.put(entry.getKey(), command);
      }
    }
    return on;
  }

  private static final List<String> EVENTS_KEYS = List.of("webhooks");
  private static final List<String> WEBHOOK_KEYS = List.of("url", "types", "timeout", "retries");
  private static final List<String> RULE_KEYS = List.of("when", "then", "run");
  private static final List<String> WHEN_KEYS = List.of("condition", "service");

  /** The {@code events:} section: webhooks. (Retention is the store's: see docs/events.md.) */
  private EventsConfig events(Map<String, YamlNode> top) {
    Map<String, YamlNode> section = section("events", top, EVENTS_KEYS);
    List<WebhookConfig> webhooks = new ArrayList<>();
    if (section.containsKey("webhooks")) {
      List<YamlNode> items = sequence("events.webhooks", section.get("webhooks"),
          "a list of webhooks, e.g. [{url: http://127.0.0.1:9000/hook, types: [service.failed]}]");
      for (int i = 0; i < items.size(); i++) {
        WebhookConfig hook = webhook("events.webhooks[" + i + "]", items.get(i));
        if (hook != null) {
          webhooks.add(hook);
        }
      }
    }
    return new EventsConfig(webhooks, top.containsKey("on") ? nodeActions("on", top.get("on")) : Map.of());
  }

  /**
   * The top-level {@code on:}: a command per event of the node's own ({@link EventTypes#NODE_ACTIONS}),
   * e.g. {@code node.lost: [/usr/local/bin/page-oncall]}.
   */
  private Map<String, List<String>> nodeActions(String path, YamlNode value) {
    String allowed = String.join(", ", EventTypes.NODE_ACTIONS);
    Map<String, YamlNode> entries = mapping(path, value, "a mapping from an event (" + allowed
        + ") to a command, e.g. node.lost: [/usr/local/bin/page-oncall]", true);
    Map<String, List<String>> on = new TreeMap<>();
    for (Map.Entry<String, YamlNode> entry : entries.entrySet()) {
      String key = entry.getKey();
      String keyPath = Problems.child(path, key);
      if (!EventTypes.NODE_ACTIONS.contains(key)) {
        String suggestion = closest(key, EventTypes.NODE_ACTIONS);
        String why = EventTypes.ALL.contains(key) && key.startsWith(EventTypes.SERVICE_PREFIX)
            ? "\"" + key + "\" runs per service: put it under services.<name>.on as "
                + key.substring(EventTypes.SERVICE_PREFIX.length()) + "; "
            : EventTypes.ALL.contains(key) ? "\"" + key + "\" is not one of the events that run a node's command; "
            : "\"" + key + "\" is not an event type; ";
        problems.add(keyPath, why + "expected " + (suggestion != null && !suggestion.equals(key)
            ? suggestion + " or another of " : "one of ") + allowed);
        continue;
      }
      List<String> command = command(keyPath, entry.getValue());
      if (command != null) {
        on.put(key, command);
      }
    }
    return on;
  }

  private WebhookConfig webhook(String path, YamlNode value) {
    if (!(value instanceof YamlNode.Mapping mapping)) {
      wrongKind(path, value, "a mapping with url (and optionally types, timeout, retries)");
      return null;
    }
    int before = problemCount();
    Map<String, YamlNode> body = mapping.entries();
    unknownKeys(path, body, WEBHOOK_KEYS);
    java.net.URI url = body.containsKey("url") ? url(Problems.child(path, "url"), body.get("url"))
        : missing(Problems.child(path, "url"), "missing; expected an http(s) URL such as http://127.0.0.1:9000/hook");
    java.util.Set<String> types = new java.util.TreeSet<>();
    if (body.containsKey("types")) {
      String typesPath = Problems.child(path, "types");
      List<YamlNode> items = sequence(typesPath, body.get("types"), "a list of event types, e.g. [service.failed, node.lost]");
      for (int i = 0; i < items.size(); i++) {
        String type = scalar(typesPath + "[" + i + "]", items.get(i), "an event type");
        if (type != null && !EventTypes.ALL.contains(type)) {
          String suggestion = closest(type, EventTypes.ALL);
          problems.add(typesPath + "[" + i + "]", "unknown event type \"" + type + "\"; expected "
              + (suggestion != null ? suggestion + " or another of " : "one of ") + String.join(", ", EventTypes.ALL));
        } else if (type != null) {
          types.add(type);
        }
      }
    }
    Duration timeout = body.containsKey("timeout") ? duration(Problems.child(path, "timeout"), body.get("timeout"))
        : WebhookConfig.DEFAULT_TIMEOUT;
    Integer retries = body.containsKey("retries")
        ? integer(Problems.child(path, "retries"), body.get("retries"), 0, WebhookConfig.MAX_RETRIES,
            "a number of retries from 0 to " + WebhookConfig.MAX_RETRIES)
        : Integer.valueOf(WebhookConfig.DEFAULT_RETRIES);
    if (problemCount() != before) {
      return null;
    }
    return new WebhookConfig(url, types, timeout, retries);
  }

  /** The top-level {@code rules:} list. */
  private List<RuleConfig> rules(Map<String, YamlNode> top, Map<ServiceName, ServiceConfig> services) {
    List<RuleConfig> rules = new ArrayList<>();
    if (!top.containsKey("rules")) {
      return rules;
    }
    List<YamlNode> items = sequence("rules", top.get("rules"),
        "a list of rules, e.g. [{when: {condition: disk-full}, then: failover}]");
    for (int i = 0; i < items.size(); i++) {
      RuleConfig rule = rule("rules[" + i + "]", items.get(i), services);
      if (rule != null) {
        rules.add(rule);
      }
    }
    return rules;
  }

  private RuleConfig rule(String path, YamlNode value, Map<ServiceName, ServiceConfig> services) {
    String actions = java.util.Arrays.stream(RuleConfig.Action.values()).map(RuleConfig.Action::wireName)
        .collect(java.util.stream.Collectors.joining(", "));
    if (!(value instanceof YamlNode.Mapping mapping)) {
      wrongKind(path, value, "a mapping with when and then, e.g. {when: {condition: disk-full}, then: failover}");
      return null;
    }
    int before = problemCount();
    Map<String, YamlNode> body = mapping.entries();
    unknownKeys(path, body, RULE_KEYS);
    String whenPath = Problems.child(path, "when");
    String condition = null;
    ServiceName service = null;
    if (!body.containsKey("when")) {
      problems.add(whenPath, "missing; expected {condition: NAME} or {condition: NAME, service: NAME}");
    } else {
      Map<String, YamlNode> when = mapping(whenPath, body.get("when"), "a mapping with condition (and optionally service)",
          false);
      unknownKeys(whenPath, when, WHEN_KEYS);
      condition = when.containsKey("condition")
          ? parsed(Problems.child(whenPath, "condition"), when.get("condition"), "a condition name such as disk-full",
              text -> Names.check("condition", text))
          : missing(Problems.child(whenPath, "condition"), "missing; expected a condition name such as disk-full: "
              + Names.description());
      if (when.containsKey("service")) {
        String servicePath = Problems.child(whenPath, "service");
        service = parsed(servicePath, when.get("service"), "a service name", ServiceName::of);
        if (service != null && !services.containsKey(service)) {
          problems.add(servicePath, "\"" + service + "\" is not a service of this node; expected one of "
              + (services.isEmpty() ? "(none configured)" : services.keySet().toString()));
        }
      }
    }
    RuleConfig.Action then = null;
    String thenPath = Problems.child(path, "then");
    if (!body.containsKey("then")) {
      problems.add(thenPath, "missing; expected one of " + actions);
    } else {
      String text = scalar(thenPath, body.get("then"), "one of " + actions);
      if (text != null) {
        then = RuleConfig.Action.parse(text);
        if (then == null) {
          problems.add(thenPath, "unknown action \"" + text + "\"; expected one of " + actions);
        }
      }
    }
    String runPath = Problems.child(path, "run");
    List<String> run = List.of();
    if (body.containsKey("run")) {
      run = command(runPath, body.get("run"));
      if (then != null && then != RuleConfig.Action.RUN) {
        problems.add(runPath, "goes only with then: run (this rule has then: " + then.wireName()
            + "); remove it or write then: run");
      }
    } else if (then == RuleConfig.Action.RUN) {
      problems.add(runPath, "missing; then: run needs " + COMMAND);
    }
    // A key given twice was reported (and its value dropped) while reading the file, before this rule.
    if (problemCount() != before || condition == null || then == null) {
      return null;
    }
    return new RuleConfig(condition, service, then, run);
  }

  /** The items of a list; an empty list (after reporting a problem) when it is another kind of value. */
  private List<YamlNode> sequence(String path, YamlNode value, String expected) {
    if (value instanceof YamlNode.Sequence sequence) {
      return sequence.items();
    }
    if (value instanceof YamlNode.Scalar scalar && scalar.isBlank()) {
      return List.of();
    }
    wrongKind(path, value, expected);
    return List.of();
  }

  private Integer integer(String path, YamlNode value, int min, int max, String expected) {
    String text = scalar(path, value, expected);
    if (text == null) {
      return null;
    }
    try {
      int n = Integer.parseInt(text);
      if (n >= min && n <= max) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    problems.add(path, "\"" + text + "\" is not valid; expected " + expected);
    return null;
  }

  private java.net.URI url(String path, YamlNode value) {
    String expected = "an absolute http or https URL such as http://127.0.0.1:9000/hook";
    String text = scalar(path, value, expected);
    if (text == null) {
      return null;
    }
    try {
      java.net.URI uri = new java.net.URI(text);
      if (("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null) {
        return uri;
      }
    } catch (java.net.URISyntaxException e) {
      // reported below
    }
    problems.add(path, "\"" + text + "\" is not a usable URL; expected " + expected);
    return null;
  }

  // ---- values of services

  private List<String> command(String path, YamlNode value) {
    if (!(value instanceof YamlNode.Sequence sequence)) {
      wrongKind(path, value, COMMAND);
      return null;
    }
    if (sequence.items().isEmpty()) {
      problems.add(path, "is an empty list; expected " + COMMAND);
      return null;
    }
    List<String> command = new ArrayList<>();
    for (int i = 0; i < sequence.items().size(); i++) {
      command.add(scalar(path + "[" + i + "]", sequence.items().get(i), "a string (one word of the command)"));
    }
    return command.contains(null) ? null : command;
  }

  private Map<String, String> env(String path, YamlNode value) {
    Map<String, YamlNode> entries = mapping(path, value, "a mapping of environment variable names to strings", true);
    Map<String, String> env = new LinkedHashMap<>();
    boolean ok = true;
    for (Map.Entry<String, YamlNode> entry : entries.entrySet()) {
      String key = entry.getKey();
      String keyPath = Problems.child(path, key);
      if (!ENV_NAME.matcher(key).matches()) {
        problems.add(keyPath, "\"" + key + "\" is not an environment variable name; expected letters, digits"
            + " and _, not starting with a digit");
        ok = false;
      } else if (key.startsWith("BATON_")) {
        problems.add(keyPath, "BATON_* variables are set by Baton itself (BATON_GROUP, BATON_NODE,"
            + " BATON_SERVICE, BATON_EPOCH, BATON_API); choose another name");
        ok = false;
      }
      YamlNode v = entry.getValue();
      if (v instanceof YamlNode.Scalar scalar && scalar.text() != null) {
        env.put(key, scalar.text());
      } else if (v instanceof YamlNode.Scalar) {
        problems.add(keyPath, "has no value; expected a string (write \"\" for an empty one)");
        ok = false;
      } else {
        wrongKind(keyPath, v, "a string value");
        ok = false;
      }
    }
    return ok ? env : null;
  }

  private Path workdir(String path, YamlNode value) {
    Path workdir = path(path, value, "an existing directory for the command to start in");
    if (workdir != null && !Files.isDirectory(workdir)) {
      problems.add(path, shown(value, workdir) + " is not an existing directory; expected the directory the command starts in");
      return null;
    }
    return workdir;
  }

  // ---- the guardian (issue 6, part D)

  /** {@code guardian: true|false}, default true: whether a guardian process runs beside the agent. */
  private boolean guardian(Map<String, YamlNode> top) {
    if (!top.containsKey("guardian")) {
      return true;
    }
    String expected = "true or false (whether a guardian process runs beside the agent; default true)";
    String text = scalar("guardian", top.get("guardian"), expected);
    if ("true".equals(text) || "false".equals(text)) {
      return Boolean.parseBoolean(text);
    }
    if (text != null) {
      problems.add("guardian", "\"" + text + "\" is not a boolean; expected " + expected);
    }
    return true;
  }

  /** {@code service-logs: {max-size: 10MB, keep: 3}}, each key defaulted on its own. */
  private ServiceLogs serviceLogs(Map<String, YamlNode> section) {
    long maxBytes = ServiceLogs.DEFAULT.maxBytes();
    if (section.containsKey("max-size")) {
      String expected = "a size of at least 1KB, such as 512KB, 10MB or 1GB (KB, MB, GB are powers of 1024)";
      String text = scalar("service-logs.max-size", section.get("max-size"), expected);
      if (text != null) {
        try {
          maxBytes = ServiceLogs.parseSize(text);
          if (maxBytes < ServiceLogs.MIN_BYTES) {
            problems.add("service-logs.max-size", "\"" + text + "\" is too small; expected " + expected);
            maxBytes = ServiceLogs.DEFAULT.maxBytes();
          }
        } catch (InvalidInputException e) {
          problems.add("service-logs.max-size", e.getMessage());
        }
      }
    }
    Integer keep = section.containsKey("keep")
        ? integer("service-logs.keep", section.get("keep"), 0, ServiceLogs.MAX_KEEP,
            "how many rotated logs to keep, 0 to " + ServiceLogs.MAX_KEEP)
        : Integer.valueOf(ServiceLogs.DEFAULT.keep());
    return new ServiceLogs(maxBytes, keep == null ? ServiceLogs.DEFAULT.keep() : keep);
  }

  /** {@code containment: auto|pid-namespace|process-group}, default auto. */
  private Containment containment(Map<String, YamlNode> top) {
    if (!top.containsKey("containment")) {
      return Containment.AUTO;
    }
    String expected = "auto, pid-namespace or process-group (how each service's processes are held together;"
        + " default auto)";
    String text = scalar("containment", top.get("containment"), expected);
    for (Containment c : Containment.values()) {
      if (c.key().equals(text)) {
        return c;
      }
    }
    if (text != null) {
      problems.add("containment", "\"" + text + "\" is not a containment; expected " + expected);
    }
    return Containment.AUTO;
  }

  // ---- values

  /**
   * The mapping in {@code value}; an empty map (after reporting a problem) when it is another
   * kind of value. A YAML null or empty value is an empty mapping when {@code emptyAllowed}.
   */
  private Map<String, YamlNode> mapping(String path, YamlNode value, String expected, boolean emptyAllowed) {
    if (value instanceof YamlNode.Mapping mapping) {
      return mapping.entries();
    }
    if (emptyAllowed && value instanceof YamlNode.Scalar scalar && scalar.isBlank()) {
      return Map.of();
    }
    wrongKind(path, value, expected);
    return Map.of();
  }

  /** The text of a scalar, or null after reporting a problem when it is empty or not a scalar. */
  private String scalar(String path, YamlNode value, String expected) {
    if (value instanceof YamlNode.Scalar scalar && !scalar.isBlank()) {
      return scalar.text();
    }
    wrongKind(path, value, expected);
    return null;
  }

  private <T> T parsed(String path, YamlNode value, String expected, Function<String, T> parser) {
    String text = scalar(path, value, expected);
    if (text == null) {
      return null;
    }
    try {
      return parser.apply(text);
    } catch (InvalidInputException e) {
      problems.add(path, e.getMessage());
      return null;
    }
  }

  private Duration duration(String path, YamlNode value) {
    String text = scalar(path, value, DURATION);
    if (text == null) {
      return null;
    }
    Duration duration;
    try {
      duration = Durations.parse(text);
    } catch (InvalidInputException e) {
      problems.add(path, e.getMessage());
      return null;
    } catch (ArithmeticException e) {
      problems.add(path, "duration " + dev.baton.core.Text.quote(text) + " is too large; expected " + DURATION);
      return null;
    }
    if (duration.isZero()) {
      problems.add(path, "\"" + text + "\" must be more than 0; expected " + DURATION);
      return null;
    }
    return duration;
  }

  /** A path, resolved against the config file's directory. */
  private Path path(String path, YamlNode value, String expected) {
    String text = scalar(path, value, expected);
    if (text == null) {
      return null;
    }
    try {
      return dir.resolve(text).normalize();
    } catch (InvalidPathException e) {
      problems.add(path, "\"" + text + "\" is not a usable path (" + e.getReason() + "); expected " + expected);
      return null;
    }
  }

  private void wrongKind(String path, YamlNode value, String expected) {
    if (value instanceof YamlNode.Broken) {
      return; // already reported while reading
    }
    if (value instanceof YamlNode.Scalar scalar && scalar.isBlank()) {
      problems.add(path, "has no value; expected " + expected);
    } else {
      problems.add(path, "expected " + expected + ", got " + value.describe());
    }
  }

  private <T> T missing(String path, String message) {
    problems.add(path, message);
    return null;
  }

  private void unknownKeys(String path, Map<String, YamlNode> entries, List<String> known) {
    for (String key : entries.keySet()) {
      if (!known.contains(key)) {
        String suggestion = closest(key, known);
        problems.add(Problems.child(path, key), suggestion != null
            ? "unknown key; did you mean " + suggestion + "?"
            : "unknown key; expected one of " + String.join(", ", known));
      }
    }
  }

  /** The known key nearest to {@code key} by edit distance, if it is near enough to be a typo. */
  static String closest(String key, List<String> known) {
    String lower = key.toLowerCase(Locale.ROOT).replace('_', '-');
    return known.stream()
        .filter(k -> {
          int distance = editDistance(lower, k);
          return distance <= Math.max(1, Math.min(3, (k.length() + 1) / 3));
        })
        .min(Comparator.comparingInt(k -> editDistance(lower, k)))
        .orElse(null);
  }

  /** Edits (insert, delete, substitute, swap two neighbours) that turn {@code a} into {@code b}. */
  static int editDistance(String a, String b) {
    int[][] d = new int[a.length() + 1][b.length() + 1];
    for (int i = 0; i <= a.length(); i++) {
      d[i][0] = i;
    }
    for (int j = 0; j <= b.length(); j++) {
      d[0][j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        d[i][j] = Math.min(d[i - 1][j - 1] + cost, Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1));
        if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
          d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
        }
      }
    }
    return d[a.length()][b.length()];
  }

  /** A path as written, followed by where it resolved to when that differs. */
  private static String shown(YamlNode value, Path resolved) {
    String text = value instanceof YamlNode.Scalar scalar ? scalar.text() : value.describe();
    return "\"" + text + "\"" + (resolved.toString().equals(text) ? "" : " (" + resolved + ")");
  }

  private static String orExample(GroupName group) {
    return group == null ? "billing" : group.value();
  }

  private int problemCount() {
    return problems.count();
  }
}
