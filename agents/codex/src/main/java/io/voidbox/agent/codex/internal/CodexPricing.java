package io.voidbox.agent.codex.internal;

import java.util.LinkedHashMap;
import java.util.Optional;
import java.util.SequencedMap;

/**
 * Estimates what a Codex run cost, since Codex reports tokens but no cost: the OpenAI rows of
 * {@code docs/pricing.md} (a test keeps the two equal). A model missing from the table is priced
 * like {@value #FALLBACK_MODEL}, and every Codex cost is marked estimated.
 */
final class CodexPricing {
    /** The row used for models the table does not list. */
    static final String FALLBACK_MODEL = "gpt-5";

    /**
     * US dollars per million tokens.
     *
     * @param input       uncached input
     * @param cachedInput input read from the prompt cache
     * @param cacheWrite  input written to the prompt cache (OpenAI bills it as input)
     * @param output      output, reasoning included
     */
    record Price(double input, double cachedInput, double cacheWrite, double output) {}

    /** The table, in the order of {@code docs/pricing.md}. */
    static final SequencedMap<String, Price> TABLE = table();

    private CodexPricing() {}

    private static SequencedMap<String, Price> table() {
        SequencedMap<String, Price> t = new LinkedHashMap<>();
        t.put("gpt-5", new Price(1.25, 0.125, 1.25, 10.00));
        t.put("gpt-5-codex", new Price(1.25, 0.125, 1.25, 10.00));
        t.put("gpt-5-mini", new Price(0.25, 0.025, 0.25, 2.00));
        t.put("gpt-5-nano", new Price(0.05, 0.005, 0.05, 0.40));
        t.put("gpt-5.1", new Price(1.25, 0.125, 1.25, 10.00));
        t.put("gpt-5.1-codex", new Price(1.25, 0.125, 1.25, 10.00));
        t.put("gpt-5.1-codex-mini", new Price(0.25, 0.025, 0.25, 2.00));
        t.put("gpt-5.2", new Price(1.75, 0.175, 1.75, 14.00));
        t.put("codex-mini-latest", new Price(1.50, 0.375, 1.50, 6.00));
        t.put("o4-mini", new Price(1.10, 0.275, 1.10, 4.40));
        t.put("gpt-4.1", new Price(2.00, 0.50, 2.00, 8.00));
        return t;
    }

    /** The price of {@code model}: its own row (see {@link #rowOf}), else the fallback's. */
    static Price priceOf(String model) {
        return TABLE.get(rowOf(model).orElse(FALLBACK_MODEL));
    }

    /** The row of {@code model}: its name, or for a dated snapshot ({@code gpt-5-2025-08-07}) its base name. */
    static Optional<String> rowOf(String model) {
        if (model == null) return Optional.empty();
        if (TABLE.containsKey(model)) return Optional.of(model);
        for (String key : TABLE.sequencedKeySet().reversed())
            if (model.startsWith(key + "-20")) return Optional.of(key);
        return Optional.empty();
    }

    static double costUsd(String model, CodexTokens t) {
        Price p = priceOf(model);
        return (t.uncachedInputTokens() * p.input()
                        + t.cachedInputTokens() * p.cachedInput()
                        + t.cacheWriteInputTokens() * p.cacheWrite()
                        + t.outputTokens() * p.output())
                / 1_000_000.0;
    }
}
