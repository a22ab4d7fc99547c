package dev.baton.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Three nodes of a {@link Group} that also provide {@code web}: python3's http.server on a port of
 * each node's own, answering {@code GET /} with {@code NODE EPOCH} (the node's name and the epoch
 * its process was started with), declared as the provider's endpoint and checked over HTTP.
 * node-a and node-b are in {@code eu/paris}, node-c in {@code us/nyc}.
 */
final class WebNodes {
  static final String[][] NODES = {{"node-a", "eu/paris/rack-1"}, {"node-b", "eu/paris/rack-2"},
      {"node-c", "us/nyc/rack-1"}};

  final Group group;
  /** The web port of each node. */
  final Map<String, Integer> webPorts = new LinkedHashMap<>();
  private final List<Integer> taken = new ArrayList<>();

  /** Configures the three nodes of {@code group} (not started yet). */
  WebNodes(Group group) throws IOException {
    this.group = group;
    for (String[] n : NODES) {
      int port = freePort();
      Path root = group.dir.resolve("web-" + n[0]);
      Files.createDirectories(root);
      Group.Node node = group.nodes.computeIfAbsent(n[0], name -> group.new Node(name, freePort()));
      node.location = n[1];
      node.moreServicesYaml = String.join("\n",
          "  web:",
          "    command: [sh, -c, 'echo \"$BATON_NODE $BATON_EPOCH\" > " + root.resolve("index.html")
              + " && exec python3 -m http.server " + port + " --bind 127.0.0.1 --directory " + root + "']",
          "    endpoint: 127.0.0.1:" + port,
          "    stop-timeout: 2s",
          "    checks:",
          "      - {name: http, kind: http, url: 'http://127.0.0.1:" + port + "/', interval: 250ms, failures: 2,"
              + " grace: 10s}");
      webPorts.put(n[0], port);
    }
  }

  /** A port below the ephemeral range that no node, web server or other user of this group has. */
  int freePort() {
    int port;
    do {
      port = group.freePort();
    } while (taken.contains(port));
    taken.add(port);
    return port;
  }

  void startAll() throws IOException {
    for (String[] n : NODES) {
      group.start(n[0]);
    }
  }

  /** The owner of web on the whiteboard, or null. */
  String owner() {
    return group.status().flatMap(s -> s.services().stream().filter(x -> x.name().equals("web")).findFirst())
        .map(x -> x.owner()).orElse(null);
  }
}
