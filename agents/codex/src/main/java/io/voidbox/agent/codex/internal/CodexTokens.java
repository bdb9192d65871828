package io.voidbox.agent.codex.internal;

import io.voidbox.Usage;

/**
 * Token counts as {@code turn.completed.usage} reports them. OpenAI counts cached input inside
 * {@code input_tokens} and reasoning inside {@code output_tokens}.
 *
 * @param inputTokens           all input tokens, cached ones included
 * @param cachedInputTokens     input tokens read from the prompt cache
 * @param cacheWriteInputTokens input tokens written to the prompt cache (reported by newer CLIs; 0 otherwise)
 * @param outputTokens          all output tokens, reasoning included
 * @param reasoningOutputTokens output tokens spent on reasoning
 */
record CodexTokens(
        long inputTokens,
        long cachedInputTokens,
        long cacheWriteInputTokens,
        long outputTokens,
        long reasoningOutputTokens) {
    static final CodexTokens NONE = new CodexTokens(0, 0, 0, 0, 0);

    CodexTokens plus(CodexTokens o) {
        return new CodexTokens(
                inputTokens + o.inputTokens,
                cachedInputTokens + o.cachedInputTokens,
                cacheWriteInputTokens + o.cacheWriteInputTokens,
                outputTokens + o.outputTokens,
                reasoningOutputTokens + o.reasoningOutputTokens);
    }

    /** Input tokens neither read from nor written to the cache. */
    long uncachedInputTokens() {
        return Math.max(0, inputTokens - cachedInputTokens - cacheWriteInputTokens);
    }

    /** The runtime's split: uncached input, output, cache read, cache write, as {@link Usage.Tokens} counts them. */
    Usage.Tokens toTokens() {
        return new Usage.Tokens(uncachedInputTokens(), outputTokens, cachedInputTokens, cacheWriteInputTokens);
    }
}
