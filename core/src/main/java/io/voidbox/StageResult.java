package io.voidbox;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * What one box produced. {@code output} is what the next stage receives: the box's output file
 * when it is non-empty, else the agent's final result text.
 */
public record StageResult(
        String box,
        int stageIndex,
        boolean success,
        String resultText,
        Optional<String> fileOutput,
        long inputTokens,
        long outputTokens,
        double costUsd,
        Duration duration,
        int toolCalls,
        List<String> toolsUsed,
        String model,
        String backend,
        Optional<String> accel,
        Optional<String> error) {

    public StageResult {
        toolsUsed = List.copyOf(toolsUsed);
    }

    public String output() {
        return fileOutput.filter(s -> !s.isBlank()).orElse(resultText);
    }
}
