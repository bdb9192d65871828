package io.voidbox.agent.codex;

import io.voidbox.agent.codex.internal.CodexLlmResolver;
import io.voidbox.agent.codex.internal.CodexRunner;
import io.voidbox.spi.AgentRunner;
import io.voidbox.spi.LlmResolver;
import io.voidbox.spi.Plugin;
import io.voidbox.spi.PluginContext;
import java.util.Optional;

/**
 * Brings Codex to the runtime as a second agent: the runner for boxes with {@code runner: codex}
 * (the pinned CLI, installed on first use; a VM gets its directory as an agent layer) and their
 * model endpoints.
 */
public final class CodexPlugin implements Plugin {
    @Override
    public Optional<AgentRunner> agentRunner(PluginContext context) {
        return Optional.of(new CodexRunner(CodexInstaller.defaults().onFirstUse()));
    }

    @Override
    public Optional<LlmResolver> llmResolver(PluginContext context) {
        return Optional.of(new CodexLlmResolver(context.environment(), context.notices()));
    }
}
