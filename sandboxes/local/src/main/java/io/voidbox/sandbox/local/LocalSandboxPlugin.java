package io.voidbox.sandbox.local;

import io.voidbox.spi.Plugin;
import io.voidbox.spi.PluginContext;
import io.voidbox.spi.SandboxProvider;
import java.util.List;

/** Offers the {@code local} backend. */
public final class LocalSandboxPlugin implements Plugin {
    @Override
    public List<SandboxProvider> sandboxProviders(PluginContext context) {
        return List.of(new LocalSandboxProvider(context.agentExecutable()));
    }
}
