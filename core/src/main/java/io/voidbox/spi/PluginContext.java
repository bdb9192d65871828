package io.voidbox.spi;

import java.nio.file.Path;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * What a {@link Plugin} gets to build its pieces.
 *
 * @param environment     where keys and provider settings are read from (may hold secrets)
 * @param notices         one-line notices for the user
 * @param agentExecutable the host's agent binary (resolved lazily; installs on first use)
 */
public record PluginContext(Map<String, String> environment, Consumer<String> notices, Supplier<Path> agentExecutable) {
    public PluginContext {
        environment = Map.copyOf(environment);
    }

    @Override
    public String toString() {
        return "PluginContext[environment=" + environment.keySet() + "]";
    }
}
