package io.voidbox.spi;

import io.voidbox.Failure;
import io.voidbox.Usage;
import java.util.Optional;

/**
 * What an agent run produced, with usage taken from the agent's own report.
 *
 * @param resultText    the agent's final text (empty when none)
 * @param sessionId     the agent's session or thread id (empty when unknown)
 * @param usage         tokens, cost, turns and tools
 * @param durationMs    the agent's own run time
 * @param durationApiMs time spent waiting for the model API
 * @param failure       why the run failed; empty on success
 */
public record AgentOutcome(
        String resultText,
        String sessionId,
        Usage usage,
        long durationMs,
        long durationApiMs,
        Optional<Failure> failure) {

    public boolean success() {
        return failure.isEmpty();
    }
}
