package io.voidbox.spec;

import java.nio.file.Path;
import java.util.Optional;

/**
 * Which model a box talks to. The spec layer assumes nothing: every field absent in the file stays
 * empty, so the runtime decides (e.g. the scripted model when no API key is available).
 *
 * @param provider  {@code claude | anthropic | ollama | custom | scripted}; empty: runtime picks
 * @param model     model name passed to the agent; empty: the agent's/runtime's default
 * @param baseUrl   API base URL ({@code http}/{@code https}); always present for {@code custom}
 * @param apiKeyEnv name of the host environment variable holding the API key (never the key)
 * @param scenario  absolute path of the scripted-model scenario file; present and an existing
 *                  regular file whenever the provider is {@code scripted}
 */
public record LlmSpec(
        Optional<Provider> provider,
        Optional<String> model,
        Optional<String> baseUrl,
        Optional<String> apiKeyEnv,
        Optional<Path> scenario) {

    /** Nothing specified: the runtime chooses everything. */
    public static final LlmSpec UNSPECIFIED =
            new LlmSpec(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());

    /** Model API families a box can use. */
    public enum Provider {
        CLAUDE("claude"), ANTHROPIC("anthropic"), OLLAMA("ollama"), CUSTOM("custom"), SCRIPTED("scripted");

        private final String id;

        Provider(String id) {
            this.id = id;
        }

        /** The spelling in spec files. */
        public String id() {
            return id;
        }
    }
}
