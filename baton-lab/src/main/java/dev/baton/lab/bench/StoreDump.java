package dev.baton.lab.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import dev.baton.core.GroupName;
import dev.baton.core.store.Event;
import dev.baton.core.store.Snapshot;
import dev.baton.core.store.Store;
import dev.baton.core.store.StoreOptions;
import dev.baton.core.store.Stores;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A JSON dump of one group's store, read through the store SPI (so alike for every store): the
 * snapshot (nodes, ownerships, settings) and the whole event log. The fault suite writes it into a
 * failed run's kept directory.
 */
final class StoreDump {
  private StoreDump() {}

  /** Writes the dump to {@code file}; on failure writes what went wrong instead, and never throws. */
  static void write(String url, String group, Duration heartbeat, Duration lease, Path file) {
    Map<String, Object> dump = new LinkedHashMap<>();
    dump.put("store", url.replaceAll("//([^:@/]+):[^@/]*@", "//$1:***@"));
    dump.put("group", group);
    try (Store store = Stores.open(new StoreOptions(url, GroupName.of(group), heartbeat, lease, Duration.ofSeconds(10), null))) {
      Snapshot snapshot = store.snapshot();
      dump.put("snapshot", snapshot);
      List<Event> events = new ArrayList<>();
      for (List<Event> page = store.events(0, 1000); !page.isEmpty(); page = store.events(page.get(page.size() - 1).seq(), 1000)) {
        events.addAll(page);
      }
      dump.put("events", events);
    } catch (RuntimeException e) {
      dump.put("error", "cannot read the store: " + e);
    }
    try {
      // No java.time module on the classpath: instants and durations as their ISO text.
      SimpleModule time = new SimpleModule().addSerializer(Instant.class, ToStringSerializer.instance)
          .addSerializer(Duration.class, ToStringSerializer.instance);
      ObjectMapper json = new ObjectMapper().registerModule(time).enable(SerializationFeature.INDENT_OUTPUT)
          .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);
      Files.writeString(file, json.writeValueAsString(dump));
    } catch (IOException | RuntimeException e) {
      try {
        Files.writeString(file, "{\"error\": \"cannot write the store dump: " + e.toString().replace("\"", "'") + "\"}\n");
      } catch (IOException ignored) {
        // the run's report already says the run failed
      }
    }
  }
}
