package io.voidbox.scripted;

/**
 * Token usage the scripted model reports for a turn; the CLI sums it into its {@code result} line,
 * so tests can check token accounting end to end.
 */
public record Usage(long inputTokens, long outputTokens, long cacheReadInputTokens, long cacheCreationInputTokens) {
    /** Small non-zero numbers, used when a turn gives no usage. */
    public static final Usage DEFAULT = new Usage(10, 5, 0, 0);

    public Usage {
        if (inputTokens < 0 || outputTokens < 0 || cacheReadInputTokens < 0 || cacheCreationInputTokens < 0) {
            throw new IllegalArgumentException("token counts must be >= 0");
        }
    }
}
