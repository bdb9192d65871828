package io.voidbox.spi.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.voidbox.Usage;
import org.junit.jupiter.api.Test;

class ModelPricesTest {
    @Test
    void sonnetEstimateMatchesWhatClaudeCodeReportedForTheSameTokens() {
        // claude_2.1.197_stream_bash.jsonl: total_cost_usd 0.0222 for these tokens
        assertThat(ModelPrices.cost("claude-sonnet-4-5", new Usage.Tokens(1100, 550, 8000, 2200)))
                .isCloseTo(0.0222, within(1e-9));
        // 2.1.332 with --max-budget-usd: 0.6 for 100k in / 20k out
        assertThat(ModelPrices.cost("claude-sonnet-4-5-20250929", new Usage.Tokens(100_000, 20_000, 0, 0)))
                .isCloseTo(0.6, within(1e-9));
    }

    @Test
    void familiesArePricedByTheMostSpecificEntryAndUnknownModelsAtZero() {
        Usage.Tokens million = new Usage.Tokens(1_000_000, 0, 0, 0);
        assertThat(ModelPrices.cost("claude-opus-4-5", million)).isEqualTo(5.0);
        assertThat(ModelPrices.cost("claude-opus-4-1-20250805", million)).isEqualTo(15.0);
        assertThat(ModelPrices.cost("claude-haiku-4-5", million)).isEqualTo(1.0);
        assertThat(ModelPrices.cost("claude-3-5-haiku-latest", million)).isEqualTo(0.8);
        assertThat(ModelPrices.of("qwen3-coder")).isEmpty();
        assertThat(ModelPrices.cost("qwen3-coder", million)).isZero();
    }
}
