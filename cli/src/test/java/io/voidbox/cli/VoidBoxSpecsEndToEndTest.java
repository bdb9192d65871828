package io.voidbox.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.voidbox.observability.testing.OtlpReceiver;
import io.voidbox.observability.testing.OtlpReceiver.ReceivedSpan;
import io.voidbox.scripted.Scenario;
import io.voidbox.scripted.ScriptedModelServer;
import io.voidbox.spec.Observe;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * VoidBox's own specs through the real CLI entry point, the real Claude Code CLI and the scripted
 * model on the local sandbox: a VoidBox pipeline runs offline unchanged, what is not supported yet
 * is refused by {@code validate} with exit 2, and a spec's {@code observe} block reaches a real
 * OTLP receiver.
 */
class VoidBoxSpecsEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    final OtlpReceiver otlp = new OtlpReceiver();

    @TempDir
    Path tmp;

    private static Path corpus() {
        Path corpus = ExamplesEndToEndTest.examples()
                .getParent()
                .resolve("../shared/compat/void-box")
                .normalize();
        Assumptions.assumeTrue(
                Files.isDirectory(corpus), "VoidBox's example specs are not beside the repository at " + corpus);
        return corpus;
    }

    /** The environment of a run that must stay offline and unconfigured. */
    private static Map<String, String> offline() {
        Map<String, String> env = new HashMap<>(System.getenv());
        env.keySet()
                .removeIf(k -> k.startsWith("OTEL_")
                        || k.startsWith("VOIDBOX_OTLP")
                        || k.startsWith("VOIDBOX_LLM_")
                        || k.equals("VOIDBOX_SERVICE_NAME")
                        || k.equals("ANTHROPIC_API_KEY"));
        return env;
    }

    private record Captured(int exit, String out, String err) {}

    private static Captured capture(Supplier<Integer> command) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
        try {
            int exit = command.get();
            return new Captured(exit, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    private static List<JsonNode> events(Path file) throws IOException {
        return Files.readAllLines(file).stream()
                .map(l -> {
                    try {
                        return JSON.readTree(l);
                    } catch (IOException e) {
                        throw new AssertionError("event line is not JSON: " + l, e);
                    }
                })
                .toList();
    }

    private static List<JsonNode> ofType(List<JsonNode> events, String type) {
        return events.stream().filter(e -> e.path("type").asText().equals(type)).toList();
    }

    @Test
    void voidBoxsTwoBoxPipelineRunsOfflineUnchangedWithBothBoxesCompleted() throws IOException {
        Path spec = corpus().resolve("specs/pipeline.yaml");
        Path eventsFile = tmp.resolve("events.jsonl");
        Captured run = capture(() -> VoidboxCommand.execute(
                offline(), "run", "--file", spec.toString(), "--backend", "local", "--events", eventsFile.toString()));
        List<JsonNode> events = events(eventsFile);
        assertThat(run.exit()).as("exit code; stderr:\n%s", run.err()).isZero();
        assertThat(ofType(events, "stage.completed"))
                .extracting(e -> e.path("box").asText())
                .containsExactly("analyst", "writer");
        assertThat(ofType(events, "agent.result"))
                .allSatisfy(e -> assertThat(e.path("provider").asText()).isEqualTo("scripted"));
        // the built-in default scenario really ran a tool in each box, then answered
        assertThat(ofType(events, "agent.tool_result"))
                .extracting(e -> e.path("box").asText())
                .containsExactly("analyst", "writer");
        assertThat(events.getLast().path("type").asText()).isEqualTo("run.completed");
        // no scenario: each box answers with its name and the size of its input (the previous output)
        String analyst = "Box analyst answered offline (scripted model, no scenario): its input was 0 bytes.";
        assertThat(run.out().strip())
                .isEqualTo("Box writer answered offline (scripted model, no scenario): its input was "
                        + analyst.getBytes(StandardCharsets.UTF_8).length + " bytes.");
    }

    @Test
    void validateAcceptsVoidBoxSpecsAndRefusesWhatIsNotSupportedYetWithExitTwo() {
        Path corpus = corpus();
        Captured ok = capture(() -> VoidboxCommand.execute(
                "validate", "--file", corpus.resolve("specs/pipeline.yaml").toString()));
        assertThat(ok.exit()).isZero();
        assertThat(ok.out()).contains("ok (pipeline quick-pipeline, 2 boxes, 2 stages)");

        String oci = corpus.resolve("specs/oci/agent.yaml").toString();
        Captured refused = capture(() -> VoidboxCommand.execute("validate", "--file", oci));
        assertThat(refused.exit()).isEqualTo(2);
        assertThat(refused.err().strip())
                .isEqualTo(oci + ":10:3: sandbox.image: not supported yet (OCI images: boxes run on this runtime's"
                        + " own guest image)");
        assertThat(VoidboxCommand.execute("run", "--file", oci)).isEqualTo(2);
    }

    @Test
    void mockModeAndTheObserveBlockReachARealCollectorUnderTheSpecsServiceName() throws IOException {
        Path spec = Files.writeString(tmp.resolve("observed.yaml"), """
                api_version: v1
                kind: agent
                name: observed
                sandbox: {mode: mock}
                llm: {provider: claude}
                observe:
                  otlp_endpoint: %s
                  service_name: from-spec
                  metrics: false
                  telemetry_buffer_size: 50
                agent: {prompt: "Say hello", timeout_secs: 120}
                """.formatted(otlp.grpcEndpoint()));
        Path eventsFile = tmp.resolve("observed.jsonl");
        Map<String, String> env = offline();
        env.put("VOIDBOX_OTEL_DEBUG", "1");
        Captured run = capture(
                () -> VoidboxCommand.execute(env, "run", "--file", spec.toString(), "--events", eventsFile.toString()));
        assertThat(run.exit()).as("stderr:\n%s", run.err()).isZero();
        List<JsonNode> events = events(eventsFile);
        // mock: the local sandbox and the scripted model although the spec names Claude and no key is set
        assertThat(ofType(events, "stage.completed").getFirst().path("backend").asText())
                .isEqualTo("local");
        assertThat(ofType(events, "agent.result").getFirst().path("provider").asText())
                .isEqualTo("scripted");
        // the exporter was built for the spec's endpoint and service name (the environment named neither)
        assertThat(run.err())
                .contains("otel: endpoint=" + otlp.grpcEndpoint() + " (from VOIDBOX_OTLP_ENDPOINT), protocol=grpc,"
                        + " service.name=from-spec");
        // what reached the collector (a loaded machine may time some exports out) carries that name
        otlp.awaitSpans(s -> s.stream().anyMatch(x -> x.name().startsWith("pipeline:")), Duration.ofSeconds(5));
        assertThat(otlp.spans())
                .extracting(ReceivedSpan::resource)
                .allSatisfy(r -> assertThat(r).containsEntry("service.name", "from-spec"));
        // metrics: false: the run records none (the SDK may still report its own reader's health)
        assertThat(otlp.metrics())
                .extracting(OtlpReceiver.ReceivedMetric::name)
                .noneMatch(n -> n.startsWith("pipeline.") || n.startsWith("gen_ai.") || n.startsWith("guest."));
    }

    @Test
    void theContractsVariablesWinOverTheObserveBlock() {
        Observe observe =
                new Observe(true, true, true, Optional.of("http://from-spec:4317"), Optional.of("from-spec"), 600);
        assertThat(CliRuntime.otelEnvironment(Map.of(), observe))
                .containsEntry("VOIDBOX_OTLP_ENDPOINT", "http://from-spec:4317")
                .containsEntry("VOIDBOX_SERVICE_NAME", "from-spec");
        assertThat(CliRuntime.otelEnvironment(
                        Map.of(
                                "OTEL_EXPORTER_OTLP_ENDPOINT", "http://from-env:4317",
                                "VOIDBOX_SERVICE_NAME", "from-env"),
                        observe))
                .doesNotContainKey("VOIDBOX_OTLP_ENDPOINT")
                .containsEntry("OTEL_EXPORTER_OTLP_ENDPOINT", "http://from-env:4317")
                .containsEntry("VOIDBOX_SERVICE_NAME", "from-env");
    }

    @Test
    void withTheCredentialProxyTheBoxHoldsOnlyItsTokenWhichIsRedactedAndTheRealAgentStillReachesItsModel()
            throws Exception {
        Path scenario = Files.writeString(tmp.resolve("key.yaml"), """
                turns:
                  - tool_use:
                      - name: Bash
                        input: {command: "echo KEY=$ANTHROPIC_API_KEY"}
                  - text: answered through the proxy
                """);
        String secret = "sk-ant-proxy-test-secret";
        try (ScriptedModelServer model = ScriptedModelServer.start(ScriptedModelServer.Options.DEFAULTS)) {
            String route = model.register(Scenario.load(scenario), Map.of());
            Path spec =
                    Files.writeString(tmp.resolve("proxied.yaml"), """
                    api_version: v1
                    kind: agent
                    name: proxied
                    sandbox: {backend: local}
                    llm: {provider: custom, base_url: "%s", api_key_env: PROXY_TEST_KEY, credential_proxy: true}
                    agent: {prompt: "Show your key", timeout_secs: 120, allowed_tools: [Bash]}
                    """.formatted(model.baseUrl("127.0.0.1", route)));
            Map<String, String> env = offline();
            env.put("PROXY_TEST_KEY", secret);
            Path eventsFile = tmp.resolve("proxied.jsonl");
            Captured run = capture(() ->
                    VoidboxCommand.execute(env, "run", "--file", spec.toString(), "--events", eventsFile.toString()));
            assertThat(run.exit()).as("stderr:\n%s", run.err()).isZero();
            assertThat(run.out().strip()).isEqualTo("answered through the proxy");
            String events = Files.readString(eventsFile);
            // the box's own proxy token is a known secret too: even printing it publishes nothing
            assertThat(events).contains("KEY=[REDACTED]").doesNotContain("KEY=vbx-proxy-");
            assertThat(List.of(events, run.out(), run.err())).noneMatch(text -> text.contains(secret));
        }
    }
}
