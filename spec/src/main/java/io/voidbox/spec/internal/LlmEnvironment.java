package io.voidbox.spec.internal;

import io.voidbox.LlmConfig;
import io.voidbox.LlmConfig.Provider;
import io.voidbox.SpecEnum;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * VoidBox's {@code VOIDBOX_LLM_PROVIDER}, {@code VOIDBOX_LLM_MODEL}, {@code VOIDBOX_LLM_BASE_URL}
 * and {@code VOIDBOX_LLM_API_KEY_ENV}: laid over the spec's top-level {@code llm} field by field,
 * so the same file runs against another model without editing it. A box's own {@code llm} still
 * wins, and {@code sandbox.mode: mock} still means the scripted model. Bad values are spec errors
 * naming the variable.
 */
final class LlmEnvironment {
    static final String PROVIDER = "VOIDBOX_LLM_PROVIDER";
    static final String MODEL = "VOIDBOX_LLM_MODEL";
    static final String BASE_URL = "VOIDBOX_LLM_BASE_URL";
    static final String API_KEY_ENV = "VOIDBOX_LLM_API_KEY_ENV";

    /**
     * @param config the overriding values (absent where the variable is unset or blank)
     * @param fields the {@code llm} field names they stand for
     */
    record Overlay(LlmConfig config, Set<String> fields) {}

    private LlmEnvironment() {}

    static Overlay read(Map<String, String> env, Errors errors) {
        Optional<Provider> provider = get(env, PROVIDER).flatMap(p -> {
            try {
                return Optional.of(SpecEnum.parse("llm.provider", p, Provider.values()));
            } catch (IllegalArgumentException e) {
                List<String> ids = new ArrayList<>();
                for (Provider x : Provider.values()) ids.add(x.id());
                errors.add(
                        PROVIDER,
                        "invalid value '" + p + "' in the environment (expected one of: " + String.join(", ", ids)
                                + ")",
                        Node.Loc.NONE);
                return Optional.empty();
            }
        });
        Optional<String> baseUrl = get(env, BASE_URL).filter(u -> {
            if (SpecResolver.isHttpUrl(u)) return true;
            errors.add(BASE_URL, "must be an absolute http:// or https:// URL (in the environment)", Node.Loc.NONE);
            return false;
        });
        Optional<String> keyEnv = get(env, API_KEY_ENV).filter(k -> {
            if (Fields.ENV_NAME.matcher(k).matches()) return true;
            errors.add(
                    API_KEY_ENV,
                    "must be the name of an environment variable, not the key itself; value not shown",
                    Node.Loc.NONE);
            return false;
        });
        LlmConfig config = new LlmConfig(provider, get(env, MODEL), baseUrl, keyEnv, Optional.empty());
        Set<String> fields = new HashSet<>();
        if (config.provider().isPresent()) fields.add("provider");
        if (config.model().isPresent()) fields.add("model");
        if (config.baseUrl().isPresent()) fields.add("base_url");
        if (config.apiKeyEnv().isPresent()) fields.add("api_key_env");
        return new Overlay(config, Set.copyOf(fields));
    }

    private static Optional<String> get(Map<String, String> env, String name) {
        return Optional.ofNullable(env.get(name)).map(String::strip).filter(v -> !v.isEmpty());
    }
}
