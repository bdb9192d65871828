package io.voidbox;

import java.nio.file.Path;
import java.util.Optional;

/**
 * Which model endpoint a box's agent talks to. {@code provider} is one of {@code claude},
 * {@code anthropic}, {@code ollama}, {@code custom}, {@code scripted}, or empty to let the
 * runtime choose (scripted when no API key is set). The API key itself never appears here: only
 * the name of the environment variable that holds it.
 */
public record LlmConfig(
        Optional<String> provider,
        Optional<String> model,
        Optional<String> baseUrl,
        Optional<String> apiKeyEnv,
        Optional<Path> scenario) {

    public static LlmConfig auto() {
        return new LlmConfig(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
    }

    public static LlmConfig scripted(Path scenario) {
        return new LlmConfig(Optional.of("scripted"), Optional.empty(), Optional.empty(), Optional.empty(), Optional.of(scenario));
    }

    public static LlmConfig anthropic(String model) {
        return new LlmConfig(Optional.of("anthropic"), Optional.of(model), Optional.empty(), Optional.empty(), Optional.empty());
    }

    public LlmConfig withModel(String m) {
        return new LlmConfig(provider, Optional.of(m), baseUrl, apiKeyEnv, scenario);
    }

    /** Field-by-field override: values present in {@code other} win. */
    public LlmConfig overriddenBy(LlmConfig other) {
        return new LlmConfig(
                other.provider.or(() -> provider),
                other.model.or(() -> model),
                other.baseUrl.or(() -> baseUrl),
                other.apiKeyEnv.or(() -> apiKeyEnv),
                other.scenario.or(() -> scenario));
    }
}
