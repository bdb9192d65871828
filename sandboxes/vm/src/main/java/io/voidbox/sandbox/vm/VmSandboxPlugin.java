package io.voidbox.sandbox.vm;

import io.voidbox.spi.Plugin;
import io.voidbox.spi.PluginContext;
import io.voidbox.spi.SandboxProvider;
import java.util.List;

/** Offers the {@code vm} backend (QEMU micro-VMs). */
public final class VmSandboxPlugin implements Plugin {
    @Override
    public List<SandboxProvider> sandboxProviders(PluginContext context) {
        return List.of(new VmSandboxProvider(context.agentExecutable(), context.notices()));
    }
}
