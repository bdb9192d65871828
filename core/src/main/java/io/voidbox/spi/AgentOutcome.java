package io.voidbox.spi;

import java.util.List;
import java.util.Optional;

/** What an agent run produced, with usage taken from the agent's own final report. */
public record AgentOutcome(
        boolean success,
        String resultText,
        String model,
        String sessionId,
        long inputTokens,
        long outputTokens,
        long cacheReadTokens,
        long cacheCreationTokens,
        double costUsd,
        int numTurns,
        long durationMs,
        long durationApiMs,
        int toolCalls,
        List<String> toolsUsed,
        Optional<String> error,
        Optional<String> errorType) {

    public AgentOutcome {
        toolsUsed = List.copyOf(toolsUsed);
    }
}
