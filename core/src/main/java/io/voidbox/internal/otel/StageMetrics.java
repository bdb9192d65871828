package io.voidbox.internal.otel;

import static io.opentelemetry.semconv.ErrorAttributes.ERROR_TYPE;
import static io.opentelemetry.semconv.incubating.GenAiIncubatingAttributes.GEN_AI_OPERATION_NAME;
import static io.opentelemetry.semconv.incubating.GenAiIncubatingAttributes.GEN_AI_REQUEST_MODEL;
import static io.opentelemetry.semconv.incubating.GenAiIncubatingAttributes.GEN_AI_TOKEN_TYPE;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.metrics.DoubleCounter;
import io.opentelemetry.api.metrics.DoubleHistogram;
import io.opentelemetry.api.metrics.LongCounter;
import io.opentelemetry.api.metrics.LongHistogram;
import io.opentelemetry.api.metrics.Meter;
import io.voidbox.Failure;
import io.voidbox.Usage;
import io.voidbox.event.RunEvent.AgentResult;
import java.util.List;

/** Per-stage counters and the GenAI client histograms (contract section 3). */
final class StageMetrics {
    // Bucket advice from the GenAI semantic conventions.
    private static final List<Long> TOKEN_BUCKETS = List.of(
            1L, 4L, 16L, 64L, 256L, 1024L, 4096L, 16384L, 65536L, 262144L, 1048576L, 4194304L, 16777216L, 67108864L);
    private static final List<Double> DURATION_BUCKETS =
            List.of(0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92);

    private final LongCounter durationMs;
    private final LongCounter inputTokens;
    private final LongCounter outputTokens;
    private final DoubleCounter costUsd;
    private final LongCounter toolCalls;
    private final LongCounter stages;
    private final LongCounter failures;
    private final LongHistogram tokenUsage;
    private final DoubleHistogram operationDuration;

    StageMetrics(Meter meter) {
        durationMs = counter(meter, "pipeline.stage.duration_ms", "ms", "Wall-clock time of pipeline stages");
        inputTokens = counter(meter, "pipeline.stage.input_tokens", "{token}", "Input tokens used by pipeline stages");
        outputTokens =
                counter(meter, "pipeline.stage.output_tokens", "{token}", "Output tokens produced by pipeline stages");
        costUsd = meter.counterBuilder("pipeline.stage.cost_usd")
                .ofDoubles()
                .setUnit("USD")
                .setDescription("Model cost of pipeline stages")
                .build();
        toolCalls = counter(
                meter, "pipeline.stage.tool_calls", "{call}", "Tool calls made by the agent in pipeline stages");
        stages = counter(meter, "pipeline.stages", "{stage}", "Pipeline stages run");
        failures = counter(
                meter, "pipeline.stage.failures", "{stage}", "Failed pipeline stages, by failure kind (error.type)");
        tokenUsage = meter.histogramBuilder("gen_ai.client.token.usage")
                .ofLongs()
                .setUnit("{token}")
                .setDescription("Tokens used per agent invocation")
                .setExplicitBucketBoundariesAdvice(TOKEN_BUCKETS)
                .build();
        operationDuration = meter.histogramBuilder("gen_ai.client.operation.duration")
                .setUnit("s")
                .setDescription("Duration of agent invocations")
                .setExplicitBucketBoundariesAdvice(DURATION_BUCKETS)
                .build();
    }

    private static LongCounter counter(Meter meter, String name, String unit, String description) {
        return meter.counterBuilder(name)
                .setUnit(unit)
                .setDescription(description)
                .build();
    }

    void stageEnded(String pipeline, String box, long duration, Usage usage, Failure failure) {
        AttributesBuilder b = Attributes.builder().put(Keys.STAGE, box);
        if (pipeline != null) {
            b.put(Keys.PIPELINE, pipeline);
        }
        Attributes attrs = b.build();
        durationMs.add(Math.max(0, duration), attrs);
        inputTokens.add(Math.max(0, usage.inputTokens()), attrs);
        outputTokens.add(Math.max(0, usage.outputTokens()), attrs);
        double cost = usage.costUsd();
        if (cost > 0 && Double.isFinite(cost)) {
            costUsd.add(cost, attrs);
        } else {
            costUsd.add(0, attrs);
        }
        toolCalls.add(Math.max(0, usage.toolCalls()), attrs);
        stages.add(1, attrs);
        if (failure != null) {
            failures.add(1, attrs.toBuilder().put(ERROR_TYPE, failure.type()).build());
        }
    }

    void agentResult(AgentResult r, String system, String requestModel) {
        AttributesBuilder b =
                Attributes.builder().put(GEN_AI_OPERATION_NAME, "invoke_agent").put(Keys.GEN_AI_SYSTEM, system);
        if (requestModel != null) {
            b.put(GEN_AI_REQUEST_MODEL, requestModel);
        }
        Attributes common = b.build();
        if (r.usage().inputTokens() >= 0) {
            tokenUsage.record(
                    r.usage().inputTokens(),
                    common.toBuilder().put(GEN_AI_TOKEN_TYPE, "input").build());
        }
        if (r.usage().outputTokens() >= 0) {
            tokenUsage.record(
                    r.usage().outputTokens(),
                    common.toBuilder().put(GEN_AI_TOKEN_TYPE, "output").build());
        }
        if (r.durationMs() >= 0) {
            Attributes durationAttrs = r.failed()
                    ? common.toBuilder().put(ERROR_TYPE, r.failure().type()).build()
                    : common;
            operationDuration.record(r.durationMs() / 1000.0, durationAttrs);
        }
    }
}
