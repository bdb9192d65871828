package io.voidbox.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.voidbox.observability.testing.OtlpReceiver;
import io.voidbox.observability.testing.OtlpReceiver.ReceivedSpan;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real pipeline run (real Claude Code CLI, scripted model, local sandbox) exported over real
 * OTLP to a real receiver on loopback: the exact span tree, attribute types and metric names of
 * the contract, for both protocols and both endpoint variables.
 */
class OtlpPipelineEndToEndTest {
    private static final List<String> FAN_OUT_BOXES = List.of("prepare", "stats", "lint", "summary", "merge");

    @RegisterExtension
    final OtlpReceiver otlp = new OtlpReceiver();

    @TempDir
    Path tmp;

    private int run(String example, Map<String, String> otelEnv) {
        Map<String, String> env = new HashMap<>(System.getenv());
        env.keySet()
                .removeIf(k -> k.startsWith("OTEL_") || k.startsWith("VOIDBOX_OTLP") || k.equals("ANTHROPIC_API_KEY"));
        env.putAll(otelEnv);
        return VoidboxCommand.execute(
                env,
                "run",
                "--file",
                ExamplesEndToEndTest.examples().resolve(example).toString(),
                "--backend",
                "local",
                "--events",
                tmp.resolve("events.jsonl").toString());
    }

    private void assertContractTrace(List<String> boxes) {
        assertThat(otlp.awaitSpans(
                        s -> s.stream()
                                        .filter(x -> x.name().startsWith("pipeline:"))
                                        .count()
                                == 1,
                        Duration.ofSeconds(10)))
                .isTrue();
        List<ReceivedSpan> spans = otlp.spans();
        Map<String, ReceivedSpan> byId = spans.stream().collect(Collectors.toMap(ReceivedSpan::spanId, s -> s));
        List<ReceivedSpan> roots =
                spans.stream().filter(s -> s.name().startsWith("pipeline:")).toList();
        assertThat(roots).hasSize(1);
        ReceivedSpan root = roots.getFirst();
        assertThat(root.parentSpanId()).isEmpty();
        assertThat(spans).allSatisfy(s -> assertThat(s.traceId()).isEqualTo(root.traceId()));

        List<ReceivedSpan> stages =
                spans.stream().filter(s -> s.name().startsWith("stage:")).toList();
        assertThat(stages)
                .extracting(ReceivedSpan::name)
                .containsExactlyInAnyOrderElementsOf(
                        boxes.stream().map(b -> "stage:" + b).toList());
        for (ReceivedSpan stage : stages) {
            assertThat(stage.parentSpanId()).isEqualTo(root.spanId());
            Map<String, Object> a = stage.attributes();
            assertThat(a.get("gen_ai.usage.input_tokens")).isInstanceOf(Long.class);
            assertThat((Long) a.get("gen_ai.usage.output_tokens")).isPositive();
            assertThat(a.get("claude.total_cost_usd")).isInstanceOf(Double.class);
            assertThat(a)
                    .containsEntry("voidbox.backend", "local")
                    .containsKeys("gen_ai.request.model", "claude.tools_count", "voidbox.box");
            assertThat(a).doesNotContainKey("voidbox.accel");
        }
        List<ReceivedSpan> execs =
                spans.stream().filter(s -> s.name().equals("claude.exec")).toList();
        assertThat(execs).hasSize(boxes.size());
        assertThat(execs)
                .extracting(e -> byId.get(e.parentSpanId()).name())
                .containsExactlyInAnyOrderElementsOf(
                        boxes.stream().map(b -> "stage:" + b).toList());
        for (ReceivedSpan exec : execs) {
            Map<String, Object> a = exec.attributes();
            assertThat(a)
                    .containsEntry("gen_ai.operation.name", "invoke_agent")
                    .containsEntry("gen_ai.system", "anthropic")
                    .containsKeys(
                            "gen_ai.provider.name",
                            "gen_ai.request.model",
                            "gen_ai.response.model",
                            "gen_ai.conversation.id",
                            "claude.tools_used",
                            "claude.num_turns",
                            "claude.duration_ms",
                            "claude.duration_api_ms");
            assertThat(a.get("gen_ai.usage.input_tokens")).isInstanceOf(Long.class);
            assertThat(a.get("gen_ai.usage.output_tokens")).isInstanceOf(Long.class);
            assertThat(a.get("claude.total_cost_usd")).isInstanceOf(Double.class);
            assertThat(a.get("claude.tools_count")).isInstanceOf(Long.class);
        }
        List<ReceivedSpan> tools =
                spans.stream().filter(s -> s.name().startsWith("claude.tool.")).toList();
        assertThat(tools).isNotEmpty();
        long toolCalls = execs.stream()
                .mapToLong(e -> (Long) e.attributes().get("claude.tools_count"))
                .sum();
        assertThat(tools).hasSize((int) toolCalls);
        for (ReceivedSpan tool : tools) {
            ReceivedSpan exec = byId.get(tool.parentSpanId());
            assertThat(exec.name()).isEqualTo("claude.exec");
            // live timing: the tool span lies inside its claude.exec and took real time
            assertThat(tool.startEpochNanos()).isBetween(exec.startEpochNanos(), exec.endEpochNanos());
            assertThat(tool.endEpochNanos()).isBetween(tool.startEpochNanos() + 1, exec.endEpochNanos());
            assertThat(tool.attributes())
                    .containsEntry("gen_ai.operation.name", "execute_tool")
                    .containsEntry("gen_ai.tool.name", tool.name().substring("claude.tool.".length()))
                    .containsKeys("gen_ai.tool.call.id", "tool.name", "tool.use_id", "tool.input", "tool.output");
            assertThat(tool.isError()).isFalse();
        }
        assertThat(tools).extracting(ReceivedSpan::name).contains("claude.tool.Bash", "claude.tool.Write");
    }

    private void assertContractMetrics(List<String> boxes) {
        List<String> names = List.of(
                "pipeline.stage.duration_ms",
                "pipeline.stage.input_tokens",
                "pipeline.stage.output_tokens",
                "pipeline.stage.cost_usd",
                "pipeline.stage.tool_calls",
                "pipeline.stages",
                "gen_ai.client.token.usage",
                "gen_ai.client.operation.duration");
        assertThat(otlp.awaitMetrics(
                        m -> m.stream()
                                .map(x -> x.name())
                                .collect(Collectors.toSet())
                                .containsAll(names),
                        Duration.ofSeconds(10)))
                .as(
                        "metrics received: %s",
                        otlp.metrics().stream()
                                .map(OtlpReceiver.ReceivedMetric::name)
                                .distinct()
                                .toList())
                .isTrue();
        Set<Object> stagesSeen = otlp.metrics("pipeline.stage.duration_ms").stream()
                .flatMap(m -> m.points().stream())
                .map(p -> p.attributes().get("stage"))
                .collect(Collectors.toSet());
        assertThat(stagesSeen).containsAll(boxes);
        assertThat(otlp.metrics("pipeline.stage.cost_usd")
                        .getFirst()
                        .points()
                        .getFirst()
                        .value())
                .isInstanceOf(Double.class);
        // guest telemetry gauges carry vm, stage and vm_cid
        var gauges = otlp.metrics("guest.memory.used_bytes");
        assertThat(gauges).isNotEmpty();
        assertThat(gauges.getFirst().points().getFirst().attributes()).containsKeys("vm", "stage", "vm_cid");
        assertThat(otlp.metrics().stream()
                        .map(OtlpReceiver.ReceivedMetric::name)
                        .collect(Collectors.toSet()))
                .contains(
                        "guest.cpu.utilization",
                        "cpu_usage_percent",
                        "memory_usage_bytes",
                        "guest.memory_total_bytes",
                        "guest.procs_running",
                        "guest.open_fds");
    }

    @Test
    void fanOutRunExportsTheContractTraceAndMetricsOverGrpcWithHeaders() {
        int exit = run(
                "fan-out/pipeline.yaml",
                Map.of(
                        "VOIDBOX_OTLP_ENDPOINT",
                        otlp.grpcEndpoint(),
                        "OTEL_EXPORTER_OTLP_HEADERS",
                        "x-tenant=ci,authorization=Bearer%20from-otel",
                        "VOIDBOX_OTLP_HEADERS",
                        "authorization=Bearer voidbox"));
        assertThat(exit).isZero();
        assertContractTrace(FAN_OUT_BOXES);
        assertContractMetrics(FAN_OUT_BOXES);
        assertThat(otlp.requests()).allSatisfy(r -> {
            assertThat(r.transport()).isEqualTo(OtlpReceiver.Transport.GRPC);
            assertThat(r.headers()).containsEntry("x-tenant", "ci").containsEntry("authorization", "Bearer voidbox");
        });
    }

    @Test
    void fanOutRunExportsTheSameOverHttpProtobuf() {
        int exit = run(
                "fan-out/pipeline.yaml",
                Map.of("VOIDBOX_OTLP_ENDPOINT", otlp.httpEndpoint(), "VOIDBOX_OTLP_PROTOCOL", "http/protobuf"));
        assertThat(exit).isZero();
        assertContractTrace(FAN_OUT_BOXES);
        assertContractMetrics(FAN_OUT_BOXES);
        assertThat(otlp.requests()).allSatisfy(r -> assertThat(r.transport()).isEqualTo(OtlpReceiver.Transport.HTTP));
    }

    @Test
    void endpointFromTheStandardVariableAloneIsEnough() {
        int exit = run("sequential/pipeline.yaml", otlp.environment(OtlpReceiver.Transport.GRPC));
        assertThat(exit).isZero();
        assertContractTrace(List.of("collect", "analyze", "report"));
    }

    @Test
    void deadCollectorNeitherFailsNorBlocksTheRunAndIsReportedInOneLine() {
        String endpoint = otlp.grpcEndpoint();
        otlp.stop();
        PrintStream original = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        long t0 = System.nanoTime();
        int exit;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            exit = run("single-agent/agent.yaml", Map.of("VOIDBOX_OTLP_ENDPOINT", endpoint));
        } finally {
            System.setErr(original);
        }
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        String out = err.toString(StandardCharsets.UTF_8);
        assertThat(exit).isZero();
        List<String> otelLines = out.lines().filter(l -> l.startsWith("otel:")).toList();
        assertThat(otelLines).hasSize(1);
        assertThat(otelLines.getFirst()).contains("export failures").doesNotContain(" 0 export failures");
        assertThat(took).isLessThan(Duration.ofSeconds(120));
    }

    @Test
    void theStageSpansTraceparentIsPassedIntoTheBox() throws Exception {
        Files.writeString(tmp.resolve("tp.yaml"), """
                turns:
                  - tool_use:
                      - name: Bash
                        input: {command: "echo TP=$TRACEPARENT"}
                  - text: done
                """);
        Path spec = Files.writeString(tmp.resolve("agent.yaml"), """
                api_version: v1
                kind: agent
                name: traced
                sandbox: {backend: local}
                llm: {provider: scripted, scenario: tp.yaml}
                agent: {prompt: "print the traceparent", timeout_secs: 120, allowed_tools: [Bash]}
                """);
        Map<String, String> env = new HashMap<>(System.getenv());
        env.keySet()
                .removeIf(k -> k.startsWith("OTEL_") || k.startsWith("VOIDBOX_OTLP") || k.equals("ANTHROPIC_API_KEY"));
        env.put("VOIDBOX_OTLP_ENDPOINT", otlp.grpcEndpoint());
        Path events = tmp.resolve("tp-events.jsonl");
        assertThat(VoidboxCommand.execute(env, "run", "--file", spec.toString(), "--events", events.toString()))
                .isZero();
        assertThat(otlp.awaitSpans(
                        x -> x.stream().anyMatch(sp -> sp.name().equals("stage:traced")), Duration.ofSeconds(10)))
                .isTrue();
        ReceivedSpan stage = otlp.spans("stage:traced").getFirst();
        // sampled flag set (W3C level 2 may add the random-trace-id flag: 03)
        assertThat(Files.readString(events))
                .containsPattern("TP=00-" + stage.traceId() + "-" + stage.spanId() + "-0[13]");
    }
}
