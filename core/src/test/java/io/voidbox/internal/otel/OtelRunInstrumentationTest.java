package io.voidbox.internal.otel;

import static io.opentelemetry.sdk.testing.assertj.OpenTelemetryAssertions.equalTo;
import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanId;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.data.HistogramPointData;
import io.opentelemetry.sdk.metrics.data.LongPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.data.PointData;
import io.opentelemetry.sdk.testing.assertj.OpenTelemetryAssertions;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.voidbox.Failure;
import io.voidbox.Usage;
import io.voidbox.event.RunEvent;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class OtelRunInstrumentationTest {
    private InMemorySpanExporter spans;
    private InMemoryMetricReader metrics;
    private OpenTelemetrySdk sdk;

    @BeforeEach
    void setUp() {
        spans = InMemorySpanExporter.create();
        metrics = InMemoryMetricReader.create();
        sdk = OpenTelemetrySdk.builder()
                .setTracerProvider(SdkTracerProvider.builder()
                        .addSpanProcessor(SimpleSpanProcessor.create(spans))
                        .build())
                .setMeterProvider(
                        SdkMeterProvider.builder().registerMetricReader(metrics).build())
                .build();
    }

    @AfterEach
    void tearDown() {
        sdk.close();
    }

    private OtelRunInstrumentation instrumentation() {
        return new OtelRunInstrumentation(sdk, Context.root());
    }

    private static void feed(OtelRunInstrumentation otel, SyntheticRun run) {
        for (RunEvent e : run.events()) {
            otel.onEvent(e);
        }
    }

    private SpanData span(String name) {
        List<SpanData> found = spans.getFinishedSpanItems().stream()
                .filter(s -> s.getName().equals(name))
                .toList();
        assertThat(found).as("spans named %s", name).hasSize(1);
        return found.getFirst();
    }

    private List<SpanData> spans(String name) {
        return spans.getFinishedSpanItems().stream()
                .filter(s -> s.getName().equals(name))
                .toList();
    }

    private static long nanos(Instant t) {
        return TimeUnit.SECONDS.toNanos(t.getEpochSecond()) + t.getNano();
    }

    @Test
    void sequentialRunBuildsContractTreeWithEventTimestamps() {
        feed(instrumentation(), SyntheticRun.sequentialTwoTools("r1", "review", "analyst"));

        assertThat(spans.getFinishedSpanItems())
                .extracting(SpanData::getName)
                .containsExactlyInAnyOrder(
                        "pipeline:review", "stage:analyst", "claude.exec", "claude.tool.Bash", "claude.tool.Read");
        SpanData root = span("pipeline:review");
        SpanData stage = span("stage:analyst");
        SpanData exec = span("claude.exec");
        SpanData bash = span("claude.tool.Bash");
        SpanData read = span("claude.tool.Read");

        assertThat(root.getParentSpanId()).isEqualTo(SpanId.getInvalid());
        assertThat(stage.getParentSpanId()).isEqualTo(root.getSpanId());
        assertThat(exec.getParentSpanId()).isEqualTo(stage.getSpanId());
        assertThat(bash.getParentSpanId()).isEqualTo(exec.getSpanId());
        assertThat(read.getParentSpanId()).isEqualTo(exec.getSpanId());
        assertThat(spans.getFinishedSpanItems())
                .extracting(SpanData::getTraceId)
                .containsOnly(root.getTraceId());

        assertThat(root.getStartEpochNanos()).isEqualTo(nanos(SyntheticRun.at(0)));
        assertThat(root.getEndEpochNanos()).isEqualTo(nanos(SyntheticRun.at(13)));
        assertThat(stage.getStartEpochNanos()).isEqualTo(nanos(SyntheticRun.at(1)));
        assertThat(stage.getEndEpochNanos()).isEqualTo(nanos(SyntheticRun.at(12)));
        assertThat(exec.getStartEpochNanos()).isEqualTo(nanos(SyntheticRun.at(4)));
        assertThat(exec.getEndEpochNanos()).isEqualTo(nanos(SyntheticRun.at(10)));
        assertThat(bash.getStartEpochNanos()).isEqualTo(nanos(SyntheticRun.at(5)));
        assertThat(bash.getEndEpochNanos()).isEqualTo(nanos(SyntheticRun.at(6)));
        assertThat(read.getStartEpochNanos()).isEqualTo(nanos(SyntheticRun.at(7)));
        assertThat(read.getEndEpochNanos()).isEqualTo(nanos(SyntheticRun.at(8)));
        assertThat(spans.getFinishedSpanItems())
                .extracting(s -> s.getStatus().getStatusCode())
                .containsOnly(StatusCode.UNSET);
    }

    @Test
    void execSpanCarriesGenAiAttributesWithContractTypes() {
        feed(instrumentation(), SyntheticRun.sequentialTwoTools("r1", "review", "analyst"));

        OpenTelemetryAssertions.assertThat(span("claude.exec"))
                .hasAttributesSatisfyingExactly(
                        equalTo(AttributeKey.stringKey("gen_ai.operation.name"), "invoke_agent"),
                        equalTo(AttributeKey.stringKey("gen_ai.system"), "anthropic"),
                        equalTo(AttributeKey.stringKey("gen_ai.provider.name"), "anthropic"),
                        equalTo(AttributeKey.stringKey("gen_ai.request.model"), SyntheticRun.MODEL),
                        equalTo(AttributeKey.stringKey("gen_ai.response.model"), SyntheticRun.MODEL),
                        equalTo(AttributeKey.stringKey("gen_ai.conversation.id"), "session-analyst"),
                        equalTo(AttributeKey.longKey("gen_ai.usage.input_tokens"), 1200L),
                        equalTo(AttributeKey.longKey("gen_ai.usage.output_tokens"), 340L),
                        equalTo(AttributeKey.longKey("gen_ai.usage.cache_read.input_tokens"), 7L),
                        equalTo(AttributeKey.longKey("gen_ai.usage.cache_creation.input_tokens"), 3L),
                        equalTo(AttributeKey.doubleKey("claude.total_cost_usd"), 0.0123),
                        equalTo(AttributeKey.longKey("claude.tools_count"), 2L),
                        equalTo(AttributeKey.stringKey("claude.tools_used"), "Bash,Read"),
                        equalTo(AttributeKey.longKey("claude.num_turns"), 4L),
                        equalTo(AttributeKey.longKey("claude.duration_ms"), 2500L),
                        equalTo(AttributeKey.longKey("claude.duration_api_ms"), 2000L));
    }

    @Test
    void stageSpanCarriesUsageAndBackendAttributes() {
        feed(instrumentation(), SyntheticRun.sequentialTwoTools("r1", "review", "analyst"));

        OpenTelemetryAssertions.assertThat(span("stage:analyst"))
                .hasAttributesSatisfyingExactly(
                        equalTo(AttributeKey.stringKey("voidbox.box"), "analyst"),
                        equalTo(AttributeKey.stringKey("voidbox.stage"), "analyst"),
                        equalTo(AttributeKey.stringKey("voidbox.backend"), "vm"),
                        equalTo(AttributeKey.stringKey("voidbox.accel"), "kvm"),
                        equalTo(AttributeKey.booleanKey("voidbox.restored"), false),
                        equalTo(AttributeKey.longKey("gen_ai.usage.input_tokens"), 1200L),
                        equalTo(AttributeKey.longKey("gen_ai.usage.output_tokens"), 340L),
                        equalTo(AttributeKey.stringKey("gen_ai.request.model"), SyntheticRun.MODEL),
                        equalTo(AttributeKey.doubleKey("claude.total_cost_usd"), 0.0123),
                        equalTo(AttributeKey.longKey("claude.tools_count"), 2L));
    }

    @Test
    void stageSpanSaysWhetherTheVmWasRestoredFromASnapshot() {
        var run = new SyntheticRun("r1", "p")
                .runStarted("warm", "cold")
                .stageStarted("warm")
                .boxBooting("warm", "vm", "tcg")
                .boxReady("warm", "vm", "tcg", true)
                .stageCompleted("warm", 1, 2, 0.1, 0, "vm", "tcg")
                .stageStarted("cold")
                .boxBooting("cold", "vm", "tcg")
                .boxReady("cold", "vm", "tcg", false)
                .stageCompleted("cold", 1, 2, 0.1, 0, "vm", "tcg")
                .runCompleted(2, 4, 0.2);
        feed(instrumentation(), run);

        assertThat(span("stage:warm").getAttributes().get(AttributeKey.booleanKey("voidbox.restored")))
                .isTrue();
        assertThat(span("stage:cold").getAttributes().get(AttributeKey.booleanKey("voidbox.restored")))
                .isFalse();
    }

    @Test
    void localStageHasNoAccelAttribute() {
        var run = new SyntheticRun("r1", "p")
                .runStarted("local1")
                .stageStarted("local1")
                .boxBooting("local1", "local", null)
                .stageCompleted("local1", 1, 2, 0.1, 0, "local", null)
                .runCompleted(1, 2, 0.1);
        feed(instrumentation(), run);

        Attributes a = span("stage:local1").getAttributes();
        assertThat(a.get(AttributeKey.stringKey("voidbox.backend"))).isEqualTo("local");
        assertThat(a.get(AttributeKey.stringKey("voidbox.accel"))).isNull();
        assertThat(a.get(AttributeKey.booleanKey("voidbox.restored"))).isNull();
    }

    @Test
    void toolSpanCarriesExecuteToolAttributes() {
        feed(instrumentation(), SyntheticRun.sequentialTwoTools("r1", "review", "analyst"));

        OpenTelemetryAssertions.assertThat(span("claude.tool.Bash"))
                .hasAttributesSatisfyingExactly(
                        equalTo(AttributeKey.stringKey("gen_ai.operation.name"), "execute_tool"),
                        equalTo(AttributeKey.stringKey("gen_ai.tool.name"), "Bash"),
                        equalTo(AttributeKey.stringKey("gen_ai.tool.call.id"), "toolu_1"),
                        equalTo(AttributeKey.stringKey("tool.name"), "Bash"),
                        equalTo(AttributeKey.stringKey("tool.use_id"), "toolu_1"),
                        equalTo(AttributeKey.stringKey("tool.input"), "{\"command\":\"ls\"}"),
                        equalTo(AttributeKey.stringKey("tool.output"), "a.txt"));
    }

    @Test
    void truncatedToolTextIsMarked() {
        String big = "x".repeat(5000);
        var run = new SyntheticRun("r1", "p")
                .runStarted("b")
                .stageStarted("b")
                .agentStarted("b")
                .toolCall("b", "Write", "t1", big)
                .toolResult("b", "Write", "t1", big, false)
                .agentResult("b", 1, 1, 0.0, List.of("Write"), 1, false)
                .stageCompleted("b", 1, 1, 0.0, 1, "local", null)
                .runCompleted(1, 1, 0.0);
        feed(instrumentation(), run);

        Attributes a = span("claude.tool.Write").getAttributes();
        assertThat(a.get(AttributeKey.stringKey("tool.input"))).hasSize(2000);
        assertThat(a.get(AttributeKey.stringKey("tool.output"))).hasSize(2000);
        assertThat(a.get(AttributeKey.booleanKey("tool.input.truncated"))).isTrue();
        assertThat(a.get(AttributeKey.booleanKey("tool.output.truncated"))).isTrue();
    }

    @Test
    void overlongTextFromAnEventIsCutEvenWhenNotFlagged() {
        var otel = instrumentation();
        var run = new SyntheticRun("r1", "p").runStarted("b").stageStarted("b").agentStarted("b");
        feed(otel, run);
        otel.onEvent(new RunEvent.AgentToolCall(
                RunEvent.Header.box(run.now(), "r1", "p", "b"), "Bash", "t1", "y".repeat(2500), false, null));
        otel.onClose();

        Attributes a = span("claude.tool.Bash").getAttributes();
        assertThat(a.get(AttributeKey.stringKey("tool.input"))).hasSize(2000);
        assertThat(a.get(AttributeKey.booleanKey("tool.input.truncated"))).isTrue();
    }

    @Test
    void fanOutStagesAreSiblingsUnderThePipelineSpan() {
        var run = new SyntheticRun("r1", "fan")
                .runStarted("a", "b")
                .stageStarted("a")
                .stageStarted("b")
                .agentStarted("a")
                .agentStarted("b")
                .toolCall("a", "Bash", "ta", "{}")
                .toolCall("b", "Grep", "tb", "{}")
                .toolResult("b", "Grep", "tb", "found", false)
                .toolResult("a", "Bash", "ta", "ok", false)
                .agentResult("b", 5, 6, 0.2, List.of("Grep"), 1, false)
                .agentResult("a", 3, 4, 0.1, List.of("Bash"), 1, false)
                .stageCompleted("b", 5, 6, 0.2, 1, "vm", "tcg")
                .stageCompleted("a", 3, 4, 0.1, 1, "vm", "tcg")
                .runCompleted(8, 10, 0.3);
        feed(instrumentation(), run);

        SpanData root = span("pipeline:fan");
        SpanData a = span("stage:a");
        SpanData b = span("stage:b");
        assertThat(a.getParentSpanId()).isEqualTo(root.getSpanId());
        assertThat(b.getParentSpanId()).isEqualTo(root.getSpanId());
        List<SpanData> execs = spans("claude.exec");
        assertThat(execs).extracting(SpanData::getParentSpanId).containsExactlyInAnyOrder(a.getSpanId(), b.getSpanId());
        SpanData execA = execs.stream()
                .filter(s -> s.getParentSpanId().equals(a.getSpanId()))
                .findFirst()
                .orElseThrow();
        SpanData execB = execs.stream()
                .filter(s -> s.getParentSpanId().equals(b.getSpanId()))
                .findFirst()
                .orElseThrow();
        assertThat(span("claude.tool.Bash").getParentSpanId()).isEqualTo(execA.getSpanId());
        assertThat(span("claude.tool.Grep").getParentSpanId()).isEqualTo(execB.getSpanId());
        assertThat(b.getAttributes().get(AttributeKey.stringKey("voidbox.accel")))
                .isEqualTo("tcg");
    }

    @Test
    void subagentToolCallsNestUnderTheSpawningTaskSpan() {
        var run = new SyntheticRun("r1", "p")
                .runStarted("b")
                .stageStarted("b")
                .agentStarted("b")
                .toolCall("b", "Task", "task1", "{\"prompt\":\"dig\"}")
                .toolCall("b", "Bash", "sub1", "{\"command\":\"pwd\"}", "task1")
                .toolResult("b", "Bash", "sub1", "/", false)
                .toolCall("b", "Agent", "agent1", "{}")
                .toolCall("b", "Read", "sub2", "{}", "agent1")
                .toolResult("b", "Read", "sub2", "x", false)
                .toolResult("b", "Agent", "agent1", "done", false)
                .toolResult("b", "Task", "task1", "done", false)
                .agentResult("b", 1, 1, 0.0, List.of("Task", "Bash", "Agent", "Read"), 4, false)
                .stageCompleted("b", 1, 1, 0.0, 4, "vm", "kvm")
                .runCompleted(1, 1, 0.0);
        feed(instrumentation(), run);

        SpanData exec = span("claude.exec");
        SpanData task = span("claude.tool.Task");
        SpanData agent = span("claude.tool.Agent");
        assertThat(task.getParentSpanId()).isEqualTo(exec.getSpanId());
        assertThat(agent.getParentSpanId()).isEqualTo(exec.getSpanId());
        assertThat(span("claude.tool.Bash").getParentSpanId()).isEqualTo(task.getSpanId());
        assertThat(span("claude.tool.Read").getParentSpanId()).isEqualTo(agent.getSpanId());
        assertThat(span("claude.tool.Bash").getAttributes().get(AttributeKey.stringKey("tool.parent_use_id")))
                .isEqualTo("task1");
    }

    @Test
    void toolErrorSetsErrorStatusOnlyOnThatTool() {
        var run = new SyntheticRun("r1", "p")
                .runStarted("b")
                .stageStarted("b")
                .agentStarted("b")
                .toolCall("b", "Bash", "t1", "{\"command\":\"false\"}")
                .toolResult("b", "Bash", "t1", "exit 1", true)
                .agentResult("b", 1, 1, 0.0, List.of("Bash"), 1, false)
                .stageCompleted("b", 1, 1, 0.0, 1, "vm", "kvm")
                .runCompleted(1, 1, 0.0);
        feed(instrumentation(), run);

        SpanData bash = span("claude.tool.Bash");
        assertThat(bash.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        assertThat(bash.getAttributes().get(AttributeKey.stringKey("error.type")))
                .isEqualTo("tool_error");
        assertThat(span("claude.exec").getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
        assertThat(span("stage:b").getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
    }

    @Test
    void failedStageEndsOpenChildrenAndCarriesErrorType() {
        var run = new SyntheticRun("r1", "p")
                .runStarted("b")
                .stageStarted("b")
                .agentStarted("b")
                .toolCall("b", "Bash", "t1", "{}")
                .stageFailed("b", new Failure.AgentCrashed("box crashed", 139, "SIGSEGV", List.of()), "vm", "kvm")
                .runFailed("stage b failed", new Failure.AgentCrashed("box crashed", 139, "SIGSEGV", List.of()));
        feed(instrumentation(), run);

        SpanData stage = span("stage:b");
        assertThat(stage.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        assertThat(stage.getStatus().getDescription()).isEqualTo("box crashed");
        assertThat(stage.getAttributes().get(AttributeKey.stringKey("error.type")))
                .isEqualTo("agent_crashed");
        assertThat(stage.getEndEpochNanos()).isEqualTo(nanos(SyntheticRun.at(4)));
        assertThat(span("claude.exec").getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        assertThat(span("claude.exec").getEndEpochNanos()).isEqualTo(nanos(SyntheticRun.at(4)));
        assertThat(span("claude.tool.Bash").getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        SpanData root = span("pipeline:p");
        assertThat(root.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        assertThat(root.getStatus().getDescription()).isEqualTo("stage b failed");
        assertThat(root.getAttributes().get(AttributeKey.stringKey("error.type")))
                .as("the run carries the kind of the stage that failed first")
                .isEqualTo("agent_crashed");
    }

    @Test
    void agentErrorMarksExecSpan() {
        var run = new SyntheticRun("r1", "p")
                .runStarted("b")
                .stageStarted("b")
                .agentStarted("b")
                .agentResult("b", 1, 1, 0.0, List.of(), 0, true)
                .stageCompleted("b", 1, 1, 0.0, 0, "vm", "kvm")
                .runCompleted(1, 1, 0.0);
        feed(instrumentation(), run);

        SpanData exec = span("claude.exec");
        assertThat(exec.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        assertThat(exec.getStatus().getDescription()).isEqualTo("agent failed");
        assertThat(exec.getAttributes().get(AttributeKey.stringKey("error.type")))
                .isEqualTo("api_error");
    }

    @Test
    void backgroundSubagentGetsItsOwnSpanFromStartToNotificationWithItsToolsNested() {
        var run = new SyntheticRun("r1", "p")
                .runStarted("b") // 0
                .stageStarted("b") // 1
                .agentStarted("b") // 2
                .toolCall("b", "Agent", "agent1", "{\"run_in_background\":true}") // 3
                .subagentStarted("b", "task1", "agent1") // 4
                .toolResult("b", "Agent", "agent1", "Async agent launched successfully.", false) // 5
                .toolCall("b", "Bash", "sub1", "{}", "agent1") // 6
                .toolResult("b", "Bash", "sub1", "ok", false) // 7
                .subagentCompleted("b", "task1", "agent1", "completed") // 8
                .agentResult("b", 1, 1, 0.0, List.of("Agent", "Bash"), 2, false) // 9
                .stageCompleted("b", 1, 1, 0.0, 2, "local", null)
                .runCompleted(1, 1, 0.0);
        feed(instrumentation(), run);

        SpanData exec = span("claude.exec");
        SpanData subagent = span("claude.subagent");
        assertThat(subagent.getParentSpanId()).isEqualTo(exec.getSpanId());
        assertThat(subagent.getStartEpochNanos()).isEqualTo(nanos(SyntheticRun.at(4)));
        assertThat(subagent.getEndEpochNanos()).isEqualTo(nanos(SyntheticRun.at(8)));
        assertThat(subagent.getAttributes().get(AttributeKey.stringKey("claude.subagent.type")))
                .isEqualTo("general-purpose");
        assertThat(subagent.getAttributes().get(AttributeKey.stringKey("claude.subagent.status")))
                .isEqualTo("completed");
        assertThat(subagent.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
        SpanData bash = span("claude.tool.Bash");
        assertThat(bash.getParentSpanId())
                .as("nested under the subagent, not the launch call")
                .isEqualTo(subagent.getSpanId());
        assertThat(bash.getEndEpochNanos()).isLessThanOrEqualTo(subagent.getEndEpochNanos());
        assertThat(span("claude.tool.Agent").getEndEpochNanos()).isEqualTo(nanos(SyntheticRun.at(5)));
    }

    @Test
    void retriesAndPermissionDenialsAreSpanEventsOfTheExecSpan() {
        var run = new SyntheticRun("r1", "p")
                .runStarted("b") // 0
                .stageStarted("b") // 1
                .agentStarted("b") // 2
                .retry("b", 1, 3, 529, 600) // 3
                .toolCall("b", "Bash", "t1", "{}") // 4
                .permissionDenied("b", "Bash", "t1", "needs approval") // 5
                .toolResult("b", "Bash", "t1", "needs approval", true) // 6
                .agentResult(
                        "b",
                        new Usage(
                                new Usage.Tokens(1, 1, 0, 0), 0.0, 2, 1, List.of("Bash"), SyntheticRun.MODEL, false, 1),
                        null)
                .stageCompleted("b", 1, 1, 0.0, 1, "local", null)
                .runCompleted(1, 1, 0.0);
        feed(instrumentation(), run);

        SpanData exec = span("claude.exec");
        assertThat(exec.getEvents())
                .extracting(EventData::getName)
                .containsExactly("agent.retry", "agent.permission_denied");
        EventData retry = exec.getEvents().getFirst();
        assertThat(retry.getEpochNanos()).isEqualTo(nanos(SyntheticRun.at(3)));
        assertThat(retry.getAttributes().get(AttributeKey.longKey("http.response.status_code")))
                .isEqualTo(529L);
        assertThat(retry.getAttributes().get(AttributeKey.longKey("retry.attempt")))
                .isEqualTo(1L);
        assertThat(retry.getAttributes().get(AttributeKey.longKey("retry.max_retries")))
                .isEqualTo(3L);
        assertThat(retry.getAttributes().get(AttributeKey.longKey("retry.delay_ms")))
                .isEqualTo(600L);
        EventData denial = exec.getEvents().get(1);
        assertThat(denial.getAttributes().get(AttributeKey.stringKey("tool.name")))
                .isEqualTo("Bash");
        assertThat(exec.getAttributes().get(AttributeKey.longKey("claude.permission_denials")))
                .isEqualTo(1L);
        SpanData bash = span("claude.tool.Bash");
        assertThat(bash.getAttributes().get(AttributeKey.stringKey("error.type")))
                .isEqualTo("permission_denied");
        assertThat(bash.getAttributes().get(AttributeKey.booleanKey("tool.permission_denied")))
                .isTrue();
    }

    @Test
    void aToolTheAgentNeverRanIsClosedAsNotRunWithoutError() {
        var run = new SyntheticRun("r1", "p")
                .runStarted("b")
                .stageStarted("b")
                .agentStarted("b")
                .toolCall("b", "Bash", "t1", "{}")
                .toolNotRun("b", "Bash", "t1", "the agent stopped: budget_exceeded")
                .agentResult(
                        "b",
                        new Usage(
                                new Usage.Tokens(1, 1, 0, 0), 0.6, 1, 1, List.of("Bash"), SyntheticRun.MODEL, false, 0),
                        new Failure.BudgetExceeded("Reached maximum budget ($0.5)", 0.5))
                .stageFailed("b", new Failure.BudgetExceeded("Reached maximum budget ($0.5)", 0.5), "local", null)
                .runFailed("stage b failed", new Failure.BudgetExceeded("Reached maximum budget ($0.5)", 0.5));
        feed(instrumentation(), run);

        SpanData bash = span("claude.tool.Bash");
        assertThat(bash.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
        assertThat(bash.getAttributes().get(AttributeKey.stringKey("tool.status")))
                .isEqualTo("not_run");
        assertThat(bash.getEndEpochNanos()).isEqualTo(nanos(SyntheticRun.at(4)));
        for (String name : List.of("claude.exec", "stage:b", "pipeline:p")) {
            assertThat(span(name).getAttributes().get(AttributeKey.stringKey("error.type")))
                    .as(name)
                    .isEqualTo("budget_exceeded");
        }
        OpenTelemetryAssertions.assertThat(metricsByName().get("pipeline.stage.failures"))
                .hasLongSumSatisfying(sum -> sum.isMonotonic()
                        .hasPointsSatisfying(p -> p.hasValue(1)
                                .hasAttributes(Attributes.builder()
                                        .put("stage", "b")
                                        .put("pipeline", "p")
                                        .put("error.type", "budget_exceeded")
                                        .build())));
    }

    @Test
    void spansStillOpenWhenTheRunEndsAreEndedWithError() {
        var run = new SyntheticRun("r1", "p")
                .runStarted("b")
                .stageStarted("b")
                .agentStarted("b")
                .toolCall("b", "Bash", "t1", "{}")
                .runCompleted(0, 0, 0.0);
        feed(instrumentation(), run);

        for (String name : List.of("stage:b", "claude.exec", "claude.tool.Bash")) {
            SpanData s = span(name);
            assertThat(s.getStatus().getStatusCode()).as(name).isEqualTo(StatusCode.ERROR);
            assertThat(s.getStatus().getDescription()).as(name).isEqualTo("run ended");
            assertThat(s.getEndEpochNanos()).as(name).isEqualTo(nanos(SyntheticRun.at(4)));
        }
        assertThat(span("pipeline:p").getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
    }

    @Test
    void closeEndsEverythingStillOpen() {
        var otel = instrumentation();
        feed(otel, new SyntheticRun("r1", "p").runStarted("b").stageStarted("b").agentStarted("b"));
        assertThat(spans.getFinishedSpanItems()).isEmpty();

        otel.onClose();

        assertThat(spans.getFinishedSpanItems())
                .extracting(SpanData::getName)
                .containsExactlyInAnyOrder("pipeline:p", "stage:b", "claude.exec");
        assertThat(spans.getFinishedSpanItems())
                .extracting(s -> s.getStatus().getStatusCode())
                .containsOnly(StatusCode.ERROR);
    }

    @Test
    void pipelineSpanIsChildOfTheApplicationSpan() {
        Span app = sdk.getTracer("app").spanBuilder("app-request").startSpan();
        OtelRunInstrumentation otel;
        try (Scope ignored = app.makeCurrent()) {
            otel = new OtelRunInstrumentation(sdk);
        }
        feed(otel, SyntheticRun.sequentialTwoTools("r1", "review", "analyst"));
        app.end();

        SpanData root = span("pipeline:review");
        assertThat(root.getParentSpanId()).isEqualTo(app.getSpanContext().getSpanId());
        assertThat(root.getTraceId()).isEqualTo(app.getSpanContext().getTraceId());
        assertThat(span("claude.tool.Bash").getTraceId())
                .isEqualTo(app.getSpanContext().getTraceId());
    }

    @Test
    void explicitParentContextIsUsed() {
        Span app = sdk.getTracer("app").spanBuilder("app-request").startSpan();
        var otel = new OtelRunInstrumentation(sdk, Context.root().with(app));
        feed(otel, SyntheticRun.sequentialTwoTools("r1", "review", "analyst"));
        app.end();

        assertThat(span("pipeline:review").getParentSpanId())
                .isEqualTo(app.getSpanContext().getSpanId());
    }

    @Test
    void codexRunsUseCodexSpanNames() {
        var run = new SyntheticRun("r1", "p")
                .runStarted("b")
                .stageStarted("b")
                .agentStarted("b", "codex", "openai")
                .toolCall("b", "command_execution", "c1", "ls")
                .toolResult("b", "command_execution", "c1", "ok", false)
                .stageCompleted("b", 1, 1, 0.0, 1, "local", null)
                .runCompleted(1, 1, 0.0);
        feed(instrumentation(), run);

        assertThat(spans.getFinishedSpanItems())
                .extracting(SpanData::getName)
                .containsExactlyInAnyOrder("pipeline:p", "stage:b", "codex.exec", "codex.tool.command_execution");
        assertThat(span("codex.exec").getAttributes().get(AttributeKey.stringKey("gen_ai.system")))
                .isEqualTo("openai");
        assertThat(span("codex.tool.command_execution").getParentSpanId())
                .isEqualTo(span("codex.exec").getSpanId());
    }

    @Test
    void stageEnvironmentCarriesTheStageSpanAsTraceparent() {
        var otel = instrumentation();
        var run = new SyntheticRun("r1", "p").runStarted("b").stageStarted("b");
        feed(otel, run);

        Map<String, String> env = otel.stageEnvironment("r1", "b");
        Span stage = Span.fromContext(otel.stageContext("r1", "b").orElseThrow());
        assertThat(env).containsOnlyKeys("TRACEPARENT");
        assertThat(env.get("TRACEPARENT"))
                .isEqualTo("00-" + stage.getSpanContext().getTraceId() + "-"
                        + stage.getSpanContext().getSpanId() + "-"
                        + stage.getSpanContext().getTraceFlags().asHex());
        assertThat(stage.getSpanContext().isSampled()).isTrue();
        assertThat(otel.traceparent("r1", "b")).contains(env.get("TRACEPARENT"));

        otel.onClose();
        assertThat(span("stage:b").getSpanId()).isEqualTo(stage.getSpanContext().getSpanId());
    }

    @Test
    void startingAStageOpensItsSpanAndHandsBackTheTraceparentAtOnce() {
        var otel = instrumentation();
        var run = new SyntheticRun("r1", "p").runStarted("b").stageStarted("b");
        otel.onEvent(run.events().get(0));

        Map<String, String> env =
                otel.stageStarted((RunEvent.StageStarted) run.events().get(1));
        otel.onEvent(run.events().get(1)); // the same event delivered by the bus afterwards: no second span

        assertThat(env.get("TRACEPARENT")).isEqualTo(otel.traceparent("r1", "b").orElseThrow());
        otel.onClose();
        assertThat(spans.getFinishedSpanItems()).extracting(SpanData::getName).containsOnlyOnce("stage:b");
    }

    @Test
    void unknownStageGivesNoTraceparent() {
        var otel = instrumentation();
        assertThat(otel.stageEnvironment("nope", "b")).isEmpty();
    }

    @Test
    void noopInstrumentationProducesNoTraceparent() {
        var otel = new OtelRunInstrumentation();
        feed(otel, new SyntheticRun("r1", "p").runStarted("b").stageStarted("b"));
        assertThat(otel.stageEnvironment("r1", "b")).isEmpty();
        otel.close();
    }

    // ------------------------------------------------------------------ metrics

    private Map<String, MetricData> metricsByName() {
        return metrics.collectAllMetrics().stream().collect(Collectors.toMap(MetricData::getName, m -> m));
    }

    @Test
    void stageCountersCarryStageAndPipelineAttributes() {
        feed(instrumentation(), SyntheticRun.sequentialTwoTools("r1", "review", "analyst"));
        Map<String, MetricData> m = metricsByName();
        Attributes attrs =
                Attributes.of(AttributeKey.stringKey("stage"), "analyst", AttributeKey.stringKey("pipeline"), "review");

        Map<String, Long> expected = Map.of(
                "pipeline.stage.duration_ms",
                4000L,
                "pipeline.stage.input_tokens",
                1200L,
                "pipeline.stage.output_tokens",
                340L,
                "pipeline.stage.tool_calls",
                2L,
                "pipeline.stages",
                1L);
        expected.forEach((name, value) -> OpenTelemetryAssertions.assertThat(m.get(name))
                .as(name)
                .hasLongSumSatisfying(sum -> sum.isMonotonic()
                        .hasPointsSatisfying(p -> p.hasValue(value).hasAttributes(attrs))));
        OpenTelemetryAssertions.assertThat(m.get("pipeline.stage.cost_usd"))
                .hasDoubleSumSatisfying(sum -> sum.isMonotonic()
                        .hasPointsSatisfying(p -> p.hasValue(0.0123).hasAttributes(attrs)));
    }

    @Test
    void genAiHistogramsRecordTokensByTypeAndDurationInSeconds() {
        feed(instrumentation(), SyntheticRun.sequentialTwoTools("r1", "review", "analyst"));
        Map<String, MetricData> m = metricsByName();
        Attributes common = Attributes.builder()
                .put("gen_ai.operation.name", "invoke_agent")
                .put("gen_ai.system", "anthropic")
                .put("gen_ai.request.model", SyntheticRun.MODEL)
                .build();

        OpenTelemetryAssertions.assertThat(m.get("gen_ai.client.token.usage"))
                .hasUnit("{token}")
                .hasHistogramSatisfying(h -> h.hasPointsSatisfying(
                        p -> p.hasSum(1200)
                                .hasCount(1)
                                .hasAttributes(common.toBuilder()
                                        .put("gen_ai.token.type", "input")
                                        .build()),
                        p -> p.hasSum(340)
                                .hasCount(1)
                                .hasAttributes(common.toBuilder()
                                        .put("gen_ai.token.type", "output")
                                        .build())));
        OpenTelemetryAssertions.assertThat(m.get("gen_ai.client.operation.duration"))
                .hasUnit("s")
                .hasHistogramSatisfying(
                        h -> h.hasPointsSatisfying(p -> p.hasSum(2.5).hasAttributes(common)));
    }

    @Test
    void guestGaugesCarryVmStageAndCidAndProcessAttributes() {
        feed(instrumentation(), SyntheticRun.sequentialTwoTools("r1", "review", "analyst"));
        Map<String, MetricData> m = metricsByName();
        Attributes box = Attributes.of(
                AttributeKey.stringKey("vm"),
                "analyst",
                AttributeKey.stringKey("stage"),
                "analyst",
                AttributeKey.stringKey("vm_cid"),
                "3");

        OpenTelemetryAssertions.assertThat(m.get("guest.cpu.utilization"))
                .hasDoubleGaugeSatisfying(
                        g -> g.hasPointsSatisfying(p -> p.hasValue(0.25).hasAttributes(box)));
        OpenTelemetryAssertions.assertThat(m.get("cpu_usage_percent"))
                .hasDoubleGaugeSatisfying(
                        g -> g.hasPointsSatisfying(p -> p.hasValue(25.0).hasAttributes(box)));
        Map<String, Long> longs = Map.of(
                "guest.memory.used_bytes",
                100_000_000L,
                "memory_usage_bytes",
                100_000_000L,
                "guest.memory_total_bytes",
                512_000_000L,
                "guest.procs_running",
                2L,
                "guest.open_fds",
                42L);
        longs.forEach((name, value) -> OpenTelemetryAssertions.assertThat(m.get(name))
                .as(name)
                .hasLongGaugeSatisfying(
                        g -> g.hasPointsSatisfying(p -> p.hasValue(value).hasAttributes(box))));
        Attributes proc = box.toBuilder().put("pid", 42L).put("comm", "claude").build();
        OpenTelemetryAssertions.assertThat(m.get("guest.process.rss_bytes"))
                .hasLongGaugeSatisfying(
                        g -> g.hasPointsSatisfying(p -> p.hasValue(90_000_000L).hasAttributes(proc)));
        OpenTelemetryAssertions.assertThat(m.get("guest.process.cpu_jiffies"))
                .hasLongGaugeSatisfying(
                        g -> g.hasPointsSatisfying(p -> p.hasValue(1234L).hasAttributes(proc)));
    }

    @Test
    void stoppedBoxGaugesAreExportedOnceMoreThenDropped() {
        var otel = instrumentation();
        var run = new SyntheticRun("r1", "p").runStarted("b").stageStarted("b").telemetry("b", "7", 50, 1, 2);
        feed(otel, run);
        assertThat(gaugePoints("guest.open_fds")).hasSize(1); // observed while running
        assertThat(gaugePoints("guest.open_fds")).hasSize(1); // still running: still there

        otel.onEvent(new RunEvent.GuestTelemetry(
                RunEvent.Header.box(run.now(), "r1", "p", "b"), "7", 60, 1, 2, 2, 43, List.of()));
        otel.onEvent(new RunEvent.BoxStopped(RunEvent.Header.box(run.now(), "r1", "p", "b"), "vm", "kvm", "exited"));
        assertThat(gaugePoints("guest.open_fds"))
                .singleElement() // last reading not yet exported: once more
                .satisfies(p -> assertThat(((LongPointData) p).getValue()).isEqualTo(43));
        assertThat(gaugePoints("guest.open_fds")).isEmpty(); // then gone
        otel.close();
    }

    @Test
    void shortLivedBoxStillExportsItsGaugesAtTheNextCollection() {
        var otel = instrumentation();
        feed(
                otel,
                new SyntheticRun("r1", "p")
                        .runStarted("b")
                        .stageStarted("b")
                        .telemetry("b", "7", 50, 1, 2)
                        .boxStopped("b", "vm", "kvm")
                        .stageCompleted("b", 0, 0, 0, 0, "vm", "kvm")
                        .runCompleted(0, 0, 0));
        assertThat(gaugePoints("guest.cpu.utilization")).hasSize(1);
        assertThat(gaugePoints("guest.cpu.utilization")).isEmpty();
        otel.close();
    }

    private Collection<? extends PointData> gaugePoints(String name) {
        return metrics.collectAllMetrics().stream()
                .filter(d -> d.getName().equals(name))
                .flatMap(d -> d.getData().getPoints().stream())
                .toList();
    }

    @Test
    void histogramIgnoresNothingForZeroTokens() {
        var run = new SyntheticRun("r1", "p")
                .runStarted("b")
                .stageStarted("b")
                .agentStarted("b")
                .agentResult("b", 0, 0, 0.0, List.of(), 0, false)
                .runCompleted(0, 0, 0);
        feed(instrumentation(), run);
        MetricData usage = metricsByName().get("gen_ai.client.token.usage");
        assertThat(usage.getHistogramData().getPoints())
                .extracting(HistogramPointData::getCount)
                .containsOnly(1L);
    }
}
