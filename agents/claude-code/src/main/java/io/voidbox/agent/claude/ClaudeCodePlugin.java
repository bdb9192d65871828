package io.voidbox.agent.claude;

import io.voidbox.agent.claude.internal.ClaudeCodeRunner;
import io.voidbox.agent.claude.internal.DefaultLlmResolver;
import io.voidbox.spi.AgentRunner;
import io.voidbox.spi.LlmResolver;
import io.voidbox.spi.Plugin;
import io.voidbox.spi.PluginContext;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Supplier;

/** Brings the Claude Code runner, its pinned binary and its model endpoints to the runtime. */
public final class ClaudeCodePlugin implements Plugin {
    @Override
    public Optional<AgentRunner> agentRunner(PluginContext context) {
        return Optional.of(new ClaudeCodeRunner());
    }

    @Override
    public Optional<Supplier<Path>> agentExecutable(PluginContext context) {
        return Optional.of(ClaudeCodeInstaller.defaults().onFirstUse());
    }

    @Override
    public Optional<LlmResolver> llmResolver(PluginContext context) {
        return Optional.of(new DefaultLlmResolver(context.environment(), context.notices()));
    }
}
