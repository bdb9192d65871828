package io.voidbox.observability;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.context.Context;
import io.voidbox.event.RunEvent;
import io.voidbox.internal.otel.OtelRunInstrumentation;
import io.voidbox.internal.otel.SyntheticRun;
import io.voidbox.observability.testing.OtlpReceiver;
import io.voidbox.observability.testing.OtlpReceiver.ReceivedMetric;
import io.voidbox.observability.testing.OtlpReceiver.ReceivedSpan;
import io.voidbox.observability.testing.OtlpReceiver.Transport;
import io.voidbox.spi.BoxScope;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Runs synthetic event sequences through {@link OtelRunInstrumentation} and {@link OtelSetup} into a real receiver. */
class OtlpExportTest {
    @RegisterExtension
    final OtlpReceiver otlp = new OtlpReceiver();

    private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
    private final PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);

    private String errText() {
        return errBytes.toString(StandardCharsets.UTF_8);
    }

    private static void runThrough(OpenTelemetry otel, SyntheticRun run) {
        var instrumentation = new OtelRunInstrumentation(otel, Context.root());
        for (RunEvent e : run.events()) {
            instrumentation.onEvent(e);
        }
        instrumentation.onClose();
    }

    private static long nanos(Instant t) {
        return TimeUnit.SECONDS.toNanos(t.getEpochSecond()) + t.getNano();
    }

    private ReceivedSpan only(String name) {
        assertThat(otlp.spans(name)).as("received spans named %s", name).hasSize(1);
        return otlp.spans(name).getFirst();
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void exportsTheContractTraceAndMetricsWithMergedHeaders(Transport transport) {
        Map<String, String> env = new HashMap<>(otlp.environment(transport));
        env.put("OTEL_EXPORTER_OTLP_HEADERS", "authorization=Bearer otel-token,x-tenant=from-otel");
        env.put("VOIDBOX_OTLP_HEADERS", "X-Tenant=from-voidbox,x-extra=yes");
        env.put("VOIDBOX_SERVICE_NAME", "svc-test");

        try (OtelSetup setup = OtelSetup.fromEnvironment(env, err)) {
            assertThat(setup.exporting()).isTrue();
            runThrough(setup.openTelemetry(), SyntheticRun.sequentialTwoTools("r1", "review", "analyst"));
            assertThat(setup.flush(Duration.ofSeconds(5))).isTrue();
            assertThat(otlp.awaitSpans(s -> s.size() >= 5, Duration.ofSeconds(5)))
                    .isTrue();
            assertThat(otlp.awaitMetrics(m -> !m.isEmpty(), Duration.ofSeconds(5)))
                    .isTrue();
        }

        // tree
        assertThat(otlp.spans())
                .extracting(ReceivedSpan::name)
                .containsExactlyInAnyOrder(
                        "pipeline:review", "stage:analyst", "claude.exec", "claude.tool.Bash", "claude.tool.Read");
        ReceivedSpan root = only("pipeline:review");
        ReceivedSpan stage = only("stage:analyst");
        ReceivedSpan exec = only("claude.exec");
        assertThat(root.parentSpanId()).isEmpty();
        assertThat(stage.parentSpanId()).isEqualTo(root.spanId());
        assertThat(exec.parentSpanId()).isEqualTo(stage.spanId());
        assertThat(only("claude.tool.Bash").parentSpanId()).isEqualTo(exec.spanId());
        assertThat(only("claude.tool.Read").parentSpanId()).isEqualTo(exec.spanId());
        assertThat(otlp.spans()).extracting(ReceivedSpan::traceId).containsOnly(root.traceId());
        assertThat(root.resource()).containsEntry("service.name", "svc-test");
        assertThat(exec.scope()).isEqualTo(OtelRunInstrumentation.SCOPE);

        // timestamps are the event times
        assertThat(exec.startEpochNanos()).isEqualTo(nanos(SyntheticRun.at(4)));
        assertThat(exec.endEpochNanos()).isEqualTo(nanos(SyntheticRun.at(10)));

        // attribute keys, wire types and values
        assertThat(exec.attributes())
                .containsExactlyInAnyOrderEntriesOf(Map.ofEntries(
                        Map.entry("gen_ai.operation.name", "invoke_agent"),
                        Map.entry("gen_ai.system", "anthropic"),
                        Map.entry("gen_ai.provider.name", "anthropic"),
                        Map.entry("gen_ai.request.model", SyntheticRun.MODEL),
                        Map.entry("gen_ai.response.model", SyntheticRun.MODEL),
                        Map.entry("gen_ai.conversation.id", "session-analyst"),
                        Map.entry("gen_ai.usage.input_tokens", 1200L),
                        Map.entry("gen_ai.usage.output_tokens", 340L),
                        Map.entry("gen_ai.usage.cache_read.input_tokens", 7L),
                        Map.entry("gen_ai.usage.cache_creation.input_tokens", 3L),
                        Map.entry("claude.total_cost_usd", 0.0123),
                        Map.entry("claude.tools_count", 2L),
                        Map.entry("claude.tools_used", "Bash,Read"),
                        Map.entry("claude.num_turns", 4L),
                        Map.entry("claude.duration_ms", 2500L),
                        Map.entry("claude.duration_api_ms", 2000L)));
        assertThat(stage.attributes())
                .containsExactlyInAnyOrderEntriesOf(Map.of(
                        "voidbox.box",
                        "analyst",
                        "voidbox.stage",
                        "analyst",
                        "voidbox.backend",
                        "vm",
                        "voidbox.accel",
                        "kvm",
                        "voidbox.restored",
                        false,
                        "gen_ai.usage.input_tokens",
                        1200L,
                        "gen_ai.usage.output_tokens",
                        340L,
                        "gen_ai.request.model",
                        SyntheticRun.MODEL,
                        "claude.total_cost_usd",
                        0.0123,
                        "claude.tools_count",
                        2L));
        assertThat(only("claude.tool.Bash").attributes())
                .containsExactlyInAnyOrderEntriesOf(Map.of(
                        "gen_ai.operation.name",
                        "execute_tool",
                        "gen_ai.tool.name",
                        "Bash",
                        "gen_ai.tool.call.id",
                        "toolu_1",
                        "tool.name",
                        "Bash",
                        "tool.use_id",
                        "toolu_1",
                        "tool.input",
                        "{\"command\":\"ls\"}",
                        "tool.output",
                        "a.txt"));

        // metrics
        assertStageMetric("pipeline.stage.duration_ms", 4000L);
        assertStageMetric("pipeline.stage.input_tokens", 1200L);
        assertStageMetric("pipeline.stage.output_tokens", 340L);
        assertStageMetric("pipeline.stage.cost_usd", 0.0123);
        assertStageMetric("pipeline.stage.tool_calls", 2L);
        assertStageMetric("pipeline.stages", 1L);
        Map<String, Object> box = Map.of("vm", "analyst", "stage", "analyst", "vm_cid", "3");
        for (String name : List.of(
                "guest.cpu.utilization",
                "cpu_usage_percent",
                "guest.memory.used_bytes",
                "memory_usage_bytes",
                "guest.memory_total_bytes",
                "guest.procs_running",
                "guest.open_fds")) {
            assertThat(lastMetric(name).points())
                    .as(name)
                    .singleElement()
                    .satisfies(p -> assertThat(p.attributes()).isEqualTo(box));
        }
        assertThat(lastMetric("guest.cpu.utilization").points().getFirst().value())
                .isEqualTo(0.25);
        assertThat(lastMetric("guest.memory.used_bytes").points().getFirst().value())
                .isEqualTo(100_000_000L);
        assertThat(lastMetric("guest.process.rss_bytes").points())
                .singleElement()
                .satisfies(p -> {
                    assertThat(p.attributes())
                            .containsEntry("pid", 42L)
                            .containsEntry("comm", "claude")
                            .containsEntry("vm", "analyst");
                    assertThat(p.value()).isEqualTo(90_000_000L);
                });
        assertThat(lastMetric("gen_ai.client.token.usage").histogramPoints())
                .extracting(p -> p.attributes().get("gen_ai.token.type"), OtlpReceiver.HistogramPoint::sum)
                .containsExactlyInAnyOrder(Tuple.tuple("input", 1200.0), Tuple.tuple("output", 340.0));
        assertThat(lastMetric("gen_ai.client.operation.duration").proto().getUnit())
                .isEqualTo("s");

        // headers: every request carried the merged set, VOIDBOX_OTLP_HEADERS winning per key
        assertThat(otlp.requests()).isNotEmpty().allSatisfy(r -> {
            assertThat(r.transport()).isEqualTo(transport);
            assertThat(r.headers())
                    .containsEntry("authorization", "Bearer otel-token")
                    .containsEntry("x-tenant", "from-voidbox")
                    .containsEntry("x-extra", "yes");
        });

        // the summary line, and nothing else (no per-failure noise)
        assertThat(errText().lines().toList())
                .singleElement()
                .asString()
                .startsWith("otel: exported 5 spans, ")
                .contains("metric batches; 0 export failures, 0 dropped (endpoint http://127.0.0.1:");
    }

    private ReceivedMetric lastMetric(String name) {
        List<ReceivedMetric> found = otlp.metrics(name);
        assertThat(found).as("metric %s", name).isNotEmpty();
        return found.getLast();
    }

    private void assertStageMetric(String name, Number value) {
        assertThat(lastMetric(name).points()).as(name).singleElement().satisfies(p -> {
            assertThat(p.attributes()).isEqualTo(Map.of("stage", "analyst", "pipeline", "review"));
            assertThat(p.value()).isEqualTo(value);
        });
    }

    @Test
    void endpointFromOtelVariableAloneIsEnough() {
        try (OtelSetup setup =
                OtelSetup.fromEnvironment(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", otlp.grpcEndpoint()), err)) {
            runThrough(setup.openTelemetry(), SyntheticRun.sequentialTwoTools("r1", "p", "b"));
        }
        assertThat(otlp.spans()).hasSize(5);
        assertThat(otlp.spans().getFirst().resource()).containsEntry("service.name", "void-box");
        assertThat(otlp.requests()).extracting(OtlpReceiver.Request::transport).containsOnly(Transport.GRPC);
    }

    @Test
    void voidboxEndpointAndProtocolWinOverTheOtelOnes() throws IOException {
        int dead = deadPort();
        Map<String, String> env = Map.of(
                "VOIDBOX_OTLP_ENDPOINT",
                otlp.httpEndpoint(),
                "OTEL_EXPORTER_OTLP_ENDPOINT",
                "http://127.0.0.1:" + dead,
                "VOIDBOX_OTLP_PROTOCOL",
                "http/protobuf",
                "OTEL_EXPORTER_OTLP_PROTOCOL",
                "grpc");
        try (OtelSetup setup = OtelSetup.fromEnvironment(env, err)) {
            runThrough(setup.openTelemetry(), SyntheticRun.sequentialTwoTools("r1", "p", "b"));
        }
        assertThat(otlp.spans()).hasSize(5);
        assertThat(otlp.requests()).extracting(OtlpReceiver.Request::transport).containsOnly(Transport.HTTP);
    }

    @Test
    void debugPrintsResolvedConfigWithHeaderNamesButNotValues() {
        Map<String, String> env = new HashMap<>(otlp.environment(Transport.GRPC));
        env.put("OTEL_EXPORTER_OTLP_HEADERS", "authorization=Bearer sup3r-s3cret");
        env.put("VOIDBOX_OTLP_HEADERS", "x-api-key=an0ther-s3cret");
        env.put("VOIDBOX_OTEL_DEBUG", "1");
        try (OtelSetup setup = OtelSetup.fromEnvironment(env, err)) {
            assertThat(setup.exporting()).isTrue();
            assertThat(errText().lines().toList())
                    .singleElement()
                    .asString()
                    .contains(
                            "endpoint=" + otlp.grpcEndpoint(),
                            "protocol=grpc",
                            "service.name=void-box",
                            "headers=[authorization, x-api-key]");
        }
        assertThat(errText()).doesNotContain("sup3r-s3cret").doesNotContain("an0ther-s3cret");
    }

    @Test
    void malformedHeadersPrintOneLineAndExportNothing() {
        Map<String, String> env = new HashMap<>(otlp.environment(Transport.GRPC));
        env.put("VOIDBOX_OTLP_HEADERS", "Authorization: Bearer s3cret");
        try (OtelSetup setup = OtelSetup.fromEnvironment(env, err)) {
            assertThat(setup.exporting()).isFalse();
            runThrough(setup.openTelemetry(), SyntheticRun.sequentialTwoTools("r1", "p", "b"));
        }
        assertThat(errText().lines().toList())
                .containsExactly(
                        "otel: VOIDBOX_OTLP_HEADERS entry 1 is not key=value; continuing without OpenTelemetry export");
        assertThat(otlp.requests()).isEmpty();
    }

    @Test
    void malformedEndpointPrintsOneLineAndTheRunGoesOn() {
        try (OtelSetup setup =
                OtelSetup.fromEnvironment(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "127.0.0.1:4317"), err)) {
            assertThat(setup.exporting()).isFalse();
            assertThat(setup.openTelemetry()).isSameAs(OpenTelemetry.noop());
            runThrough(setup.openTelemetry(), SyntheticRun.sequentialTwoTools("r1", "p", "b"));
        }
        assertThat(errText().lines().toList())
                .singleElement()
                .asString()
                .startsWith("otel: OTEL_EXPORTER_OTLP_ENDPOINT='127.0.0.1:4317' ")
                .endsWith("; continuing without OpenTelemetry export");
    }

    @Test
    void noEndpointBuildsNothingAndConnectsNowhere() {
        long before = exporterThreads();
        try (OtelSetup setup = OtelSetup.fromEnvironment(Map.of("VOIDBOX_OTLP_HEADERS", "a=b"), err)) {
            assertThat(setup.exporting()).isFalse();
            assertThat(setup.openTelemetry()).isSameAs(OpenTelemetry.noop());
            runThrough(setup.openTelemetry(), SyntheticRun.sequentialTwoTools("r1", "p", "b"));
            assertThat(setup.flush(Duration.ofSeconds(1))).isTrue();
            assertThat(exporterThreads()).isEqualTo(before);
            assertThat(setup.stats()).isEqualTo(ExportStats.NONE);
        }
        assertThat(errText()).isEmpty();
        assertThat(otlp.requests()).isEmpty();
    }

    private static long exporterThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().contains("BatchSpanProcessor")
                        || t.getName().contains("PeriodicMetricReader")
                        || t.getName().toLowerCase(Locale.ROOT).contains("okhttp"))
                .count();
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void stoppedCollectorCostsAtMostTheBoundedCloseAndIsReportedOnce(Transport transport) {
        Map<String, String> env = otlp.environment(transport);
        otlp.stop();
        long t0 = System.nanoTime();
        try (OtelSetup setup = OtelSetup.fromEnvironment(env, err)) {
            runThrough(setup.openTelemetry(), SyntheticRun.sequentialTwoTools("r1", "p", "b"));
        }
        long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertThat(tookMs).isLessThan(OtelSetup.CLOSE_TIMEOUT.toMillis() + 1500);
        assertThat(errText().lines().toList())
                .singleElement()
                .asString()
                .startsWith("otel: exported 0 spans, 0 metric batches; ")
                .matches(".*; [1-9]\\d* export failures, 5 dropped \\(endpoint http://127\\.0\\.0\\.1:\\d+, "
                        + (transport == Transport.GRPC ? "grpc" : "http/protobuf") + "\\); first error: .+");
    }

    @Test
    void exporterFailureLogsAreSilencedUnlessDebugging() {
        List<LogRecord> records = new CopyOnWriteArrayList<>();
        Logger exporterLogger = Logger.getLogger("io.opentelemetry.exporter");
        Handler handler = new Handler() {
            @Override
            public void publish(LogRecord r) {
                if (exporterLogger.isLoggable(r.getLevel())) {
                    records.add(r);
                }
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        exporterLogger.addHandler(handler);
        try {
            Map<String, String> env = new HashMap<>(otlp.environment(Transport.GRPC));
            otlp.stop();
            try (OtelSetup setup = OtelSetup.fromEnvironment(env, err)) {
                runThrough(setup.openTelemetry(), SyntheticRun.sequentialTwoTools("r1", "p", "b"));
            }
            assertThat(records).as("exporter log records while not debugging").isEmpty();
            assertThat(exporterLogger.getLevel())
                    .as("level restored after close")
                    .isNull();

            env.put("VOIDBOX_OTEL_DEBUG", "1");
            try (OtelSetup setup = OtelSetup.fromEnvironment(env, err)) {
                runThrough(setup.openTelemetry(), SyntheticRun.sequentialTwoTools("r2", "p", "b"));
            }
            assertThat(records).as("exporter log records while debugging").isNotEmpty();
        } finally {
            exporterLogger.removeHandler(handler);
        }
    }

    @Test
    void slowCollectorCostsAtMostTheBoundedClose() {
        otlp.delay(Duration.ofSeconds(20));
        long t0 = System.nanoTime();
        try (OtelSetup setup = OtelSetup.fromEnvironment(otlp.environment(Transport.GRPC), err)) {
            runThrough(setup.openTelemetry(), SyntheticRun.sequentialTwoTools("r1", "p", "b"));
        }
        long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertThat(tookMs).isLessThan(OtelSetup.CLOSE_TIMEOUT.toMillis() + 1500);
        assertThat(errText().lines().toList())
                .singleElement()
                .asString()
                .startsWith("otel: exported 0 spans, 0 metric batches; ")
                .contains(", 5 dropped");
        otlp.healthy();
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void collectorErrorsAreCountedAsFailures(Transport transport) {
        otlp.failWith(400);
        try (OtelSetup setup = OtelSetup.fromEnvironment(otlp.environment(transport), err)) {
            runThrough(setup.openTelemetry(), SyntheticRun.sequentialTwoTools("r1", "p", "b"));
            setup.flush(Duration.ofSeconds(3));
            ExportStats stats = setup.stats();
            assertThat(stats.exportedSpans()).isZero();
            assertThat(stats.failedSpans()).isEqualTo(5);
            assertThat(stats.exportFailures()).isGreaterThanOrEqualTo(2); // traces and metrics
        }
        assertThat(otlp.requests()).isNotEmpty();
        assertThat(otlp.spans()).isEmpty();
        assertThat(errText()).contains("0 spans").contains(", 5 dropped");
    }

    @Test
    void collectorBackAfterARestartReceivesLaterSpans() throws IOException {
        try (OtelSetup setup = OtelSetup.fromEnvironment(otlp.environment(Transport.GRPC), err)) {
            otlp.stop();
            runThrough(setup.openTelemetry(), SyntheticRun.sequentialTwoTools("r1", "p", "lost"));
            setup.flush(Duration.ofSeconds(3));
            otlp.restart();
            runThrough(setup.openTelemetry(), SyntheticRun.sequentialTwoTools("r2", "p", "kept"));
            assertThat(setup.flush(Duration.ofSeconds(5))).isTrue();
        }
        assertThat(otlp.spans())
                .extracting(ReceivedSpan::name)
                .contains("stage:kept")
                .doesNotContain("stage:lost");
        assertThat(errText()).contains("otel: exported 5 spans").contains("5 dropped");
    }

    @Test
    void refusedConnectionsReachTheCollectorAsTheNetDeniedCounter() {
        try (OtelSetup setup = OtelSetup.fromEnvironment(otlp.environment(Transport.GRPC), err)) {
            var instrumentation = new OtelRunInstrumentation(setup.openTelemetry(), Context.root());
            BoxScope scope = new BoxScope("r1", "p", "box", instrumentation::onEvent);
            scope.netDenied("host", 9999, "tcp", RunEvent.NetDenied.NOT_ALLOWED, 3);
            scope.netDenied("host", 9999, "tcp", RunEvent.NetDenied.NOT_ALLOWED, 1);
            scope.netDenied("evil.example.org", 0, "dns", RunEvent.NetDenied.NOT_ALLOWED, 1);
            instrumentation.onClose();
            assertThat(setup.flush(Duration.ofSeconds(5))).isTrue();
            assertThat(otlp.awaitMetrics(
                            m -> !otlp.metrics("voidbox.net.denied").isEmpty(), Duration.ofSeconds(5)))
                    .isTrue();
        }
        assertThat(lastMetric("voidbox.net.denied").points())
                .extracting(OtlpReceiver.Point::attributes, p -> p.value().longValue())
                .containsExactlyInAnyOrder(
                        Tuple.tuple(
                                Map.of(
                                        "stage", "box",
                                        "pipeline", "p",
                                        "net.protocol", "tcp",
                                        "net.peer.port", 9999L,
                                        "reason", "not_allowed"),
                                4L),
                        Tuple.tuple(
                                Map.of(
                                        "stage", "box",
                                        "pipeline", "p",
                                        "net.protocol", "dns",
                                        "net.peer.port", 0L,
                                        "reason", "not_allowed"),
                                1L));
    }

    @Test
    void zeroSamplerRatioExportsNoSpansButStillMetrics() {
        Map<String, String> env = new HashMap<>(otlp.environment(Transport.GRPC));
        env.put("VOIDBOX_TRACES_SAMPLER_RATIO", "0");
        try (OtelSetup setup = OtelSetup.fromEnvironment(env, err)) {
            runThrough(setup.openTelemetry(), SyntheticRun.sequentialTwoTools("r1", "p", "b"));
            setup.flush(Duration.ofSeconds(3));
        }
        assertThat(otlp.spans()).isEmpty();
        assertThat(otlp.metrics("pipeline.stages")).isNotEmpty();
        assertThat(errText()).startsWith("otel: exported 0 spans, ").contains("0 export failures, 0 dropped");
    }

    @Test
    void traceparentPassedToTheBoxNamesTheExportedStageSpan() {
        try (OtelSetup setup = OtelSetup.fromEnvironment(otlp.environment(Transport.HTTP), err)) {
            var instrumentation = new OtelRunInstrumentation(setup.openTelemetry(), Context.root());
            var run = SyntheticRun.sequentialTwoTools("r1", "p", "b");
            List<RunEvent> events = run.events();
            instrumentation.onEvent(events.get(0));
            instrumentation.onEvent(events.get(1));
            String traceparent = instrumentation.traceparent("r1", "b").orElseThrow();
            events.subList(2, events.size()).forEach(instrumentation::onEvent);
            setup.flush(Duration.ofSeconds(5));

            ReceivedSpan stage = only("stage:b");
            assertThat(traceparent).startsWith("00-" + stage.traceId() + "-" + stage.spanId() + "-");
        }
    }

    private static int deadPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
