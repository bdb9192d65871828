package io.voidbox.spi.support;

import io.voidbox.Usage;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * List prices of models, for estimating the cost of a run whose agent never reported one (killed
 * on timeout, crashed, or an agent that reports no cost at all). One table for every agent, kept in
 * step with {@code docs/pricing.md}; a model that is not in it is priced at zero (the estimate then
 * says nothing about cost, and {@link Usage#estimated()} still marks it).
 */
public final class ModelPrices {
    /** Dated the table: prices change, the doc says where they come from. */
    public static final String AS_OF = "2026-11-27";

    /**
     * US dollars per million tokens.
     *
     * @param match       a model is priced by the first entry whose {@code match} its name contains
     * @param input       uncached input
     * @param output      output
     * @param cacheWrite  input written to the prompt cache (5-minute cache)
     * @param cacheRead   input read from the prompt cache
     */
    public record Price(String match, double input, double output, double cacheWrite, double cacheRead) {
        /** Anthropic's usual ratios: cache writes 1.25x input, cache reads 0.1x input. */
        static Price anthropic(String match, double input, double output) {
            return new Price(match, input, output, input * 1.25, input * 0.1);
        }

        /** What {@code tokens} cost at this price. */
        public double cost(Usage.Tokens tokens) {
            return (tokens.inputTokens() * input
                            + tokens.outputTokens() * output
                            + tokens.cacheCreationTokens() * cacheWrite
                            + tokens.cacheReadTokens() * cacheRead)
                    / 1_000_000.0;
        }
    }

    /** Most specific names first. */
    private static final List<Price> TABLE = List.of(
            Price.anthropic("opus-4-5", 5, 25),
            Price.anthropic("opus-4-6", 5, 25),
            Price.anthropic("opus", 15, 75),
            Price.anthropic("sonnet", 3, 15),
            Price.anthropic("haiku-4", 1, 5),
            Price.anthropic("3-5-haiku", 0.8, 4),
            Price.anthropic("haiku", 0.25, 1.25));

    private ModelPrices() {}

    /** The price of {@code model}, empty when the table does not know it. */
    public static Optional<Price> of(String model) {
        if (model == null || model.isBlank()) return Optional.empty();
        String m = model.toLowerCase(Locale.ROOT).replace('.', '-');
        return TABLE.stream().filter(p -> m.contains(p.match())).findFirst();
    }

    /** The estimated cost of {@code tokens} on {@code model}; 0 when the model is unknown. */
    public static double cost(String model, Usage.Tokens tokens) {
        return of(model).map(p -> p.cost(tokens)).orElse(0.0);
    }
}
