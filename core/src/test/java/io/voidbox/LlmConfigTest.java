package io.voidbox;

import static org.assertj.core.api.Assertions.assertThat;

import io.voidbox.AgentOptions.Runner;
import io.voidbox.LlmConfig.Provider;
import org.junit.jupiter.api.Test;

class LlmConfigTest {
    @Test
    void everyProviderButCustomAndScriptedHasADefaultEndpoint() {
        for (Provider p : Provider.values()) {
            if (p == Provider.CUSTOM || p == Provider.SCRIPTED) {
                assertThat(p.defaultBaseUrl()).as(p.id()).isEmpty();
            } else {
                assertThat(p.defaultBaseUrl())
                        .as(p.id())
                        .hasValueSatisfying(u -> assertThat(u).startsWith("http"));
            }
        }
        assertThat(Provider.CLAUDE.defaultBaseUrl()).hasValue("https://api.anthropic.com");
        assertThat(Provider.OLLAMA.defaultBaseUrl()).hasValue("http://127.0.0.1:11434");
    }

    @Test
    void eachRunnerNamesItsAgentAndItsDefaultModel() {
        assertThat(Runner.CLAUDE_CODE.agent()).isEqualTo("claude");
        assertThat(Runner.CLAUDE_CODE.defaultModel()).startsWith("claude-");
        assertThat(Runner.CODEX.agent()).isEqualTo("codex");
        assertThat(Runner.CODEX.defaultModel()).startsWith("gpt-");
    }
}
