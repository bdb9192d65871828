package io.voidbox.sandbox.local;

import io.voidbox.spi.Sandbox;
import io.voidbox.spi.SandboxException;
import io.voidbox.spi.SandboxProvider;
import io.voidbox.spi.SandboxRequest;
import java.io.IOException;
import java.nio.file.Path;
import java.util.function.Supplier;

/**
 * The local process sandbox: the agent runs as a host process in its own temporary workspace
 * and process group. No isolation beyond that; used where no micro-VM is available.
 */
public final class LocalSandboxProvider implements SandboxProvider {
    private final Supplier<Path> claudeExecutable;

    /** @param claudeExecutable resolves (and installs on first use) the host's Claude Code binary */
    public LocalSandboxProvider(Supplier<Path> claudeExecutable) {
        this.claudeExecutable = claudeExecutable;
    }

    @Override
    public String backend() {
        return "local";
    }

    @Override
    public Sandbox start(SandboxRequest request) throws SandboxException {
        try {
            return LocalSandbox.start(request, claudeExecutable);
        } catch (IOException e) {
            throw new SandboxException(
                    "cannot create local sandbox for box " + request.boxName() + ": " + e.getMessage(), e);
        }
    }
}
