package io.voidbox;

import java.time.Duration;
import java.util.Optional;

/**
 * What one box produced. {@code output} is what the next stage receives: the box's output file
 * when it is non-empty, else the agent's final result text.
 *
 * @param box        the box name
 * @param stageIndex position of the box's stage in the pipeline (fan-out boxes share one)
 * @param resultText the agent's final text
 * @param fileOutput content of the box's output file, when declared and present
 * @param usage      tokens, cost, turns and tools of the agent run
 * @param duration   wall time of the whole stage
 * @param backend    where the box ran ({@code vm}, {@code local}, or {@code ?} when it never started)
 * @param accel      {@code kvm}/{@code tcg} for micro-VMs
 * @param failure    why the stage failed; empty on success
 */
public record StageResult(
        String box,
        int stageIndex,
        String resultText,
        Optional<String> fileOutput,
        Usage usage,
        Duration duration,
        String backend,
        Optional<String> accel,
        Optional<Failure> failure) {

    public boolean success() {
        return failure.isEmpty();
    }

    /** The failure's message, if the stage failed. */
    public Optional<String> error() {
        return failure.map(Failure::message);
    }

    public String output() {
        return fileOutput.filter(s -> !s.isBlank()).orElse(resultText);
    }
}
