package io.voidbox.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.voidbox.observability.testing.OtlpReceiver;
import io.voidbox.observability.testing.OtlpReceiver.ReceivedSpan;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A workflow run (local backend, real processes) exported over real OTLP to a real receiver:
 * {@code workflow:<name>} &gt; {@code step:<step>}, parallel steps as overlapping siblings, the
 * step span's {@code TRACEPARENT} inside the step, failures as span errors.
 */
class OtlpWorkflowEndToEndTest {
    @RegisterExtension
    final OtlpReceiver otlp = new OtlpReceiver();

    @TempDir
    Path tmp;

    private CliRun run(String yaml) throws IOException {
        Map<String, String> env = CliRun.cleanEnv(tmp.resolve("config-home"));
        env.putAll(otlp.environment(OtlpReceiver.Transport.GRPC));
        Path spec = Files.writeString(tmp.resolve("workflow.yaml"), yaml);
        return CliRun.of(env, "run", "--file", spec.toString(), "--output", "json");
    }

    /**
     * A workflow run lasts a fraction of a second, so its spans go out in the final flush, whose
     * export is bounded (2 s) so that it never holds up the command. The first export of a JVM
     * also loads the exporter's classes; on a machine as loaded as a shared CI host that alone
     * can pass the bound (then reported as an export failure on the otel: line). One throw-away
     * run first, so what is asserted is the span tree, not the class loading.
     */
    @BeforeEach
    void warmUpTheExporter() throws IOException {
        run("""
                api_version: v1
                kind: workflow
                name: warm-up
                sandbox: {backend: local}
                workflow: {steps: [{name: warm, run: {program: "true"}}]}
                """);
        otlp.awaitSpans(s -> !s.isEmpty(), Duration.ofSeconds(5));
        otlp.reset();
    }

    @Test
    void aWorkflowIsOneWorkflowSpanWithAStepSpanPerStep() throws IOException {
        CliRun r = run("""
                api_version: v1
                kind: workflow
                name: traced-wf
                sandbox: {backend: local}
                workflow:
                  steps:
                    - name: left
                      run: {program: sh, args: ["-c", "touch left.mark; while [ ! -f right.mark ]; do sleep 0.05; done; echo L"]}
                    - name: right
                      run: {program: sh, args: ["-c", "touch right.mark; while [ ! -f left.mark ]; do sleep 0.05; done; echo R"]}
                    - name: join
                      depends_on: [left, right]
                      run: {program: sh, args: ["-c", "echo TP=$TRACEPARENT"]}
                """);
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(otlp.awaitSpans(s -> s.size() >= 4, Duration.ofSeconds(10))).isTrue();
        List<ReceivedSpan> spans = otlp.spans();
        assertThat(spans)
                .extracting(ReceivedSpan::name)
                .containsExactlyInAnyOrder("workflow:traced-wf", "step:left", "step:right", "step:join");
        ReceivedSpan root = otlp.spans("workflow:traced-wf").getFirst();
        assertThat(root.parentSpanId()).isEmpty();
        assertThat(root.isError()).isFalse();
        assertThat(root.attributes()).containsEntry("voidbox.backend", "local");
        for (String step : List.of("left", "right", "join")) {
            ReceivedSpan s = otlp.spans("step:" + step).getFirst();
            assertThat(s.traceId()).isEqualTo(root.traceId());
            assertThat(s.parentSpanId()).isEqualTo(root.spanId());
            assertThat(s.attributes()).containsEntry("voidbox.box", step).containsEntry("voidbox.backend", "local");
            assertThat(s.startEpochNanos()).isBetween(root.startEpochNanos(), root.endEpochNanos());
            assertThat(s.endEpochNanos()).isBetween(s.startEpochNanos(), root.endEpochNanos());
        }
        ReceivedSpan left = otlp.spans("step:left").getFirst();
        ReceivedSpan right = otlp.spans("step:right").getFirst();
        ReceivedSpan join = otlp.spans("step:join").getFirst();
        // parallel steps overlap; the step after them starts when both have ended
        assertThat(left.startEpochNanos()).isLessThan(right.endEpochNanos());
        assertThat(right.startEpochNanos()).isLessThan(left.endEpochNanos());
        assertThat(join.startEpochNanos())
                .isGreaterThanOrEqualTo(Math.max(left.endEpochNanos(), right.endEpochNanos()));
        // the step span's trace context reaches the step's program
        assertThat(r.out()).containsPattern("TP=00-" + join.traceId() + "-" + join.spanId() + "-0[13]");
    }

    @Test
    void aFailedStepIsAnErrorSpanAndSoIsTheWorkflow() throws IOException {
        CliRun r = run("""
                api_version: v1
                kind: workflow
                name: broken-wf
                sandbox: {backend: local}
                workflow:
                  steps:
                    - {name: boom, run: {program: sh, args: ["-c", "exit 7"]}}
                """);
        assertThat(r.exit()).isEqualTo(1);
        assertThat(otlp.awaitSpans(s -> s.size() >= 2, Duration.ofSeconds(10)))
                .as("%s%nspans: %s", r.err(), otlp.spans())
                .isTrue();
        ReceivedSpan step = otlp.spans("step:boom").getFirst();
        assertThat(step.isError()).isTrue();
        assertThat(step.attributes()).containsEntry("error.type", "exit_code");
        ReceivedSpan root = otlp.spans("workflow:broken-wf").getFirst();
        assertThat(root.isError()).isTrue();
        assertThat(step.parentSpanId()).isEqualTo(root.spanId());
    }
}
