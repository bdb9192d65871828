package io.voidbox.agent.claude.internal;

import io.voidbox.AgentOptions.Runner;
import io.voidbox.LlmConfig;
import io.voidbox.LlmConfig.Provider;
import io.voidbox.scripted.Scenario;
import io.voidbox.scripted.ScriptedModelServer;
import io.voidbox.spi.SandboxEnvironment;
import io.voidbox.spi.support.ApiKeys;
import io.voidbox.spi.support.CredentialProxy.Auth;
import io.voidbox.spi.support.ModelRoutes;
import io.voidbox.spi.support.RoutedLlmResolver;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Maps {@link LlmConfig} to what the Claude Code CLI needs ({@code ANTHROPIC_BASE_URL},
 * {@code ANTHROPIC_API_KEY} or {@code CLAUDE_CODE_OAUTH_TOKEN}, model). Starts the scripted model
 * server on first use; a box without a scenario gets its built-in default answer, which names the
 * box and the size of its input ({@code {{box}}}, {@code {{input_bytes}}}).
 *
 * <p>Keys stay on the host: unless a box opts out ({@code llm.credential_proxy: false}), every
 * endpoint (Anthropic, custom, Ollama, LM Studio, the scripted model) is reached through the run's
 * {@link io.voidbox.spi.support.CredentialProxy}: the agent gets a base URL on it and a per-box
 * token as its "API key" (for a Claude subscription, {@code claude-personal}, as its OAuth token),
 * and the proxy adds the real key or token and counts the tokens.
 */
public final class DefaultLlmResolver extends RoutedLlmResolver {
    static final String DEFAULT_OLLAMA_MODEL = "qwen3-coder";
    private static final String DEFAULT_MODEL = Runner.CLAUDE_CODE.defaultModel();

    private final Supplier<ScriptedModelServer> server = onFirstUse(ScriptedModelServer::startOnLoopback);

    public DefaultLlmResolver(Map<String, String> environment, Consumer<String> notice) {
        super(environment, notice);
    }

    @Override
    public Resolved resolve(String box, LlmConfig llm, SandboxEnvironment sandbox) {
        return resolve(box, llm, sandbox, "");
    }

    @Override
    public Resolved resolve(String box, LlmConfig llm, SandboxEnvironment sandbox, String input) {
        String keyVar = llm.apiKeyEnv().orElse("ANTHROPIC_API_KEY");
        Provider provider = provider(
                llm,
                keyVar,
                Provider.ANTHROPIC,
                "no " + keyVar + " set: using the offline scripted model (set it, or llm.provider, for a real model)");
        Endpoints endpoints = new Endpoints(box, llm, sandbox);
        String model = switch (provider) {
            case SCRIPTED -> {
                Scenario scenario = llm.scenario().map(Scenario::read).orElseGet(Scenario::builtIn);
                ScriptedModelServer s = server.get();
                String route = s.register(
                        scenario,
                        Map.of(
                                "workspace",
                                sandbox.workspace(),
                                "box",
                                box,
                                "input_bytes",
                                String.valueOf(input.getBytes(StandardCharsets.UTF_8).length)));
                endpoints.onRelease = () -> s.unregister(route);
                // not a secret: the scripted server ignores it
                endpoints.connect(
                        s.baseUrl(LOOPBACK, route), s.baseUrl(sandbox.hostAddress(), route), "scripted-offline");
                yield llm.model().orElse(scenario.model() != null ? scenario.model() : DEFAULT_MODEL);
            }
            case CLAUDE, ANTHROPIC -> {
                String base = llm.baseUrl().or(provider::defaultBaseUrl).orElseThrow();
                endpoints.connectWithKey(base, ApiKeys.require(environment, provider, keyVar));
                yield llm.model().orElse(DEFAULT_MODEL);
            }
            case CLAUDE_PERSONAL -> {
                // the user's Claude subscription: an OAuth token (`claude setup-token`), never an API key
                String tokenVar = llm.apiKeyEnv().orElse("CLAUDE_CODE_OAUTH_TOKEN");
                String token = environment.get(tokenVar);
                if (token == null || token.isBlank())
                    throw new IllegalArgumentException("llm.provider claude-personal needs a Claude subscription token"
                            + " in the environment variable " + tokenVar + " (create one with `claude setup-token`)");
                endpoints.connectWithOAuthToken(
                        llm.baseUrl().or(provider::defaultBaseUrl).orElseThrow(), token);
                yield llm.model().orElse(DEFAULT_MODEL);
            }
            case LMSTUDIO -> {
                // LM Studio serves the Anthropic API itself; it wants some key, the value is not checked
                String base = llm.baseUrl()
                        .or(() -> Optional.ofNullable(environment.get("LM_STUDIO_BASE_URL")))
                        .or(provider::defaultBaseUrl)
                        .orElseThrow();
                if (llm.apiKeyEnv().isPresent())
                    endpoints.connectWithKey(base, ApiKeys.require(environment, provider, keyVar));
                else endpoints.connect(base, sandbox.reachable(base), "lm-studio");
                yield llm.model()
                        .orElseThrow(() -> new IllegalArgumentException("box " + box
                                + ": llm.provider lmstudio needs llm.model (the model's identifier in LM Studio)"));
            }
            case OLLAMA -> {
                String base = llm.baseUrl()
                        .or(() -> Optional.ofNullable(environment.get("OLLAMA_BASE_URL")))
                        .or(provider::defaultBaseUrl)
                        .orElseThrow();
                endpoints.connect(base, sandbox.reachable(base), "ollama");
                yield llm.model()
                        .or(() -> Optional.ofNullable(environment.get("VOIDBOX_OLLAMA_MODEL")))
                        .orElse(DEFAULT_OLLAMA_MODEL);
            }
            case CODEX ->
                throw new IllegalArgumentException(
                        "box " + box
                                + ": llm.provider codex is the Codex CLI's endpoint; this box runs Claude Code (runner: codex?)");
            case CUSTOM -> {
                String base = llm.baseUrl()
                        .orElseThrow(() -> new IllegalArgumentException(
                                "box " + box + ": llm.provider custom needs llm.base_url"));
                if (llm.apiKeyEnv().isPresent())
                    endpoints.connectWithKey(base, ApiKeys.require(environment, provider, keyVar));
                else endpoints.connect(base, sandbox.reachable(base), "none");
                yield llm.model().orElse(DEFAULT_MODEL);
            }
        };
        return new Resolved(
                provider.id(), model, endpoints.env, routes.open(endpoints.proxyRoute, endpoints.onRelease));
    }

    private static final String LOOPBACK = "127.0.0.1";

    /** One box's endpoint: through the credential proxy unless the box opted out. */
    private final class Endpoints {
        final String box;
        final LlmConfig llm;
        final SandboxEnvironment sandbox;
        final Map<String, String> env = new HashMap<>();
        String proxyRoute;
        Runnable onRelease;

        Endpoints(String box, LlmConfig llm, SandboxEnvironment sandbox) {
            this.box = box;
            this.llm = llm;
            this.sandbox = sandbox;
        }

        /** An endpoint that needs a real key: proxied, or (opted out) the key goes into the box, with a warning. */
        void connectWithKey(String base, String key) {
            routes.secret(key);
            if (!llm.keyStaysOnHost()) warnOptedOut(box, "API key");
            connect(base, sandbox.reachable(base), key);
        }

        /**
         * A Claude subscription: Claude Code sends its OAuth token as {@code Authorization: Bearer}
         * (with its own {@code anthropic-beta: oauth-...} header, which the proxy passes on), so the
         * box gets its route token there and the proxy puts the real token in its place; opted out,
         * the real token enters the box, with a warning.
         */
        void connectWithOAuthToken(String base, String token) {
            routes.secret(token);
            if (llm.keyStaysOnHost()) {
                ModelRoutes.Endpoint e = routes.proxied(URI.create(base), Auth.BEARER, token, sandbox.hostAddress());
                proxyRoute = e.proxyRoute();
                env.put("ANTHROPIC_BASE_URL", e.baseUrl());
                env.put("CLAUDE_CODE_OAUTH_TOKEN", e.token());
                return;
            }
            warnOptedOut(box, "subscription token");
            env.put("CLAUDE_CODE_OAUTH_TOKEN", token);
            llm.baseUrl().ifPresent(u -> env.put("ANTHROPIC_BASE_URL", sandbox.reachable(u)));
        }

        /** {@code hostBase} as the host reaches it, {@code boxBase} as the box would directly. */
        void connect(String hostBase, String boxBase, String key) {
            if (llm.keyStaysOnHost()) {
                ModelRoutes.Endpoint e =
                        routes.proxied(URI.create(hostBase), Auth.X_API_KEY, key, sandbox.hostAddress());
                proxyRoute = e.proxyRoute();
                env.put("ANTHROPIC_BASE_URL", e.baseUrl());
                env.put("ANTHROPIC_API_KEY", e.token());
            } else {
                // Claude Code's own default endpoint needs no variable
                boolean cliDefault = llm.baseUrl().isEmpty()
                        && Provider.ANTHROPIC.defaultBaseUrl().orElseThrow().equals(hostBase);
                if (!cliDefault) env.put("ANTHROPIC_BASE_URL", boxBase);
                env.put("ANTHROPIC_API_KEY", key);
            }
        }
    }
}
