package io.voidbox.agent.claude.internal;

import io.voidbox.Usage;

/**
 * One entry of the {@code modelUsage} object of a {@code result} line: what one model (main agent,
 * or e.g. a cheaper model used by subagents) consumed and cost.
 */
public record ModelUsage(
        long inputTokens, long outputTokens, long cacheReadInputTokens, long cacheCreationInputTokens, double costUsd) {

    public Usage.Tokens tokens() {
        return new Usage.Tokens(inputTokens, outputTokens, cacheReadInputTokens, cacheCreationInputTokens);
    }
}
