package io.voidbox.agent.claude.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.voidbox.LlmConfig;
import io.voidbox.LlmConfig.Provider;
import io.voidbox.SpecEnum;
import io.voidbox.spi.SandboxEnvironment;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class DefaultLlmResolverTest {
    private static final SandboxEnvironment LOCAL = new SandboxEnvironment(
            "local", Optional.empty(), "/tmp/ws", "127.0.0.1", "/bin/claude", "/tmp/home", Optional.empty());
    private static final SandboxEnvironment VM = new SandboxEnvironment(
            "vm", Optional.of("tcg"), "/workspace", "10.0.2.2", "/usr/bin/claude", "/home/agent", Optional.of("6.1.0"));

    private final List<String> notices = new ArrayList<>();

    @Test
    void withoutAnApiKeyTheScriptedModelIsChosenAndSaidOnce() {
        try (var r = new DefaultLlmResolver(Map.of(), notices::add)) {
            var a = r.resolve("a", LlmConfig.auto(), LOCAL);
            var b = r.resolve("b", LlmConfig.auto(), VM);
            assertThat(a.provider()).isEqualTo("scripted");
            // the scripted model too is reached through the credential proxy, with a token of the box's own
            assertThat(a.env().get("ANTHROPIC_BASE_URL"))
                    .startsWith("http://127.0.0.1:")
                    .contains("/k/");
            assertThat(b.env().get("ANTHROPIC_BASE_URL")).startsWith("http://10.0.2.2:");
            assertThat(a.env().get("ANTHROPIC_API_KEY")).startsWith("vbx-proxy-");
            assertThat(r.counted(a)).isPresent();
            assertThat(notices).hasSize(1).first().asString().contains("offline scripted model");
        }
    }

    @Test
    void anApiKeyInTheEnvironmentSelectsAnthropicAndIsNeverPrinted() {
        try (var r = new DefaultLlmResolver(Map.of("ANTHROPIC_API_KEY", "sk-ant-secret"), notices::add)) {
            var res = r.resolve("a", LlmConfig.auto(), LOCAL);
            assertThat(res.provider()).isEqualTo("anthropic");
            assertThat(res.env().values()).noneMatch(v -> v.contains("sk-ant-secret"));
            assertThat(res.env().get("ANTHROPIC_BASE_URL")).startsWith("http://127.0.0.1:");
            assertThat(res.toString()).doesNotContain("sk-ant-secret");
            // the key and the box's token are known secrets (redacted from events)
            assertThat(r.secrets()).contains("sk-ant-secret", res.env().get("ANTHROPIC_API_KEY"));
            assertThat(notices).isEmpty();
        }
    }

    @Test
    void credentialProxyFalseIsAnExplicitOptOutThatPutsTheKeyIntoTheBoxWithAWarning() {
        try (var r = new DefaultLlmResolver(Map.of("ANTHROPIC_API_KEY", "sk-ant-secret"), notices::add)) {
            var res = r.resolve("a", optOut(LlmConfig.auto()), LOCAL);
            assertThat(res.env()).containsEntry("ANTHROPIC_API_KEY", "sk-ant-secret");
            assertThat(res.env()).doesNotContainKey("ANTHROPIC_BASE_URL");
            assertThat(r.counted(res)).isEmpty();
            assertThat(r.secrets()).contains("sk-ant-secret");
            assertThat(notices).singleElement().asString().contains("the API key enters the box");
        }
    }

    private static LlmConfig optOut(LlmConfig c) {
        return new LlmConfig(c.provider(), c.model(), c.baseUrl(), c.apiKeyEnv(), c.scenario(), Optional.of(false));
    }

    @Test
    void apiKeyEnvNamesTheVariableAndAMissingKeyIsAClearError() {
        LlmConfig custom = new LlmConfig(
                Optional.of(Provider.ANTHROPIC),
                Optional.empty(),
                Optional.empty(),
                Optional.of("MY_KEY"),
                Optional.empty());
        try (var r = new DefaultLlmResolver(Map.of("MY_KEY", "k1"), notices::add)) {
            assertThat(r.resolve("a", optOut(custom), LOCAL).env()).containsEntry("ANTHROPIC_API_KEY", "k1");
        }
        try (var r = new DefaultLlmResolver(Map.of(), notices::add)) {
            assertThatThrownBy(() -> r.resolve("a", custom, LOCAL)).hasMessageContaining("MY_KEY");
        }
    }

    @Test
    void ollamaOnTheHostLoopbackIsReachedThroughTheVmGateway() {
        LlmConfig ollama = optOut(new LlmConfig(
                Optional.of(Provider.OLLAMA), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty()));
        try (var r = new DefaultLlmResolver(Map.of("OLLAMA_BASE_URL", "http://localhost:11434"), notices::add)) {
            var proxied = r.resolve(
                    "a",
                    new LlmConfig(
                            Optional.of(Provider.OLLAMA),
                            Optional.empty(),
                            Optional.empty(),
                            Optional.empty(),
                            Optional.empty()),
                    VM);
            assertThat(proxied.env().get("ANTHROPIC_BASE_URL"))
                    .startsWith("http://10.0.2.2:")
                    .contains("/k/");
            var vm = r.resolve("a", ollama, VM);
            assertThat(vm.env()).containsEntry("ANTHROPIC_BASE_URL", "http://10.0.2.2:11434");
            assertThat(vm.model()).isEqualTo(DefaultLlmResolver.DEFAULT_OLLAMA_MODEL);
            assertThat(r.resolve("a", ollama, LOCAL).env())
                    .containsEntry("ANTHROPIC_BASE_URL", "http://localhost:11434");
        }
    }

    @Test
    void customNeedsABaseUrlAndUnknownProvidersAreRejected() {
        try (var r = new DefaultLlmResolver(Map.of(), notices::add)) {
            LlmConfig noUrl = new LlmConfig(
                    Optional.of(Provider.CUSTOM),
                    Optional.empty(),
                    Optional.empty(),
                    Optional.empty(),
                    Optional.empty());
            assertThatThrownBy(() -> r.resolve("box1", noUrl, LOCAL))
                    .hasMessageContaining("box1")
                    .hasMessageContaining("base_url");
            // an unknown provider cannot reach the resolver: it is refused where the text becomes a Provider
            assertThatThrownBy(() -> SpecEnum.parse("llm.provider", "bogus", Provider.values()))
                    .hasMessageContaining("unknown llm.provider 'bogus'");
        }
    }

    /** A provider reached directly (credential_proxy: false), to see its address as the box would use it. */
    private static LlmConfig provider(Provider p, String model, String baseUrl) {
        return new LlmConfig(
                Optional.of(p),
                Optional.ofNullable(model),
                Optional.ofNullable(baseUrl),
                Optional.empty(),
                Optional.empty(),
                Optional.of(false));
    }

    @Test
    void lmStudioServesTheAnthropicApiOnItsDefaultPortReachedThroughTheVmGateway() {
        try (var r = new DefaultLlmResolver(Map.of(), notices::add)) {
            var vm = r.resolve("a", provider(Provider.LMSTUDIO, "qwen2.5-coder-7b-instruct", null), VM);
            assertThat(vm.provider()).isEqualTo("lmstudio");
            assertThat(vm.model()).isEqualTo("qwen2.5-coder-7b-instruct");
            assertThat(vm.env())
                    .containsEntry("ANTHROPIC_BASE_URL", "http://10.0.2.2:1234")
                    .containsEntry("ANTHROPIC_API_KEY", "lm-studio");
            assertThat(r.resolve("a", provider(Provider.LMSTUDIO, "m", "http://studio:5678"), LOCAL)
                            .env())
                    .containsEntry("ANTHROPIC_BASE_URL", "http://studio:5678");
            assertThatThrownBy(() -> r.resolve("box7", provider(Provider.LMSTUDIO, null, null), LOCAL))
                    .hasMessageContaining("box7")
                    .hasMessageContaining("lmstudio needs llm.model");
        }
        try (var r = new DefaultLlmResolver(Map.of("LM_STUDIO_BASE_URL", "http://127.0.0.1:4321"), notices::add)) {
            assertThat(r.resolve("a", provider(Provider.LMSTUDIO, "m", null), VM)
                            .env())
                    .containsEntry("ANTHROPIC_BASE_URL", "http://10.0.2.2:4321");
        }
    }

    @Test
    void claudePersonalGetsAProxyTokenInPlaceOfTheSubscriptionTokenWhichStaysOnTheHost() {
        LlmConfig personal = new LlmConfig(
                Optional.of(Provider.CLAUDE_PERSONAL),
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                Optional.empty());
        try (var r = new DefaultLlmResolver(
                Map.of("CLAUDE_CODE_OAUTH_TOKEN", "sk-ant-oat-secret", "ANTHROPIC_API_KEY", "sk-ant-key"),
                notices::add)) {
            var res = r.resolve("a", personal, VM);
            assertThat(res.provider()).isEqualTo("claude-personal");
            assertThat(res.env().values()).noneMatch(v -> v.contains("secret") || v.contains("sk-ant-key"));
            assertThat(res.env().get("CLAUDE_CODE_OAUTH_TOKEN")).startsWith("vbx-proxy-");
            assertThat(res.env().get("ANTHROPIC_BASE_URL"))
                    .startsWith("http://10.0.2.2:")
                    .contains("/k/");
            assertThat(res.env()).doesNotContainKey("ANTHROPIC_API_KEY");
            assertThat(r.counted(res)).isPresent();
            // both the real token and the box's are redacted from events
            assertThat(r.secrets()).contains("sk-ant-oat-secret", res.env().get("CLAUDE_CODE_OAUTH_TOKEN"));
            assertThat(notices).isEmpty();
        }
    }

    @Test
    void claudePersonalOptedOutOfTheProxyPutsTheSubscriptionTokenIntoTheBoxWithAWarning() {
        try (var r = new DefaultLlmResolver(
                Map.of("CLAUDE_CODE_OAUTH_TOKEN", "sk-ant-oat-secret", "ANTHROPIC_API_KEY", "sk-ant-key"),
                notices::add)) {
            var res = r.resolve("a", provider(Provider.CLAUDE_PERSONAL, null, null), LOCAL);
            assertThat(res.provider()).isEqualTo("claude-personal");
            assertThat(res.env())
                    .containsEntry("CLAUDE_CODE_OAUTH_TOKEN", "sk-ant-oat-secret")
                    .doesNotContainKey("ANTHROPIC_API_KEY");
            assertThat(res.toString()).doesNotContain("secret");
            assertThat(notices)
                    .singleElement()
                    .asString()
                    .contains("box a: llm.credential_proxy: false: the subscription token enters the box");
        }
        try (var r = new DefaultLlmResolver(Map.of(), notices::add)) {
            assertThatThrownBy(() -> r.resolve("a", provider(Provider.CLAUDE_PERSONAL, null, null), LOCAL))
                    .hasMessageContaining("CLAUDE_CODE_OAUTH_TOKEN")
                    .hasMessageContaining("claude setup-token");
        }
    }

    @Test
    void codexIsNotAClaudeCodeEndpointAndSaysWhichRunnerTakesIt() {
        // a Codex box resolves its endpoint with the Codex plug-in (CodexLlmResolverTest); here it is refused clearly
        try (var r = new DefaultLlmResolver(Map.of("OPENAI_API_KEY", "sk-openai"), notices::add)) {
            assertThatThrownBy(() -> r.resolve("a", provider(Provider.CODEX, null, null), LOCAL))
                    .hasMessageContaining("llm.provider codex")
                    .hasMessageContaining("runner: codex");
        }
    }
}
