package io.voidbox.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.voidbox.agent.claude.ClaudeCli;
import io.voidbox.agent.codex.CodexCli;
import io.voidbox.observability.testing.OtlpReceiver;
import io.voidbox.observability.testing.OtlpReceiver.ReceivedSpan;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Codex examples through the real CLI entry point (real Codex and Claude Code CLIs, scripted
 * model, local sandbox) exported over real OTLP: {@code codex.exec} > {@code codex.tool.<kind>} with
 * the contract's {@code gen_ai.*} attributes next to Claude Code's spans, and tokens and cost in
 * the summary table.
 */
class CodexOtlpEndToEndTest {
    @RegisterExtension
    final OtlpReceiver otlp = new OtlpReceiver();

    @TempDir
    Path tmp;

    /** What {@code voidbox run} printed on stderr (progress lines and the summary table). */
    private record Run(int exit, String stderr) {}

    private Run run(String example, String... extra) {
        Map<String, String> env = new HashMap<>(System.getenv());
        env.keySet()
                .removeIf(k -> k.startsWith("OTEL_")
                        || k.startsWith("VOIDBOX_OTLP")
                        || k.equals("ANTHROPIC_API_KEY")
                        || k.equals("OPENAI_API_KEY"));
        env.put("VOIDBOX_OTLP_ENDPOINT", otlp.grpcEndpoint());
        List<String> args = new ArrayList<>(List.of(
                "run",
                "--file",
                ExamplesEndToEndTest.examples().resolve(example).toString(),
                "--events",
                tmp.resolve("events.jsonl").toString()));
        args.addAll(List.of(extra));
        PrintStream original = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            int exit = VoidboxCommand.execute(env, args.toArray(String[]::new));
            return new Run(exit, err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(original);
        }
    }

    private List<ReceivedSpan> awaitPipeline(String name) {
        assertThat(otlp.awaitSpans(
                        s -> s.stream().anyMatch(x -> x.name().equals("pipeline:" + name)), Duration.ofSeconds(10)))
                .isTrue();
        return otlp.spans();
    }

    /** The summary row of {@code box}: status, backend, duration, tokens in, tokens out, cost, tools. */
    private static List<String> summaryRow(String stderr, String box) {
        String line = stderr.lines()
                .filter(l -> l.startsWith(box + " "))
                .reduce((a, b) -> b)
                .orElseThrow(() -> new AssertionError("no summary row for " + box + " in\n" + stderr));
        return List.of(line.trim().split("\\s+"));
    }

    @Test
    void codexExampleExportsCodexExecWithToolSpansAndSummarizesTokensAndCost() {
        CodexCli.binary();
        Run run = run("codex/pipeline.yaml", "--backend", "local"); // in a VM: CodexVmEndToEndTest

        assertThat(run.exit()).as(run.stderr()).isZero();
        List<ReceivedSpan> spans = awaitPipeline("codex");
        Map<String, ReceivedSpan> byId = spans.stream().collect(Collectors.toMap(ReceivedSpan::spanId, s -> s));
        ReceivedSpan exec = spans.stream()
                .filter(s -> s.name().equals("codex.exec"))
                .findFirst()
                .orElseThrow();
        assertThat(spans).filteredOn(s -> s.name().equals("codex.exec")).hasSize(1);
        assertThat(byId.get(exec.parentSpanId()).name()).isEqualTo("stage:inspect");
        Map<String, Object> a = exec.attributes();
        assertThat(a)
                .containsEntry("gen_ai.operation.name", "invoke_agent")
                .containsEntry("gen_ai.system", "openai")
                .containsEntry("gen_ai.provider.name", "scripted")
                .containsEntry("gen_ai.request.model", "gpt-5.5")
                .containsEntry("gen_ai.response.model", "gpt-5.5")
                .containsEntry("claude.num_turns", 1L)
                .containsEntry("claude.tools_count", 3L)
                .containsEntry("claude.tools_used", "command_execution,file_change")
                .containsKey("gen_ai.conversation.id");
        // the scenario's Responses usage: uncached input, cached input (cache read) and output, as integers
        assertThat(a)
                .containsEntry("gen_ai.usage.input_tokens", 1800L + 2100 + 2400 + 2600)
                .containsEntry("gen_ai.usage.cache_read.input_tokens", 1200L + 1800 + 2100 + 2400)
                .containsEntry("gen_ai.usage.output_tokens", 70L + 120 + 60 + 30);
        assertThat((Double) a.get("claude.total_cost_usd")).isPositive();
        assertThat(exec.isError()).isFalse();

        List<ReceivedSpan> tools =
                spans.stream().filter(s -> s.name().startsWith("codex.tool.")).toList();
        assertThat(tools)
                .extracting(ReceivedSpan::name)
                .containsExactlyInAnyOrder(
                        "codex.tool.command_execution", "codex.tool.file_change", "codex.tool.command_execution");
        for (ReceivedSpan tool : tools) {
            assertThat(tool.parentSpanId()).isEqualTo(exec.spanId());
            assertThat(tool.startEpochNanos()).isBetween(exec.startEpochNanos(), exec.endEpochNanos());
            assertThat(tool.endEpochNanos()).isBetween(tool.startEpochNanos() + 1, exec.endEpochNanos());
            assertThat(tool.attributes())
                    .containsEntry("gen_ai.operation.name", "execute_tool")
                    .containsEntry("gen_ai.tool.name", tool.name().substring("codex.tool.".length()))
                    .containsKeys("gen_ai.tool.call.id", "tool.name", "tool.use_id", "tool.input", "tool.output");
            assertThat(tool.isError()).isFalse();
        }
        assertThat(tools)
                .filteredOn(t -> t.name().equals("codex.tool.file_change"))
                .singleElement()
                .satisfies(t ->
                        assertThat((String) t.attributes().get("tool.output")).endsWith("/report.md"));

        List<String> row = summaryRow(run.stderr(), "inspect");
        assertThat(row.subList(0, 2)).containsExactly("inspect", "ok");
        assertThat(row.get(5)).as("tokens in").isEqualTo("8900");
        assertThat(row.get(6)).as("tokens out").isEqualTo("280");
        assertThat(row.get(7)).as("Codex reports no cost: estimated").startsWith("~");
        assertThat(Double.parseDouble(row.get(7).substring(1))).as("cost").isPositive();
        assertThat(row.get(8)).as("tools").isEqualTo("3");
    }

    @Test
    void mixedPipelineTracesClaudeCodeThenCodexUnderOnePipelineSpan() {
        ClaudeCli.binary();
        CodexCli.binary();
        Run run = run("mixed/pipeline.yaml", "--backend", "local");

        assertThat(run.exit()).as(run.stderr()).isZero();
        List<ReceivedSpan> spans = awaitPipeline("mixed");
        Map<String, ReceivedSpan> byId = spans.stream().collect(Collectors.toMap(ReceivedSpan::spanId, s -> s));
        assertThat(spans)
                .allSatisfy(
                        s -> assertThat(s.traceId()).isEqualTo(spans.getFirst().traceId()));
        Map<String, String> execParents = spans.stream()
                .filter(s -> s.name().endsWith(".exec"))
                .collect(Collectors.toMap(
                        ReceivedSpan::name, s -> byId.get(s.parentSpanId()).name()));
        assertThat(execParents)
                .containsExactlyInAnyOrderEntriesOf(Map.of(
                        "claude.exec", "stage:prepare",
                        "codex.exec", "stage:review"));
        for (ReceivedSpan stage :
                spans.stream().filter(s -> s.name().startsWith("stage:")).toList())
            assertThat(byId.get(stage.parentSpanId()).name()).isEqualTo("pipeline:mixed");
        Map<String, List<String>> toolsByExec = spans.stream()
                .filter(s -> s.name().contains(".tool."))
                .collect(Collectors.groupingBy(
                        s -> byId.get(s.parentSpanId()).name(),
                        Collectors.mapping(ReceivedSpan::name, Collectors.toList())));
        assertThat(toolsByExec.get("claude.exec"))
                .containsExactlyInAnyOrder("claude.tool.Write", "claude.tool.Bash", "claude.tool.Write");
        assertThat(toolsByExec.get("codex.exec"))
                .containsExactlyInAnyOrder(
                        "codex.tool.command_execution", "codex.tool.file_change", "codex.tool.command_execution");
        assertThat(spans)
                .filteredOn(s -> s.name().equals("codex.exec"))
                .singleElement()
                .satisfies(s -> assertThat(s.attributes()).containsEntry("gen_ai.system", "openai"));
        assertThat(spans)
                .filteredOn(s -> s.name().equals("claude.exec"))
                .singleElement()
                .satisfies(s -> assertThat(s.attributes()).containsEntry("gen_ai.system", "anthropic"));

        for (String box : List.of("prepare", "review")) {
            List<String> row = summaryRow(run.stderr(), box);
            assertThat(row.get(1)).isEqualTo("ok");
            assertThat(Long.parseLong(row.get(5))).as(box + " tokens in").isPositive();
            assertThat(Double.parseDouble(row.get(7).replace("~", "")))
                    .as(box + " cost")
                    .isPositive();
        }
        assertThat(summaryRow(run.stderr(), "review").get(5)).isEqualTo("11000");
    }
}
