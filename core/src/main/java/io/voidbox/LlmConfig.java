package io.voidbox;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * Which model endpoint a box's agent talks to. Every field may stay empty so the runtime decides
 * (the scripted model when no API key is set); the spec file and the Java API both produce this
 * one shape. The API key itself never appears here: only the name of the environment variable
 * that holds it.
 *
 * @param provider  the model API family; empty: the runtime picks
 * @param model     model name passed to the agent; empty: the agent's default
 * @param baseUrl   API base URL ({@code http}/{@code https}); needed for {@link Provider#CUSTOM}
 * @param apiKeyEnv name of the host environment variable holding the API key (never the key)
 * @param scenario  the scripted-model scenario file ({@link Provider#SCRIPTED})
 * @param credentialProxy true (and empty, the default): the API key stays on the host; the agent
 *                  gets a per-box token and talks to a host-side proxy that adds the key on the
 *                  way to the provider (VoidBox's {@code credential_proxy}); false: the key is
 *                  put into the box's environment (an explicit opt-out, warned about)
 */
public record LlmConfig(
        Optional<Provider> provider,
        Optional<String> model,
        Optional<String> baseUrl,
        Optional<String> apiKeyEnv,
        Optional<Path> scenario,
        Optional<Boolean> credentialProxy) {

    private static final LlmConfig AUTO =
            new LlmConfig(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());

    public LlmConfig {
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(baseUrl, "baseUrl");
        Objects.requireNonNull(apiKeyEnv, "apiKeyEnv");
        Objects.requireNonNull(scenario, "scenario");
        Objects.requireNonNull(credentialProxy, "credentialProxy");
    }

    /** Settings without a {@link #credentialProxy() credential proxy} preference. */
    public LlmConfig(
            Optional<Provider> provider,
            Optional<String> model,
            Optional<String> baseUrl,
            Optional<String> apiKeyEnv,
            Optional<Path> scenario) {
        this(provider, model, baseUrl, apiKeyEnv, scenario, Optional.empty());
    }

    /** Whether the API key is withheld from the box ({@link #credentialProxy()}). */
    public boolean keyStaysOnHost() {
        return credentialProxy.orElse(true);
    }

    /** Nothing specified: the runtime chooses everything. */
    public static LlmConfig auto() {
        return AUTO;
    }

    public static LlmConfig scripted(Path scenario) {
        return new LlmConfig(
                Optional.of(Provider.SCRIPTED),
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                Optional.of(scenario));
    }

    public static LlmConfig anthropic(String model) {
        return new LlmConfig(
                Optional.of(Provider.ANTHROPIC),
                Optional.of(model),
                Optional.empty(),
                Optional.empty(),
                Optional.empty());
    }

    public LlmConfig withModel(String m) {
        return new LlmConfig(provider, Optional.of(m), baseUrl, apiKeyEnv, scenario, credentialProxy);
    }

    /** Field-by-field override: values present in {@code other} win. */
    public LlmConfig overriddenBy(LlmConfig other) {
        return new LlmConfig(
                other.provider.or(() -> provider),
                other.model.or(() -> model),
                other.baseUrl.or(() -> baseUrl),
                other.apiKeyEnv.or(() -> apiKeyEnv),
                other.scenario.or(() -> scenario),
                other.credentialProxy.or(() -> credentialProxy));
    }

    /**
     * Model API families a box can use (VoidBox's providers plus the offline scripted model), each
     * with the endpoint it reaches when {@code llm.base_url} names none.
     */
    public enum Provider implements SpecEnum {
        /** Anthropic's API, as Claude Code calls it by default (key in {@code ANTHROPIC_API_KEY}). */
        CLAUDE(Provider.ANTHROPIC_API),
        /**
         * Claude through the user's own Claude subscription instead of an API key: an OAuth token
         * from {@code claude setup-token} in {@code CLAUDE_CODE_OAUTH_TOKEN}.
         */
        CLAUDE_PERSONAL(Provider.ANTHROPIC_API),
        /** Same endpoint as {@link #CLAUDE}. */
        ANTHROPIC(Provider.ANTHROPIC_API),
        /** A local Ollama server speaking the Anthropic API ({@code OLLAMA_BASE_URL} overrides the default). */
        OLLAMA("http://127.0.0.1:11434"),
        /** A local LM Studio server speaking the Anthropic API ({@code LM_STUDIO_BASE_URL} overrides the default). */
        LMSTUDIO("http://127.0.0.1:1234"),
        /** Any Anthropic-compatible endpoint at {@code baseUrl}, which it needs. */
        CUSTOM(null),
        /** OpenAI's API for the Codex agent (key in {@code OPENAI_API_KEY}); implies the Codex runner. */
        CODEX("https://api.openai.com/v1"),
        /** The offline scripted model replaying a scenario file (the built-in one without), served by the runtime. */
        SCRIPTED(null);

        private static final String ANTHROPIC_API = "https://api.anthropic.com";

        private final String defaultBaseUrl;

        Provider(String defaultBaseUrl) {
            this.defaultBaseUrl = defaultBaseUrl;
        }

        /** The endpoint when {@code llm.base_url} names none; empty for {@link #CUSTOM} and {@link #SCRIPTED}. */
        public Optional<String> defaultBaseUrl() {
            return Optional.ofNullable(defaultBaseUrl);
        }
    }
}
