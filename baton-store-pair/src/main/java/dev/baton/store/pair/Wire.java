package dev.baton.store.pair;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.PropertyAccessor;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.KeyDeserializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import dev.baton.core.GroupName;
import dev.baton.core.Location;
import dev.baton.core.NodeName;
import dev.baton.core.ServiceName;
import dev.baton.core.store.SessionId;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Function;

/**
 * The JSON of the pair's messages and state file. Names, sessions, locations, instants and
 * durations are written as strings; records by their components.
 */
final class Wire {
  static final ObjectMapper JSON = mapper();

  private Wire() {}

  private static ObjectMapper mapper() {
    SimpleModule names = new SimpleModule("baton-pair");
    asString(names, NodeName.class, NodeName::of);
    asString(names, ServiceName.class, ServiceName::of);
    asString(names, GroupName.class, GroupName::of);
    asString(names, SessionId.class, SessionId::new);
    asString(names, Location.class, Location::parse);
    asString(names, Instant.class, Instant::parse);
    asString(names, Duration.class, Duration::parse);
    ObjectMapper mapper = new ObjectMapper();
    mapper.registerModule(names);
    mapper.setVisibility(PropertyAccessor.ALL, JsonAutoDetect.Visibility.NONE);
    mapper.setVisibility(PropertyAccessor.FIELD, JsonAutoDetect.Visibility.ANY);
    mapper.setSerializationInclusion(JsonInclude.Include.NON_NULL);
    mapper.disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    return mapper;
  }

  private static <T> void asString(SimpleModule module, Class<T> type, Function<String, T> parse) {
    module.addSerializer(type, new JsonSerializer<T>() {
      @Override
      public void serialize(T value, JsonGenerator gen, SerializerProvider provider) throws IOException {
        gen.writeString(value.toString());
      }
    });
    module.addDeserializer(type, new JsonDeserializer<T>() {
      @Override
      public T deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
        return parse.apply(p.getValueAsString());
      }
    });
    module.addKeyDeserializer(type, new KeyDeserializer() {
      @Override
      public Object deserializeKey(String key, DeserializationContext ctxt) {
        return parse.apply(key);
      }
    });
  }
}
