package io.voidbox.agent.codex;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.voidbox.AgentOptions;
import io.voidbox.AgentOptions.Runner;
import io.voidbox.Box;
import io.voidbox.Failure;
import io.voidbox.LlmConfig;
import io.voidbox.LlmConfig.Provider;
import io.voidbox.Pipeline;
import io.voidbox.PipelineResult;
import io.voidbox.SandboxOptions;
import io.voidbox.SandboxOptions.Backend;
import io.voidbox.StageResult;
import io.voidbox.VoidBox;
import io.voidbox.event.RunEvent;
import io.voidbox.scripted.Scenario;
import io.voidbox.scripted.ScriptedModelServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real Codex CLI in a local box against the scripted model's Responses API: it runs the scripted
 * commands and patches for real, and the runtime reports them live as tool calls named by their
 * kind, with the tokens Codex reported and an estimated cost. Skipped (with the reason) only when
 * npm or the platform is missing to install the CLI.
 */
class CodexEndToEndTest {
    private static final String SCRIPT = """
            turns:
              - text: "I'll look around."
                tool_use:
                  - name: exec_command
                    input: {cmd: "echo hello > {{workspace}}/out.txt && cat {{workspace}}/out.txt"}
                usage: {input_tokens: 1000, output_tokens: 50, cache_read_input_tokens: 400}
              - tool_use:
                  - name: apply_patch
                    input:
                      patch: "*** Begin Patch\\n*** Add File: {{workspace}}/review.md\\n+# Review\\n+{{box}} looks fine\\n*** End Patch\\n"
                usage: {input_tokens: 1200, output_tokens: 60}
              - text: "Reviewed: review.md is written."
                usage: {input_tokens: 1500, output_tokens: 20}
            """;

    @TempDir
    Path tmp;

    private final List<RunEvent> events = new CopyOnWriteArrayList<>();

    private VoidBox runtime() {
        return VoidBox.builder()
                .environment(Map.of())
                // Codex boxes only: the local sandbox's Claude Code binary is never run here
                .claudeExecutable(() -> Path.of("/bin/false"))
                .listener(events::add)
                .build();
    }

    private Box box(String name, LlmConfig llm) {
        return Box.named(name)
                .prompt("Review the workspace.")
                .agent(AgentOptions.DEFAULTS.withRunner(Runner.CODEX))
                .llm(llm)
                .sandbox(SandboxOptions.defaults().withBackend(Backend.LOCAL))
                .timeout(Duration.ofSeconds(120))
                .outputFile("review.md")
                .build();
    }

    private Path scenario(String text) throws Exception {
        Path file = Files.createTempFile(tmp, "scenario", ".yaml");
        Files.writeString(file, text, StandardCharsets.UTF_8);
        return file;
    }

    private <T extends RunEvent> List<T> of(Class<T> type) {
        return events.stream().filter(type::isInstance).map(type::cast).toList();
    }

    @Test
    void codexRunsScriptedCommandsAndPatchesAndReportsToolsTokensAndCost() throws Exception {
        CodexCli.binary();
        PipelineResult r;
        try (VoidBox vb = runtime()) {
            r = vb.run(Pipeline.named("codex", box("review", LlmConfig.scripted(scenario(SCRIPT)))), "");
        }

        StageResult stage = r.stages().getFirst();
        assertThat(r.success()).as("%s; events %s", r.error(), events).isTrue();
        assertThat(stage.fileOutput()).contains("# Review\nreview looks fine\n");
        assertThat(of(RunEvent.AgentStarted.class)).singleElement().satisfies(s -> {
            assertThat(s.agent()).isEqualTo("codex");
            assertThat(s.provider()).isEqualTo("scripted");
            assertThat(s.model()).isEqualTo("gpt-5.5");
        });
        List<RunEvent.AgentToolCall> calls = of(RunEvent.AgentToolCall.class);
        List<RunEvent.AgentToolResult> results = of(RunEvent.AgentToolResult.class);
        assertThat(calls).extracting(RunEvent.AgentToolCall::tool).containsExactly("command_execution", "file_change");
        assertThat(results)
                .extracting(RunEvent.AgentToolResult::toolUseId)
                .containsExactlyElementsOf(
                        calls.stream().map(RunEvent.AgentToolCall::toolUseId).toList());
        assertThat(calls.get(0).input()).contains("echo hello > ");
        assertThat(results.get(0).output()).isEqualTo("hello\n");
        assertThat(results.get(1).output()).startsWith("add ").endsWith("/review.md");
        assertThat(results).noneMatch(RunEvent.AgentToolResult::isError);

        RunEvent.AgentResult result = of(RunEvent.AgentResult.class).getFirst();
        assertThat(result.agent()).isEqualTo("codex");
        assertThat(result.failed()).isFalse();
        assertThat(result.sessionId()).isNotBlank();
        var usage = result.usage();
        // Responses usage: input counts the cached 400; the runtime splits them again
        assertThat(usage.tokens().inputTokens()).isEqualTo(1000 + 1200 + 1500);
        assertThat(usage.tokens().cacheReadTokens()).isEqualTo(400);
        assertThat(usage.outputTokens()).isEqualTo(50 + 60 + 20);
        assertThat(usage.numTurns()).isEqualTo(1);
        assertThat(usage.toolCalls()).isEqualTo(2);
        assertThat(usage.toolsUsed()).containsExactly("command_execution", "file_change");
        assertThat(usage.estimated()).isTrue();
        assertThat(usage.costUsd()).isCloseTo((3700 * 1.25 + 400 * 0.125 + 130 * 10.0) / 1e6, within(1e-12));
        assertThat(stage.usage()).isEqualTo(usage);
        assertThat(of(RunEvent.StageCompleted.class))
                .singleElement()
                .satisfies(c -> assertThat(c.usage().costUsd()).isPositive());
        // the credential proxy counted the same tokens in the Responses streams it relayed
        assertThat(of(RunEvent.UsageCounted.class)).singleElement().satisfies(c -> {
            assertThat(c.hostInputTokens()).isEqualTo(1000 + 1200 + 1500 + 400);
            assertThat(c.hostCacheReadTokens()).isEqualTo(400);
            assertThat(c.hostOutputTokens()).isEqualTo(50 + 60 + 20);
            assertThat(c.responses()).isEqualTo(3);
            assertThat(c.mismatch()).isFalse();
        });
    }

    @Test
    void aRefusedRequestFailsTheStageWithCodexsOwnWordsAndAnErrorItemIsOnlyAWarning() throws Exception {
        CodexCli.binary();
        Path refused = scenario("""
                turns:
                  - error: {status: 400, type: invalid_request_error, message: "scripted bad request"}
                """);
        Path fine = scenario("""
                turns:
                  - tool_use:
                      - name: exec_command
                        input: {cmd: "echo ok > {{workspace}}/review.md"}
                    usage: {input_tokens: 10, output_tokens: 5}
                  - text: "ok"
                    usage: {input_tokens: 10, output_tokens: 5}
                """);
        LlmConfig unknownModel = LlmConfig.scripted(fine).withModel("not-a-codex-model");
        PipelineResult failed;
        PipelineResult warned;
        try (VoidBox vb = runtime()) {
            failed = vb.run(Pipeline.named("refused", box("refused", LlmConfig.scripted(refused))), "");
            warned = vb.run(Pipeline.named("warned", box("warned", unknownModel)), "");
        }

        Failure failure = failed.stages().getFirst().failure().orElseThrow();
        assertThat(failure)
                .isInstanceOfSatisfying(
                        Failure.ApiError.class,
                        e -> assertThat(e.retryable())
                                .as("a malformed request stays malformed")
                                .isFalse());
        assertThat(failure.type()).isEqualTo("api_error");
        assertThat(failure.message()).isEqualTo("codex reported an error: invalid_request_error: scripted bad request");
        assertThat(of(RunEvent.AgentResult.class).getFirst().failed()).isTrue();
        assertThat(warned.success()).as("%s", warned.error()).isTrue();
        assertThat(of(RunEvent.Log.class))
                .anySatisfy(
                        l -> assertThat(l.line()).startsWith("WARNING: codex: Model metadata for `not-a-codex-model`"));
    }

    @Test
    void codexOffersExecCommandAsAFunctionAndApplyPatchAsACustomTool() throws Exception {
        CodexCli.binary();
        try (ScriptedModelServer server = ScriptedModelServer.start(ScriptedModelServer.Options.DEFAULTS);
                RecordingProxy proxy = new RecordingProxy("http://127.0.0.1:" + server.port())) {
            String route =
                    server.register(Scenario.parse(SCRIPT, "script.yaml"), Map.of("workspace", ".", "box", "custom"));
            LlmConfig custom = new LlmConfig(
                    Optional.of(Provider.CUSTOM),
                    Optional.empty(),
                    Optional.of(proxy.baseUrl() + "/r/" + route + "/v1"),
                    Optional.empty(),
                    Optional.empty());
            PipelineResult r;
            try (VoidBox vb = runtime()) {
                r = vb.run(Pipeline.named("custom", box("custom", custom)), "");
            }

            assertThat(r.success()).as("%s", r.error()).isTrue();
            List<String> bodies = proxy.bodies();
            Path dump = Files.createDirectories(Path.of("target", "codex-requests"));
            for (int i = 0; i < bodies.size(); i++)
                Files.writeString(dump.resolve("request-" + i + ".json"), bodies.get(i));
            assertThat(bodies).hasSize(3);
            JsonNode first = JsonMapper.builder().build().readTree(bodies.getFirst());
            List<String> tools = new ArrayList<>();
            first.path("tools")
                    .forEach(t -> tools.add(
                            t.path("type").asText() + ":" + t.path("name").asText()));
            assertThat(tools).contains("function:exec_command", "custom:apply_patch");
            JsonNode exec = StreamSupport.stream(first.path("tools").spliterator(), false)
                    .filter(t -> t.path("name").asText().equals("exec_command"))
                    .findFirst()
                    .orElseThrow();
            assertThat(exec.path("parameters").path("required").toString()).isEqualTo("[\"cmd\"]");
            assertThat(first.path("stream").asBoolean()).isTrue();
            assertThat(first.path("model").asText()).isEqualTo("gpt-5.5");
            JsonNode last = JsonMapper.builder().build().readTree(bodies.getLast());
            assertThat(last.path("input").toString())
                    .as("the patch result went back as a custom tool output")
                    .contains("custom_tool_call_output");
        }
    }
}
