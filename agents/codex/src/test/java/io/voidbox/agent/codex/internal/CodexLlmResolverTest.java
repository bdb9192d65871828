package io.voidbox.agent.codex.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.voidbox.AgentOptions.Runner;
import io.voidbox.LlmConfig;
import io.voidbox.LlmConfig.Provider;
import io.voidbox.spi.SandboxEnvironment;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** What a Codex box's {@code llm:} becomes: an OpenAI Responses endpoint and the key in OPENAI_API_KEY. */
class CodexLlmResolverTest {
    private static final SandboxEnvironment LOCAL = new SandboxEnvironment(
            "local", Optional.empty(), "/tmp/ws", "127.0.0.1", "/bin/claude", "/tmp/home", Optional.empty());
    private static final SandboxEnvironment VM = new SandboxEnvironment(
            "vm", Optional.of("tcg"), "/workspace", "10.0.2.2", "/usr/bin/claude", "/home/agent", Optional.of("6.1"));

    private final List<String> notices = new ArrayList<>();

    private static LlmConfig llm(Provider provider, String baseUrl, String keyEnv) {
        return new LlmConfig(
                Optional.of(provider),
                Optional.empty(),
                Optional.ofNullable(baseUrl),
                Optional.ofNullable(keyEnv),
                Optional.empty());
    }

    @Test
    void withoutAKeyTheBuiltInScenarioIsServedOverTheResponsesApiAndSaidOnce() {
        try (var r = new CodexLlmResolver(Map.of("ANTHROPIC_API_KEY", "sk-ant"), notices::add)) {
            var local = r.resolve("a", LlmConfig.auto(), LOCAL);
            var vm = r.resolve("b", LlmConfig.auto(), VM);

            assertThat(r.runner()).isEqualTo(Runner.CODEX);
            assertThat(local.provider()).isEqualTo("scripted");
            assertThat(local.model()).isEqualTo("gpt-5.5");
            assertThat(local.routeKey()).isNotBlank();
            // through the credential proxy, whose route leads to the scripted server's Responses API
            assertThat(local.env().get(CodexLlmResolver.BASE_URL_ENV)).matches("http://127\\.0\\.0\\.1:\\d+/k/\\w+");
            assertThat(vm.env().get(CodexLlmResolver.BASE_URL_ENV)).startsWith("http://10.0.2.2:");
            assertThat(local.env().get("OPENAI_API_KEY")).startsWith("vbx-proxy-");
            assertThat(notices).singleElement().asString().contains("no OPENAI_API_KEY set");
        }
    }

    @Test
    void anOpenAiKeySelectsTheCodexProviderAndIsNeverPrinted() {
        try (var r = new CodexLlmResolver(Map.of("OPENAI_API_KEY", "sk-openai-secret"), notices::add)) {
            var res = r.resolve("a", LlmConfig.auto(), VM);

            assertThat(res.provider()).isEqualTo("codex");
            assertThat(res.env().values()).noneMatch(v -> v.contains("sk-openai-secret"));
            assertThat(res.env().get(CodexLlmResolver.BASE_URL_ENV)).startsWith("http://10.0.2.2:");
            assertThat(r.secrets()).contains("sk-openai-secret", res.env().get("OPENAI_API_KEY"));
            assertThat(res.toString()).doesNotContain("sk-openai-secret");
            assertThat(notices).isEmpty();
            // credential_proxy: false is the explicit opt-out: the key enters the box, with a warning
            var direct = r.resolve("b", optOut(LlmConfig.auto()), VM);
            assertThat(direct.env())
                    .containsEntry("OPENAI_API_KEY", "sk-openai-secret")
                    .containsEntry(CodexLlmResolver.BASE_URL_ENV, "https://api.openai.com/v1");
            assertThat(notices).singleElement().asString().contains("the API key enters the box");
        }
    }

    @Test
    void customEndpointsOnTheHostAreReachedThroughTheVmGatewayAndNeedTheirBaseUrl() {
        try (var r = new CodexLlmResolver(Map.of("MY_KEY", "k1"), notices::add)) {
            var res = r.resolve("a", optOut(llm(Provider.CUSTOM, "http://localhost:8000/v1", "MY_KEY")), VM);

            assertThat(res.env())
                    .containsEntry(CodexLlmResolver.BASE_URL_ENV, "http://10.0.2.2:8000/v1")
                    .containsEntry("OPENAI_API_KEY", "k1");
            assertThatThrownBy(() -> r.resolve("b", llm(Provider.CUSTOM, null, null), LOCAL))
                    .hasMessageContaining("box b: llm.provider custom needs llm.base_url");
            assertThatThrownBy(() -> r.resolve("c", llm(Provider.CODEX, null, "MISSING_KEY"), LOCAL))
                    .hasMessageContaining("MISSING_KEY");
        }
    }

    @Test
    void claudeCodesProvidersAreRefusedForCodexBoxes() {
        try (var r = new CodexLlmResolver(Map.of("ANTHROPIC_API_KEY", "k"), notices::add)) {
            for (Provider p : List.of(Provider.ANTHROPIC, Provider.CLAUDE, Provider.OLLAMA))
                assertThatThrownBy(() -> r.resolve("a", llm(p, null, null), LOCAL))
                        .hasMessageContaining("box a runs Codex")
                        .hasMessageContaining("llm.provider " + p.id());
        }
    }

    private static LlmConfig optOut(LlmConfig c) {
        return new LlmConfig(c.provider(), c.model(), c.baseUrl(), c.apiKeyEnv(), c.scenario(), Optional.of(false));
    }
}
