package io.voidbox.agent.codex.internal;

import io.voidbox.AgentOptions.Runner;
import io.voidbox.LlmConfig;
import io.voidbox.LlmConfig.Provider;
import io.voidbox.scripted.Scenario;
import io.voidbox.scripted.ScriptedModelServer;
import io.voidbox.spi.SandboxEnvironment;
import io.voidbox.spi.support.ApiKeys;
import io.voidbox.spi.support.CredentialProxy;
import io.voidbox.spi.support.CredentialProxy.Auth;
import io.voidbox.spi.support.ModelRoutes;
import io.voidbox.spi.support.RoutedLlmResolver;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Maps a Codex box's {@link LlmConfig} to what the Codex CLI needs: an OpenAI Responses endpoint
 * (handed to {@link CodexRunner} as {@value #BASE_URL_ENV}, which it turns into Codex's provider
 * config) and the key in {@value #KEY_ENV}. Providers: {@code scripted} (the default without a key:
 * the scripted model server's Responses API, started on first use), {@code codex} (OpenAI; key from
 * {@code OPENAI_API_KEY} or the variable named by {@code api_key_env}; {@code base_url} optional),
 * {@code custom} (any Responses-compatible {@code base_url}). Keys stay on the host: unless a box
 * opts out ({@code llm.credential_proxy: false}) Codex gets a base URL on the run's
 * {@link CredentialProxy} and a per-box token in {@value #KEY_ENV}, which the proxy replaces by
 * {@code Authorization: Bearer KEY}.
 */
public final class CodexLlmResolver extends RoutedLlmResolver {
    /** The variable Codex reads the key from (its provider config's {@code env_key}). */
    static final String KEY_ENV = "OPENAI_API_KEY";
    /** How the endpoint reaches {@link CodexRunner}; not passed on to Codex. */
    static final String BASE_URL_ENV = "VOIDBOX_CODEX_BASE_URL";

    private final Supplier<ScriptedModelServer> server = onFirstUse(ScriptedModelServer::startOnLoopback);

    public CodexLlmResolver(Map<String, String> environment, Consumer<String> notice) {
        super(environment, notice);
    }

    @Override
    public Runner runner() {
        return Runner.CODEX;
    }

    @Override
    public Resolved resolve(String box, LlmConfig llm, SandboxEnvironment sandbox) {
        String keyVar = llm.apiKeyEnv().orElse(KEY_ENV);
        Provider provider = provider(
                llm,
                keyVar,
                Provider.CODEX,
                "no " + keyVar + " set: Codex boxes use the offline scripted model"
                        + " (set it, or llm.provider, for a real one)");
        Map<String, String> env = new HashMap<>();
        String model = llm.model().orElse(Runner.CODEX.defaultModel());
        String hostBase;
        String key;
        Runnable onRelease = null;
        switch (provider) {
            case SCRIPTED -> {
                Scenario scenario = llm.scenario().map(Scenario::read).orElseGet(CodexLlmResolver::builtIn);
                if (llm.model().isEmpty() && scenario.model() != null) model = scenario.model();
                ScriptedModelServer s = server.get();
                String route = s.register(scenario, Map.of("workspace", sandbox.workspace(), "box", box));
                onRelease = () -> s.unregister(route);
                hostBase = s.baseUrl("127.0.0.1", route) + "/v1";
                key = "scripted-offline"; // not a secret: the scripted server ignores it
                if (!llm.keyStaysOnHost()) hostBase = s.baseUrl(sandbox.hostAddress(), route) + "/v1";
            }
            case CODEX -> {
                hostBase = llm.baseUrl().or(provider::defaultBaseUrl).orElseThrow();
                key = ApiKeys.require(environment, provider, keyVar);
                routes.secret(key);
            }
            case CUSTOM -> {
                hostBase = llm.baseUrl()
                        .orElseThrow(() -> new IllegalArgumentException(
                                "box " + box + ": llm.provider custom needs llm.base_url"));
                key = llm.apiKeyEnv().isPresent() ? ApiKeys.require(environment, provider, keyVar) : "none";
                if (llm.apiKeyEnv().isPresent()) routes.secret(key);
            }
            case CLAUDE, ANTHROPIC, OLLAMA, LMSTUDIO, CLAUDE_PERSONAL ->
                throw new IllegalArgumentException(
                        "box " + box + " runs Codex, which speaks the OpenAI Responses API:" + " llm.provider "
                                + provider.id() + " is for Claude Code boxes (use codex, custom or scripted)");
            default -> throw new IllegalStateException(provider.id());
        }
        String proxyRoute = null;
        if (llm.keyStaysOnHost()) {
            // Codex sends its key as `Authorization: Bearer`: the box holds only its proxy token
            ModelRoutes.Endpoint e = routes.proxied(URI.create(hostBase), Auth.BEARER, key, sandbox.hostAddress());
            proxyRoute = e.proxyRoute();
            env.put(BASE_URL_ENV, e.baseUrl());
            env.put(KEY_ENV, e.token());
        } else {
            if (provider != Provider.SCRIPTED) warnOptedOut(box, "API key");
            env.put(BASE_URL_ENV, provider == Provider.SCRIPTED ? hostBase : sandbox.reachable(hostBase));
            env.put(KEY_ENV, key);
        }
        return new Resolved(provider.id(), model, env, routes.open(proxyRoute, onRelease));
    }

    /** The offline default for Codex boxes without a scenario: look around with Codex's own tools, then answer. */
    static Scenario builtIn() {
        try (InputStream in = CodexLlmResolver.class.getResourceAsStream("default-scenario.yaml")) {
            return Scenario.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), "default-scenario.yaml");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
