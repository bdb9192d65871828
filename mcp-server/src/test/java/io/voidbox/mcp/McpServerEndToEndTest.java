package io.voidbox.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.voidbox.AgentOptions;
import io.voidbox.Box;
import io.voidbox.LlmConfig;
import io.voidbox.McpServer;
import io.voidbox.Pipeline;
import io.voidbox.PipelineResult;
import io.voidbox.SandboxOptions;
import io.voidbox.SandboxOptions.Backend;
import io.voidbox.VoidBox;
import io.voidbox.agent.claude.ClaudeCli;
import io.voidbox.event.RunEvent;
import io.voidbox.event.RunEvent.AgentToolCall;
import io.voidbox.event.RunEvent.AgentToolResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole MCP path with no stand-in but the model: a {@link Box} whose {@link AgentOptions} names
 * this module's server, run through {@link VoidBox} on the local backend; the real Claude Code CLI
 * starts the server itself over stdio, the scripted model asks for its tools by their MCP names, and
 * the tools' real answers come back as {@code agent.tool_result} events and on the
 * {@code claude.tool.mcp__<server>__<tool>} spans. Skipped (with the reason) only when the CLI
 * cannot be installed.
 */
class McpServerEndToEndTest {
    private static final AttributeKey<String> TOOL_INPUT = AttributeKey.stringKey("tool.input");
    private static final AttributeKey<String> TOOL_OUTPUT = AttributeKey.stringKey("tool.output");
    private static final String WORD_COUNT = "mcp__files__word_count";
    private static final String WORKSPACE_FILES = "mcp__files__workspace_files";
    private static final String SCENARIO = """
            turns:
              - text: "I'll write the note, then use the workspace MCP server."
                tool_use:
                  - name: Write
                    input: {file_path: "{{workspace}}/fox.txt", content: "the quick brown fox\\njumps over the lazy dog\\n"}
                usage: {input_tokens: 900, output_tokens: 60}
              - tool_use:
                  - name: mcp__files__word_count
                    input: {text: "the quick brown fox\\njumps over the lazy dog"}
                usage: {input_tokens: 1000, output_tokens: 40}
              - tool_use:
                  - name: mcp__files__workspace_files
                    input: {}
                usage: {input_tokens: 1100, output_tokens: 30}
              - text: "The note has 9 words on 2 lines."
                usage: {input_tokens: 1200, output_tokens: 20}
            """;

    @TempDir
    Path tmp;

    private final InMemorySpanExporter spans = InMemorySpanExporter.create();
    private final OpenTelemetrySdk otel = OpenTelemetrySdk.builder()
            .setTracerProvider(SdkTracerProvider.builder()
                    .addSpanProcessor(SimpleSpanProcessor.create(spans))
                    .build())
            .build();
    private final List<RunEvent> events = new CopyOnWriteArrayList<>();

    @AfterEach
    void closeOtel() {
        otel.close();
    }

    @Test
    void realClaudeCodeCallsTheBoxsMcpServerAndItsRealAnswersBecomeEventsAndSpans() throws Exception {
        Path claude = ClaudeCli.binary();
        Path scenario = Files.writeString(tmp.resolve("mcp.yaml"), SCENARIO);
        String marker = "voidbox.test.mcp=" + UUID.randomUUID();
        McpServer server = new McpServer(
                "files",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                List.of(
                        "-D" + marker,
                        "-cp",
                        System.getProperty("java.class.path"),
                        WorkspaceToolsServer.class.getName()),
                Map.of());
        Box box = Box.named("counter")
                .prompt("Count the words of the note with the workspace tools.")
                .agent(new AgentOptions(
                        AgentOptions.Runner.CLAUDE_CODE,
                        Optional.empty(),
                        AgentOptions.Limits.NONE,
                        // on the local backend the agent's own permission checks stay on: allow what it needs
                        new AgentOptions.Permissions(
                                List.of("Write", "mcp__files__word_count", "mcp__files__workspace_files"),
                                List.of(),
                                Optional.empty(),
                                false),
                        Optional.empty(),
                        List.of(server)))
                .llm(LlmConfig.scripted(scenario))
                .sandbox(SandboxOptions.defaults().withBackend(Backend.LOCAL))
                .timeout(Duration.ofMinutes(3))
                .build();

        PipelineResult result;
        try (VoidBox voidBox = VoidBox.builder()
                .backend(Backend.LOCAL)
                .claudeExecutable(() -> claude)
                .environment(Map.of())
                .openTelemetry(otel)
                .listener(events::add)
                .build()) {
            result = voidBox.run(Pipeline.named("mcp", box), "");
        }

        assertThat(result.success()).as("%s", result).isTrue();
        assertThat(result.finalOutput()).isEqualTo("The note has 9 words on 2 lines.");

        AgentToolResult count = resultOf(WORD_COUNT);
        assertThat(count.isError()).as(count.output()).isFalse();
        assertThat(count.output()).isEqualTo("{\"words\":9,\"lines\":2,\"characters\":43}");
        AgentToolResult files = resultOf(WORKSPACE_FILES);
        assertThat(files.isError()).as(files.output()).isFalse();
        assertThat(files.output())
                .as("the server runs in the box's workspace and sees the file the agent wrote there")
                .matches("\\{\"directory\":\"[^\"]*/workspace\",.*")
                .endsWith("\"files\":[{\"path\":\"fox.txt\",\"bytes\":44}],\"truncated\":false}");

        SpanData countSpan = span("claude.tool." + WORD_COUNT);
        assertThat(countSpan.getAttributes().get(TOOL_INPUT)).contains("the quick brown fox");
        assertThat(countSpan.getAttributes().get(TOOL_OUTPUT)).isEqualTo(count.output());
        assertThat(countSpan.getParentSpanId()).isEqualTo(span("claude.exec").getSpanId());
        assertThat(span("claude.tool." + WORKSPACE_FILES).getAttributes().get(TOOL_OUTPUT))
                .isEqualTo(files.output());

        assertThat(ProcessHandle.allProcesses()
                        .filter(p -> p.info().commandLine().orElse("").contains(marker)))
                .as("the agent stopped its MCP server with the box")
                .isEmpty();
    }

    private AgentToolResult resultOf(String tool) {
        List<AgentToolCall> calls = events.stream()
                .filter(e -> e instanceof AgentToolCall c && c.tool().equals(tool))
                .map(AgentToolCall.class::cast)
                .toList();
        assertThat(calls)
                .as("agent.tool_call events for %s in %s", tool, events)
                .hasSize(1);
        List<AgentToolResult> results = events.stream()
                .filter(e -> e instanceof AgentToolResult r
                        && r.toolUseId().equals(calls.getFirst().toolUseId()))
                .map(AgentToolResult.class::cast)
                .toList();
        assertThat(results).as("agent.tool_result for %s", tool).hasSize(1);
        assertThat(results.getFirst().tool()).isEqualTo(tool);
        return results.getFirst();
    }

    private SpanData span(String name) {
        List<SpanData> found = spans.getFinishedSpanItems().stream()
                .filter(s -> s.getName().equals(name))
                .toList();
        assertThat(found)
                .as(
                        "spans named %s among %s",
                        name,
                        spans.getFinishedSpanItems().stream()
                                .map(SpanData::getName)
                                .toList())
                .hasSize(1);
        return found.getFirst();
    }
}
