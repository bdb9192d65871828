package io.voidbox.event;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Iterator;
import java.util.Map;

/**
 * The JSON form of run events: snake_case fields, {@code ts} in RFC 3339 UTC with milliseconds,
 * {@code type} first, null fields omitted. One place so the CLI, tests and {@code voidbox trace}
 * agree on the contract names.
 */
public final class RunEventJson {
    private static final DateTimeFormatter TS =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    private final ObjectMapper mapper;

    public RunEventJson() {
        SimpleModule time = new SimpleModule().addSerializer(Instant.class, new JsonSerializer<>() {
            @Override
            public void serialize(Instant v, JsonGenerator g, SerializerProvider p) throws IOException {
                g.writeString(TS.format(v));
            }
        });
        this.mapper = JsonMapper.builder()
                .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                .serializationInclusion(JsonInclude.Include.NON_NULL)
                .addModule(time)
                .build();
    }

    public static String formatTs(Instant ts) {
        return TS.format(ts);
    }

    /** One JSON object, no newline. */
    public String toJson(RunEvent event) {
        ObjectNode body = mapper.valueToTree(event);
        ObjectNode out = mapper.createObjectNode();
        out.set("ts", body.remove("ts"));
        out.put("type", event.type());
        for (Iterator<Map.Entry<String, com.fasterxml.jackson.databind.JsonNode>> it = body.fields(); it.hasNext(); ) {
            var e = it.next();
            if (!e.getKey().equals("type")) out.set(e.getKey(), e.getValue());
        }
        try {
            return mapper.writeValueAsString(out);
        } catch (IOException e) {
            throw new IllegalStateException("cannot serialize " + event.type(), e);
        }
    }

    public ObjectMapper mapper() {
        return mapper;
    }
}
