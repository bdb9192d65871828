package io.voidbox.agent.claude.internal;

import io.voidbox.Usage;

/**
 * One entry of the {@code modelUsage} object of a {@code result} line: what one model (main agent,
 * or e.g. a cheaper model used by subagents) consumed and cost.
 */
public record ModelUsage(
        long inputTokens, long outputTokens, long cacheReadInputTokens, long cacheCreationInputTokens, double costUsd) {

    /** Both entries together (the same model over two stretches of a run). */
    public ModelUsage plus(ModelUsage o) {
        return new ModelUsage(
                inputTokens + o.inputTokens,
                outputTokens + o.outputTokens,
                cacheReadInputTokens + o.cacheReadInputTokens,
                cacheCreationInputTokens + o.cacheCreationInputTokens,
                costUsd + o.costUsd);
    }

    public Usage.Tokens tokens() {
        return new Usage.Tokens(inputTokens, outputTokens, cacheReadInputTokens, cacheCreationInputTokens);
    }
}
