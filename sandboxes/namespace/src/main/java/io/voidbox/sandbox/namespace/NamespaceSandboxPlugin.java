package io.voidbox.sandbox.namespace;

import io.voidbox.spi.Plugin;
import io.voidbox.spi.PluginContext;
import io.voidbox.spi.SandboxProvider;
import java.util.List;

/** Offers the {@code namespace} backend. */
public final class NamespaceSandboxPlugin implements Plugin {
    @Override
    public List<SandboxProvider> sandboxProviders(PluginContext context) {
        return List.of(new NamespaceSandboxProvider(context.agentExecutable(), context.environment()));
    }
}
