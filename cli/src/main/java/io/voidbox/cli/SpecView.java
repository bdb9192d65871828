package io.voidbox.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import io.voidbox.Stage;
import io.voidbox.spec.PipelineSpec;
import io.voidbox.spec.Spec;
import io.voidbox.spec.UserConfig;
import io.voidbox.spec.WorkflowSpec;
import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * What {@code inspect} and {@code config validate} print: resolved objects as one tree, rendered
 * as YAML or JSON. The tree is made from the core's records themselves (every component, snake
 * case), so a field the runtime gains shows up without touching this class; enums print as their
 * spec spelling, durations as {@code 600s}, absent values as null. Environment values are
 * redacted: they may hold secrets passed through from the host.
 */
final class SpecView {
    static final String REDACTED = "***";

    private static final ObjectMapper TREE = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
            .addModule(values())
            .build();
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES));

    private SpecView() {}

    /** The resolved spec with every default, and the user configuration it was resolved under. */
    static ObjectNode of(Spec spec, Optional<UserConfig> config) {
        ObjectNode o = TREE.createObjectNode();
        o.put("file", spec.sourceFile().toString());
        o.put("api_version", "v1");
        o.put("kind", spec.kind().id());
        o.put("name", spec.name());
        o.put("user_config", config.map(c -> c.file().toString()).orElse(null));
        switch (spec) {
            case PipelineSpec p -> {
                ObjectNode pipeline = o.putObject("pipeline");
                var stages = pipeline.putArray("stages");
                for (Stage s : p.stages()) {
                    ObjectNode n = stages.addObject();
                    switch (s) {
                        case Stage.Single single -> {
                            n.put("type", "box");
                            n.put("name", single.box().name());
                        }
                        case Stage.FanOut fan -> {
                            n.put("type", "fan_out");
                            var names = n.putArray("boxes");
                            fan.boxes().forEach(b -> names.add(b.name()));
                        }
                    }
                }
                pipeline.set("boxes", tree(p.boxes()));
                p.pipeline().maxParallel().ifPresent(n -> pipeline.put("max_parallel", n));
            }
            case WorkflowSpec w -> {
                ObjectNode workflow = (ObjectNode) tree(w.workflow());
                workflow.remove("name");
                // steps in the spec's own shape: run: {program, args, stdin_from}
                for (JsonNode step : workflow.path("steps")) {
                    ObjectNode st = (ObjectNode) step;
                    ObjectNode run = TREE.createObjectNode();
                    for (String f : List.of("program", "args", "stdin_from")) run.set(f, st.remove(f));
                    ObjectNode shaped = TREE.createObjectNode();
                    shaped.set("name", st.remove("name"));
                    shaped.set("run", run);
                    shaped.setAll(st);
                    st.removeAll();
                    st.setAll(shaped);
                }
                workflow.put("output_step", w.workflow().finalStep());
                o.set("sandbox", workflow.remove("sandbox"));
                o.set("workflow", workflow);
            }
        }
        redactEnv(o);
        timeoutsInSeconds(o);
        return o;
    }

    /** Durations named {@code timeout} print as the spec writes them: {@code timeout_secs: 600}. */
    static void timeoutsInSeconds(JsonNode node) {
        if (node instanceof ObjectNode obj) {
            JsonNode t = obj.get("timeout");
            if (t != null && t.isTextual() && t.asText().matches("[0-9]+s")) {
                List<String> order = new ArrayList<>();
                obj.fieldNames().forEachRemaining(order::add);
                ObjectNode copy = obj.deepCopy();
                obj.removeAll();
                for (String f : order)
                    if (f.equals("timeout"))
                        obj.put(
                                "timeout_secs",
                                Long.parseLong(
                                        t.asText().substring(0, t.asText().length() - 1)));
                    else obj.set(f, copy.get(f));
            }
            obj.forEach(SpecView::timeoutsInSeconds);
        } else if (node.isArray()) {
            node.forEach(SpecView::timeoutsInSeconds);
        }
    }

    /** An empty object to fill. */
    static ObjectNode object() {
        return TREE.createObjectNode();
    }

    /** Any value as a tree, by the rules above. */
    static JsonNode tree(Object value) {
        return TREE.valueToTree(value);
    }

    static String render(JsonNode tree, VoidboxCommand.Output output) {
        try {
            return output == VoidboxCommand.Output.JSON
                    ? TREE.writerWithDefaultPrettyPrinter().writeValueAsString(tree)
                    : YAML.writeValueAsString(tree).stripTrailing();
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot render", e);
        }
    }

    /** Every {@code env} mapping in the tree keeps its names; its values become {@value #REDACTED}. */
    private static void redactEnv(JsonNode node) {
        if (node.isObject()) {
            for (Map.Entry<String, JsonNode> e : node.properties()) {
                if (e.getKey().equals("env") && e.getValue() instanceof ObjectNode env) {
                    List<String> names = new ArrayList<>();
                    env.fieldNames().forEachRemaining(names::add);
                    names.forEach(n -> env.put(n, REDACTED));
                } else {
                    redactEnv(e.getValue());
                }
            }
        } else if (node.isArray()) {
            node.forEach(SpecView::redactEnv);
        }
    }

    @SuppressWarnings({"rawtypes", "unchecked"})
    private static SimpleModule values() {
        SimpleModule m = new SimpleModule();
        add(m, Optional.class, (v, g, p) -> {
            if (v.isPresent()) p.defaultSerializeValue(v.get(), g);
            else g.writeNull();
        });
        add(m, OptionalInt.class, (v, g, p) -> {
            if (v.isPresent()) g.writeNumber(v.getAsInt());
            else g.writeNull();
        });
        add(m, OptionalLong.class, (v, g, p) -> {
            if (v.isPresent()) g.writeNumber(v.getAsLong());
            else g.writeNull();
        });
        add(m, OptionalDouble.class, (v, g, p) -> {
            if (v.isPresent()) g.writeNumber(v.getAsDouble());
            else g.writeNull();
        });
        add(
                m,
                Duration.class,
                (v, g, p) -> g.writeString(v.toMillis() % 1000 == 0 ? v.toSeconds() + "s" : v.toMillis() + "ms"));
        add(m, Path.class, (v, g, p) -> g.writeString(v.toString()));
        add(m, Enum.class, (v, g, p) -> g.writeString(spelling(v)));
        return m;
    }

    /** How one type of value is written: a {@link JsonSerializer} as a lambda. */
    private interface ValueWriter<T> {
        void write(T value, JsonGenerator g, SerializerProvider p) throws IOException;
    }

    private static <T> void add(SimpleModule m, Class<T> type, ValueWriter<T> writer) {
        m.addSerializer(type, new JsonSerializer<T>() {
            @Override
            public void serialize(T v, JsonGenerator g, SerializerProvider p) throws IOException {
                writer.write(v, g, p);
            }
        });
    }

    /** An enum as spec files spell it: its {@code id()} when it has one, else its lower-case name. */
    static String spelling(Enum<?> e) {
        try {
            Method id = e.getDeclaringClass().getMethod("id");
            if (id.getReturnType() == String.class) return (String) id.invoke(e);
        } catch (ReflectiveOperationException ignored) {
            // no id(): fall through
        }
        return e.name().toLowerCase(Locale.ROOT);
    }
}
