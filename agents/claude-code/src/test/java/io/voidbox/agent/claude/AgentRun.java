package io.voidbox.agent.claude;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.voidbox.AgentOptions;
import io.voidbox.Box;
import io.voidbox.LlmConfig;
import io.voidbox.Pipeline;
import io.voidbox.PipelineResult;
import io.voidbox.SandboxOptions;
import io.voidbox.StageResult;
import io.voidbox.VoidBox;
import io.voidbox.event.RunEvent;
import io.voidbox.event.RunEventJson;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Test helper: one box run end to end through the real runtime (local sandbox, the real Claude
 * Code CLI, the scripted model), with every run event kept and every span exported to memory.
 *
 * @param result the run's result
 * @param events every run event, in publish order
 * @param spans  every finished span
 */
record AgentRun(PipelineResult result, List<RunEvent> events, List<SpanData> spans) {
    private static final RunEventJson JSON = new RunEventJson();

    /** What a box of the test is: its scenario, agent options, timeout and declared output file. */
    record Spec(String scenario, AgentOptions agent, Duration timeout, String outputFile) {
        Spec(String scenario, AgentOptions agent) {
            this(scenario, agent, Duration.ofSeconds(120), null);
        }
    }

    static AgentRun run(Path dir, String name, Spec spec) {
        return run(dir, name, spec, null);
    }

    /** Runs with {@code executable} in place of the installed Claude Code (null: the real CLI). */
    static AgentRun run(Path dir, String name, Spec spec, Path executable) {
        try {
            Path scenario = Files.writeString(dir.resolve(name + "-scenario.yaml"), spec.scenario());
            return run(name, spec, executable, LlmConfig.scripted(scenario), Map.of());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs against the model endpoint {@code llm}, resolved in {@code environment} (where its key is). */
    static AgentRun run(String name, Spec spec, Path executable, LlmConfig llm, Map<String, String> environment) {
        Box.Builder box = Box.named(name)
                .prompt("Do the scripted task.")
                .agent(spec.agent())
                .llm(llm)
                .sandbox(SandboxOptions.defaults().withBackend(SandboxOptions.Backend.LOCAL))
                .timeout(spec.timeout());
        if (spec.outputFile() != null) box.outputFile(spec.outputFile());
        InMemorySpanExporter exporter = InMemorySpanExporter.create();
        List<RunEvent> events = new CopyOnWriteArrayList<>();
        try (OpenTelemetrySdk sdk = OpenTelemetrySdk.builder()
                        .setTracerProvider(SdkTracerProvider.builder()
                                .addSpanProcessor(SimpleSpanProcessor.create(exporter))
                                .build())
                        .build();
                VoidBox voidbox = builder(executable)
                        .environment(environment)
                        .openTelemetry(sdk)
                        .listener(events::add)
                        .build()) {
            PipelineResult result = voidbox.run(Pipeline.named(name, box.build()), "");
            return new AgentRun(result, List.copyOf(events), exporter.getFinishedSpanItems());
        }
    }

    private static VoidBox.Builder builder(Path executable) {
        VoidBox.Builder b = VoidBox.builder();
        return executable == null ? b : b.claudeExecutable(() -> executable);
    }

    StageResult stage() {
        return result.stages().getFirst();
    }

    /** Every event of {@code type} as it goes on the wire (JSON Lines). */
    List<JsonNode> wire(String type) {
        return events.stream()
                .filter(e -> e.type().equals(type))
                .map(e -> {
                    try {
                        return JSON.mapper().readTree(JSON.toJson(e));
                    } catch (IOException x) {
                        throw new UncheckedIOException(x);
                    }
                })
                .toList();
    }

    /** The one event of {@code type} on the wire. */
    JsonNode one(String type) {
        List<JsonNode> all = wire(type);
        assertThat(all).as("%s events of %s", type, this).hasSize(1);
        return all.getFirst();
    }

    List<SpanData> spans(String name) {
        return spans.stream().filter(s -> s.getName().equals(name)).toList();
    }

    SpanData span(String name) {
        List<SpanData> found = spans(name);
        assertThat(found).as("spans named %s in %s", name, this).hasSize(1);
        return found.getFirst();
    }

    static String errorType(SpanData span) {
        return span.getAttributes().get(AttributeKey.stringKey("error.type"));
    }

    /** The box's agent output, for assertion messages. */
    @Override
    public String toString() {
        return events.stream()
                .filter(e -> e instanceof RunEvent.Log)
                .map(e -> ((RunEvent.Log) e).stream() + ": " + ((RunEvent.Log) e).line())
                .reduce("", (a, b) -> a + "\n" + b);
    }
}
