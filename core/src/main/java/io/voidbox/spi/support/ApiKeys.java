package io.voidbox.spi.support;

import io.voidbox.LlmConfig.Provider;
import java.util.Map;
import java.util.Optional;

/**
 * API keys as every agent's {@link io.voidbox.spi.LlmResolver} reads them from the environment: a
 * blank variable counts as unset, and a provider that needs one names the variable it looked in.
 */
public final class ApiKeys {
    private ApiKeys() {}

    /** The key in {@code variable}, if set and not blank. */
    public static Optional<String> find(Map<String, String> environment, String variable) {
        return Optional.ofNullable(environment.get(variable)).filter(k -> !k.isBlank());
    }

    /** The key in {@code variable}, or an error saying that {@code provider} needs it there. */
    public static String require(Map<String, String> environment, Provider provider, String variable) {
        return find(environment, variable)
                .orElseThrow(() -> new IllegalArgumentException(
                        "llm.provider " + provider.id() + " needs an API key in the environment variable " + variable));
    }
}
