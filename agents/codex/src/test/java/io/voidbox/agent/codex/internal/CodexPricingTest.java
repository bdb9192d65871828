package io.voidbox.agent.codex.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Codex's cost estimate: the documented table, applied to OpenAI's way of counting tokens. */
class CodexPricingTest {

    /** {@code docs/pricing.md} of the repository, found by walking up from the working directory. */
    private static Path pricingDoc() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isRegularFile(dir.resolve("docs/pricing.md"))) dir = dir.getParent();
        assertThat(dir).as("repository root with docs/pricing.md").isNotNull();
        return dir.resolve("docs/pricing.md");
    }

    @Test
    void theCodeUsesExactlyTheOpenAiRowsOfTheDocumentedTable() throws IOException {
        Map<String, CodexPricing.Price> documented = new LinkedHashMap<>();
        for (String line : Files.readAllLines(pricingDoc())) {
            String[] cells = line.split("\\|");
            if (cells.length < 7 || !cells[1].strip().equals("openai")) continue;
            documented.put(
                    cells[2].strip(),
                    new CodexPricing.Price(
                            Double.parseDouble(cells[3].strip()),
                            Double.parseDouble(cells[4].strip()),
                            Double.parseDouble(cells[5].strip()),
                            Double.parseDouble(cells[6].strip())));
        }

        assertThat(documented).isNotEmpty().containsExactlyEntriesOf(CodexPricing.TABLE);
        assertThat(CodexPricing.TABLE).containsKey(CodexPricing.FALLBACK_MODEL);
    }

    @Test
    void cachedInputIsPricedAsCacheReadAndTakenOutOfTheInput() {
        CodexTokens tokens = new CodexTokens(1_000_000, 400_000, 0, 100_000, 30_000);

        // 600k uncached x 1.25 + 400k cached x 0.125 + 100k output (reasoning included) x 10
        assertThat(CodexPricing.costUsd("gpt-5", tokens)).isCloseTo(0.75 + 0.05 + 1.0, within(1e-9));
        assertThat(tokens.toTokens().inputTokens()).isEqualTo(600_000);
        assertThat(tokens.toTokens().cacheReadTokens()).isEqualTo(400_000);
    }

    @Test
    void snapshotsTakeTheirBaseRowAndUnlistedModelsTheFallback() {
        assertThat(CodexPricing.rowOf("gpt-5-mini-2025-08-07")).contains("gpt-5-mini");
        assertThat(CodexPricing.rowOf("gpt-5.1-codex")).contains("gpt-5.1-codex");
        assertThat(CodexPricing.rowOf("gpt-5.5")).isEmpty();
        assertThat(CodexPricing.priceOf("gpt-5.5")).isEqualTo(CodexPricing.TABLE.get("gpt-5"));
        assertThat(CodexPricing.priceOf(null)).isEqualTo(CodexPricing.TABLE.get("gpt-5"));
    }
}
