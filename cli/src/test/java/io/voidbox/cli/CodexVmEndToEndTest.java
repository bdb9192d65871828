package io.voidbox.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.voidbox.agent.codex.CodexCli;
import io.voidbox.observability.testing.OtlpReceiver;
import io.voidbox.observability.testing.OtlpReceiver.ReceivedSpan;
import io.voidbox.sandbox.vm.VmTestSupport.VmTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Codex example in a micro-VM (TCG here): the real Codex CLI runs inside the guest from its
 * agent layer ({@code /opt/codex}, {@code /usr/bin/codex}), talks to the scripted model's
 * Responses API through the VM's gateway, and its shell commands see the guest kernel and the
 * guest's PID 1; the run's events and spans are the same as on the local backend.
 */
@VmTest
class CodexVmEndToEndTest {
    @RegisterExtension
    final OtlpReceiver otlp = new OtlpReceiver();

    @TempDir
    Path tmp;

    @Test
    void codexRunsInsideTheGuestFromItsLayerWithToolEventsAndCodexExecSpans() throws IOException {
        CodexCli.binary();
        Path eventsFile = tmp.resolve("events.jsonl");
        Map<String, String> env = new HashMap<>(System.getenv());
        env.keySet()
                .removeIf(k -> k.startsWith("OTEL_")
                        || k.startsWith("VOIDBOX_OTLP")
                        || k.equals("ANTHROPIC_API_KEY")
                        || k.equals("OPENAI_API_KEY"));
        env.put("VOIDBOX_OTLP_ENDPOINT", otlp.grpcEndpoint());
        long t0 = System.nanoTime();
        int exit = VoidboxCommand.execute(
                env,
                "run",
                "--file",
                ExamplesEndToEndTest.examples().resolve("codex/pipeline.yaml").toString(),
                "--backend",
                "vm",
                "--events",
                eventsFile.toString());
        System.out.println("[vm-test] codex example in a VM: " + (System.nanoTime() - t0) / 1_000_000 + " ms");
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> events = Files.readAllLines(eventsFile).stream()
                .map(l -> {
                    try {
                        return json.readTree(l);
                    } catch (IOException e) {
                        throw new AssertionError(l, e);
                    }
                })
                .toList();
        assertThat(exit).as("events: %s", events).isZero();

        JsonNode ready = only(events, "box.ready");
        assertThat(ready.path("backend").asText()).isEqualTo("vm");
        String guestKernel = ready.path("guest_kernel").asText();
        assertThat(guestKernel).isNotBlank().isNotEqualTo(System.getProperty("os.version"));
        JsonNode started = only(events, "agent.started");
        assertThat(started.path("agent").asText()).isEqualTo("codex");

        // Codex's shell commands ran inside the guest: its kernel, its PID 1 (/init)
        List<JsonNode> results = events.stream()
                .filter(e -> e.path("type").asText().equals("agent.tool_result"))
                .toList();
        assertThat(results)
                .extracting(e -> e.path("tool").asText())
                .containsExactly("command_execution", "file_change", "command_execution");
        assertThat(results)
                .allSatisfy(r -> assertThat(r.path("is_error").asBoolean())
                        .as(r.toString())
                        .isFalse());
        assertThat(results.getFirst().path("output").asText())
                .contains(guestKernel)
                .contains("init");
        assertThat(events.stream().filter(e -> e.path("type").asText().equals("agent.tool_call")))
                .hasSize(3);
        JsonNode done = only(events, "stage.completed");
        assertThat(done.path("input_tokens").asLong()).isEqualTo(8900);
        assertThat(done.path("output_tokens").asLong()).isEqualTo(280);

        assertThat(otlp.awaitSpans(
                        s -> s.stream().anyMatch(x -> x.name().equals("pipeline:codex")), Duration.ofSeconds(10)))
                .isTrue();
        List<ReceivedSpan> spans = otlp.spans();
        ReceivedSpan exec = spans.stream()
                .filter(s -> s.name().equals("codex.exec"))
                .findFirst()
                .orElseThrow();
        assertThat(exec.isError()).isFalse();
        assertThat(exec.attributes()).containsEntry("gen_ai.system", "openai").containsEntry("claude.tools_count", 3L);
        assertThat(spans)
                .filteredOn(s -> s.name().startsWith("codex.tool."))
                .hasSize(3)
                .allSatisfy(s -> assertThat(s.parentSpanId()).isEqualTo(exec.spanId()));
        assertThat(spans)
                .filteredOn(s -> s.name().equals("stage:inspect"))
                .singleElement()
                .satisfies(s -> assertThat(s.attributes()).containsEntry("voidbox.backend", "vm"));
    }

    private static JsonNode only(List<JsonNode> events, String type) {
        List<JsonNode> found = events.stream()
                .filter(e -> e.path("type").asText().equals(type))
                .toList();
        assertThat(found).as(type).hasSize(1);
        return found.getFirst();
    }
}
