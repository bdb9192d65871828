package io.voidbox.event;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.voidbox.Failure;
import io.voidbox.Usage;
import java.io.IOException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
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
                .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS) // a failure kind may have no details
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
        ObjectNode header = (ObjectNode) body.remove("header");
        out.set("ts", header.remove("ts"));
        out.put("type", event.type());
        out.setAll(header);
        for (Map.Entry<String, JsonNode> e : body.properties()) {
            switch (e.getKey()) {
                case "usage" -> flattenUsage((ObjectNode) e.getValue(), out);
                case "failure" -> flattenFailure((ObjectNode) e.getValue(), out);
                default -> out.set(e.getKey(), e.getValue());
            }
        }
        if (event instanceof RunEvent.AgentResult a) out.put("is_error", a.failed());
        Failure failure = switch (event) {
            case RunEvent.StageFailed f -> f.failure();
            case RunEvent.RunFailed f -> f.failure();
            case RunEvent.AgentResult a -> a.failure();
            default -> null;
        };
        if (failure != null) {
            // run.failed keeps its own message, which names the stage that failed first
            if (!(event instanceof RunEvent.RunFailed)) out.put("error", failure.message());
            out.put("error_type", failure.type());
        }
        try {
            return mapper.writeValueAsString(out);
        } catch (IOException e) {
            throw new IllegalStateException("cannot serialize " + event.type(), e);
        }
    }

    /** {@link Usage} is flat on the wire: token counts beside cost and turns. */
    private static void flattenUsage(ObjectNode usage, ObjectNode out) {
        out.setAll((ObjectNode) usage.remove("tokens"));
        if (usage.remove("estimated").asBoolean()) out.put("usage_estimated", true);
        out.setAll(usage);
    }

    /**
     * A failure's own details (e.g. {@code exit_code}, {@code http_status}); its message and kind
     * ({@code error}, {@code error_type}) are added by the caller.
     */
    private static void flattenFailure(ObjectNode failure, ObjectNode out) {
        failure.remove("message");
        failure.remove("type");
        out.setAll(failure);
    }

    public ObjectMapper mapper() {
        return mapper;
    }
}
