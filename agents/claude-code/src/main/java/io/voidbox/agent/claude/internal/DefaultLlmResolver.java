package io.voidbox.agent.claude.internal;

import io.voidbox.LlmConfig;
import io.voidbox.LlmConfig.Provider;
import io.voidbox.scripted.Scenario;
import io.voidbox.scripted.ScriptedModelServer;
import io.voidbox.spi.LlmResolver;
import io.voidbox.spi.SandboxEnvironment;
import io.voidbox.spi.support.ApiKeys;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * Maps {@link LlmConfig} to what the Claude Code CLI needs ({@code ANTHROPIC_BASE_URL},
 * {@code ANTHROPIC_API_KEY} or {@code CLAUDE_CODE_OAUTH_TOKEN}, model). Starts the scripted model
 * server on first use; a box without a scenario gets its built-in default answer, which names the
 * box and the size of its input ({@code {{box}}}, {@code {{input_bytes}}}). Keys are read from the
 * environment by variable name and only ever placed into the agent's environment.
 */
public final class DefaultLlmResolver implements LlmResolver {
    static final String DEFAULT_MODEL = "claude-sonnet-4-5";
    static final String DEFAULT_OLLAMA_MODEL = "qwen3-coder";
    static final String DEFAULT_LMSTUDIO_URL = "http://127.0.0.1:1234";
    static final String ANTHROPIC_API = "https://api.anthropic.com";
    private static final String PROXY_ROUTE = "proxy:";

    private final Map<String, String> environment;
    private final Consumer<String> notice;
    private final AtomicBoolean noticed = new AtomicBoolean();
    private ScriptedModelServer server;
    private CredentialProxy proxy;

    public DefaultLlmResolver(Map<String, String> environment, Consumer<String> notice) {
        this.environment = Map.copyOf(environment);
        this.notice = notice;
    }

    @Override
    public Resolved resolve(String box, LlmConfig llm, SandboxEnvironment sandbox) {
        return resolve(box, llm, sandbox, "");
    }

    @Override
    public Resolved resolve(String box, LlmConfig llm, SandboxEnvironment sandbox, String input) {
        String keyVar = llm.apiKeyEnv().orElse("ANTHROPIC_API_KEY");
        Provider provider = llm.provider().orElseGet(() -> {
            if (ApiKeys.find(environment, keyVar).isPresent()) return Provider.ANTHROPIC;
            if (noticed.compareAndSet(false, true))
                notice.accept("no " + keyVar
                        + " set: using the offline scripted model (set it, or llm.provider, for a real model)");
            return Provider.SCRIPTED;
        });
        Map<String, String> env = new HashMap<>();
        String route = null;
        String model = switch (provider) {
            case SCRIPTED -> {
                Scenario scenario = llm.scenario().map(Scenario::read).orElseGet(Scenario::builtIn);
                ScriptedModelServer s = server();
                route = s.register(
                        scenario,
                        Map.of(
                                "workspace",
                                sandbox.workspace(),
                                "box",
                                box,
                                "input_bytes",
                                String.valueOf(input.getBytes(StandardCharsets.UTF_8).length)));
                env.put("ANTHROPIC_BASE_URL", s.baseUrl(sandbox.hostAddress(), route));
                env.put("ANTHROPIC_API_KEY", "scripted-offline"); // not a secret: the scripted server ignores it
                yield llm.model().orElse(scenario.model() != null ? scenario.model() : DEFAULT_MODEL);
            }
            case CLAUDE, ANTHROPIC -> {
                String key = ApiKeys.require(environment, provider, keyVar);
                if (llm.keyStaysOnHost()) {
                    route = PROXY_ROUTE + proxied(llm.baseUrl().orElse(ANTHROPIC_API), key, sandbox, env);
                } else {
                    env.put("ANTHROPIC_API_KEY", key);
                    llm.baseUrl().ifPresent(u -> env.put("ANTHROPIC_BASE_URL", sandbox.reachable(u)));
                }
                yield llm.model().orElse(DEFAULT_MODEL);
            }
            case CLAUDE_PERSONAL -> {
                // the user's Claude subscription: an OAuth token (`claude setup-token`), never an API key
                String tokenVar = llm.apiKeyEnv().orElse("CLAUDE_CODE_OAUTH_TOKEN");
                String token = environment.get(tokenVar);
                if (token == null || token.isBlank())
                    throw new IllegalArgumentException("llm.provider claude-personal needs a Claude subscription token"
                            + " in the environment variable " + tokenVar + " (create one with `claude setup-token`)");
                env.put("CLAUDE_CODE_OAUTH_TOKEN", token);
                llm.baseUrl().ifPresent(u -> env.put("ANTHROPIC_BASE_URL", sandbox.reachable(u)));
                yield llm.model().orElse(DEFAULT_MODEL);
            }
            case LMSTUDIO -> {
                // LM Studio serves the Anthropic API itself; it wants some key, the value is not checked
                String base = llm.baseUrl()
                        .or(() -> Optional.ofNullable(environment.get("LM_STUDIO_BASE_URL")))
                        .orElse(DEFAULT_LMSTUDIO_URL);
                env.put("ANTHROPIC_BASE_URL", sandbox.reachable(base));
                env.put(
                        "ANTHROPIC_API_KEY",
                        llm.apiKeyEnv().isPresent() ? ApiKeys.require(environment, provider, keyVar) : "lm-studio");
                yield llm.model()
                        .orElseThrow(() -> new IllegalArgumentException("box " + box
                                + ": llm.provider lmstudio needs llm.model (the model's identifier in LM Studio)"));
            }
            case OLLAMA -> {
                String base = llm.baseUrl()
                        .or(() -> Optional.ofNullable(environment.get("OLLAMA_BASE_URL")))
                        .orElse("http://127.0.0.1:11434");
                env.put("ANTHROPIC_BASE_URL", sandbox.reachable(base));
                env.put("ANTHROPIC_API_KEY", "ollama");
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
                if (llm.keyStaysOnHost() && llm.apiKeyEnv().isPresent()) {
                    route = PROXY_ROUTE + proxied(base, ApiKeys.require(environment, provider, keyVar), sandbox, env);
                } else {
                    env.put("ANTHROPIC_BASE_URL", sandbox.reachable(base));
                    env.put(
                            "ANTHROPIC_API_KEY",
                            llm.apiKeyEnv().isPresent() ? ApiKeys.require(environment, provider, keyVar) : "none");
                }
                yield llm.model().orElse(DEFAULT_MODEL);
            }
        };
        return new Resolved(provider.id(), model, env, route);
    }

    /**
     * Routes the agent through the credential proxy: it gets a placeholder key and the proxy's
     * address; the real key stays in this process. Returns the proxy route.
     */
    private String proxied(String upstream, String key, SandboxEnvironment sandbox, Map<String, String> env) {
        CredentialProxy p = proxy();
        String route = p.register(URI.create(upstream), key);
        env.put("ANTHROPIC_BASE_URL", p.baseUrl(sandbox.hostAddress(), route));
        env.put("ANTHROPIC_API_KEY", CredentialProxy.PLACEHOLDER_KEY);
        return route;
    }

    private synchronized CredentialProxy proxy() {
        if (proxy == null) {
            try {
                proxy = CredentialProxy.start();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start the credential proxy: " + e.getMessage(), e);
            }
        }
        return proxy;
    }

    private synchronized ScriptedModelServer server() {
        if (server == null) server = ScriptedModelServer.startOnLoopback();
        return server;
    }

    @Override
    public synchronized void release(Resolved resolved) {
        String route = resolved.routeKey();
        if (route == null) return;
        if (route.startsWith(PROXY_ROUTE)) {
            if (proxy != null) proxy.unregister(route.substring(PROXY_ROUTE.length()));
        } else if (server != null) {
            server.unregister(route);
        }
    }

    @Override
    public synchronized void close() {
        if (server != null) server.close();
        server = null;
        if (proxy != null) proxy.close();
        proxy = null;
    }
}
