package io.voidbox;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The outcome of a run: every stage that ran (in order), totals, and the final output.
 *
 * @param error why the run failed (names the stage that failed first); empty on success
 */
public record PipelineResult(
        String runId,
        String pipeline,
        List<StageResult> stages,
        String finalOutput,
        Duration duration,
        Optional<String> error) {

    public PipelineResult {
        stages = List.copyOf(stages);
    }

    public boolean success() {
        return error.isEmpty();
    }

    /**
     * Why the run failed: the failure of the stage that failed first (not of the fan-out branches
     * it cancelled); empty on success.
     */
    public Optional<Failure> failure() {
        if (success()) return Optional.empty();
        return stages.stream()
                .flatMap(s -> s.failure().stream())
                .filter(f -> !(f instanceof Failure.Cancelled))
                .findFirst()
                .or(() -> stages.stream().flatMap(s -> s.failure().stream()).findFirst());
    }

    /** Everything the run's agents used, summed over its stages. */
    public Usage usage() {
        return stages.stream().map(StageResult::usage).reduce(Usage.NONE, Usage::plus);
    }
}
