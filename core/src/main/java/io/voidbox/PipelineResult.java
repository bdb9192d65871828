package io.voidbox;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** The outcome of a run: every stage that ran (in order), totals, and the final output. */
public record PipelineResult(
        String runId,
        String pipeline,
        boolean success,
        List<StageResult> stages,
        String finalOutput,
        Duration duration,
        Optional<String> error) {

    public PipelineResult {
        stages = List.copyOf(stages);
    }

    public long inputTokens() { return stages.stream().mapToLong(StageResult::inputTokens).sum(); }

    public long outputTokens() { return stages.stream().mapToLong(StageResult::outputTokens).sum(); }

    public double costUsd() { return stages.stream().mapToDouble(StageResult::costUsd).sum(); }

    public int toolCalls() { return stages.stream().mapToInt(StageResult::toolCalls).sum(); }
}
