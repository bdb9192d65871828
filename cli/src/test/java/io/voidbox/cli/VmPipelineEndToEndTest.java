package io.voidbox.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.voidbox.observability.testing.OtlpReceiver;
import io.voidbox.sandbox.vm.VmTestSupport.VmTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The 3-stage example with every stage in its own micro-VM (TCG here): the real Claude Code CLI
 * runs inside the guest, its Bash tool sees the guest kernel, telemetry comes from the guest
 * agent, and events and spans say {@code vm}/{@code tcg}.
 */
@VmTest
class VmPipelineEndToEndTest {
    private static final List<String> BOXES = List.of("collect", "analyze", "report");

    @RegisterExtension
    final OtlpReceiver otlp = new OtlpReceiver();

    @TempDir
    Path tmp;

    @Test
    void everyStageBootsItsOwnVmAndReportsTheGuestKernel() throws IOException {
        Path eventsFile = tmp.resolve("events.jsonl");
        Map<String, String> env = new HashMap<>(System.getenv());
        env.keySet()
                .removeIf(k -> k.startsWith("OTEL_") || k.startsWith("VOIDBOX_OTLP") || k.equals("ANTHROPIC_API_KEY"));
        env.put("VOIDBOX_OTLP_ENDPOINT", otlp.grpcEndpoint());
        int exit = VoidboxCommand.execute(
                env,
                "run",
                "--file",
                ExamplesEndToEndTest.examples()
                        .resolve("sequential/pipeline.yaml")
                        .toString(),
                "--backend",
                "vm",
                "--events",
                eventsFile.toString());
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
        assertThat(exit).isZero();
        String host = System.getProperty("os.version");
        Map<String, JsonNode> ready = events.stream()
                .filter(e -> e.path("type").asText().equals("box.ready"))
                .collect(Collectors.toMap(e -> e.path("box").asText(), e -> e));
        assertThat(ready.keySet()).containsExactlyInAnyOrderElementsOf(BOXES);
        String guestKernel = ready.get("collect").path("guest_kernel").asText();
        assertThat(guestKernel).isNotBlank().isNotEqualTo(host);
        for (JsonNode r : ready.values()) {
            assertThat(r.path("backend").asText()).isEqualTo("vm");
            assertThat(r.path("accel").asText()).isIn("kvm", "tcg");
            assertThat(r.path("boot_ms").asLong()).isPositive();
        }
        assertThat(events.stream()
                        .filter(e -> e.path("type").asText().equals("box.booting"))
                        .count())
                .isEqualTo(3);
        assertThat(events.stream()
                        .filter(e -> e.path("type").asText().equals("box.stopped"))
                        .map(e -> e.path("box").asText()))
                .containsExactlyInAnyOrderElementsOf(BOXES);
        // the Bash tool ran inside the guest: guest kernel and the guest's PID 1
        String collectBash = events.stream()
                .filter(e -> e.path("type").asText().equals("agent.tool_result")
                        && e.path("box").asText().equals("collect")
                        && e.path("tool").asText().equals("Bash"))
                .map(e -> e.path("output").asText())
                .findFirst()
                .orElseThrow();
        assertThat(collectBash.lines().toList()).startsWith(guestKernel, "init");
        // guest telemetry for every box, at about the configured 1 s interval
        for (String box : BOXES) {
            List<JsonNode> samples = events.stream()
                    .filter(e -> e.path("type").asText().equals("guest.telemetry")
                            && e.path("box").asText().equals(box))
                    .toList();
            JsonNode done = events.stream()
                    .filter(e -> e.path("type").asText().equals("stage.completed")
                            && e.path("box").asText().equals(box))
                    .findFirst()
                    .orElseThrow();
            long seconds = done.path("duration_ms").asLong() / 1000;
            assertThat(samples.size())
                    .as("samples of %s over %d s", box, seconds)
                    .isGreaterThanOrEqualTo((int) (seconds / 3));
            assertThat(samples.getLast().path("mem_total_bytes").asLong()).isPositive();
        }
        // spans say where each stage ran
        assertThat(otlp.awaitSpans(
                        s -> s.stream()
                                        .filter(x -> x.name().startsWith("stage:"))
                                        .count()
                                == 3,
                        Duration.ofSeconds(10)))
                .isTrue();
        assertThat(otlp.spans().stream().filter(s -> s.name().startsWith("stage:")))
                .allSatisfy(s -> assertThat(s.attributes())
                        .containsEntry("voidbox.backend", "vm")
                        .containsKey("voidbox.accel"));
        // nothing this run started is left running
        assertThat(ProcessHandle.current()
                        .descendants()
                        .filter(p -> p.info()
                                .command()
                                .map(c -> c.contains("qemu-system"))
                                .orElse(false)))
                .isEmpty();
    }
}
