package io.voidbox.agent.claude;

/**
 * Token counts of a Claude Code run or of one model within it. Kept as one value so that the
 * choice between {@code result.usage} and the {@code modelUsage} sums is made once, in the parser.
 */
public record TokenUsage(long inputTokens, long outputTokens, long cacheReadInputTokens,
                         long cacheCreationInputTokens) {

    public static final TokenUsage ZERO = new TokenUsage(0, 0, 0, 0);

    public TokenUsage plus(TokenUsage other) {
        return new TokenUsage(inputTokens + other.inputTokens, outputTokens + other.outputTokens,
                cacheReadInputTokens + other.cacheReadInputTokens,
                cacheCreationInputTokens + other.cacheCreationInputTokens);
    }
}
