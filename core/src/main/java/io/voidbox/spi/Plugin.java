package io.voidbox.spi;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * A module that brings sandbox backends, agent runners or model endpoints to {@link
 * io.voidbox.VoidBox}. Found with {@link java.util.ServiceLoader}, so putting a module's jar on
 * the class path is all it takes; pieces set explicitly on the builder always win. Keeps the core
 * free of dependencies on its plug-ins.
 */
public interface Plugin {
    /**
     * The agent CLI runner this plug-in offers, for boxes whose runner is its {@link
     * AgentRunner#runner()} (per runner, the first plug-in found is used).
     */
    default Optional<AgentRunner> agentRunner(PluginContext context) {
        return Optional.empty();
    }

    /**
     * The host's Claude Code binary, installed on first use, for sandboxes that run it from the host
     * (the first one found is used). Other agents' runners find their own binaries.
     */
    default Optional<Supplier<Path>> agentExecutable(PluginContext context) {
        return Optional.empty();
    }

    /** Model endpoints for the agent of {@link LlmResolver#runner()} (per runner, the first one found is used). */
    default Optional<LlmResolver> llmResolver(PluginContext context) {
        return Optional.empty();
    }

    /** Sandbox backends (one per {@link SandboxProvider#backend()} name). */
    default List<SandboxProvider> sandboxProviders(PluginContext context) {
        return List.of();
    }
}
