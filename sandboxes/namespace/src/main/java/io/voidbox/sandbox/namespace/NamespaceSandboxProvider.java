package io.voidbox.sandbox.namespace;

import io.voidbox.sandbox.namespace.internal.NamespaceSandbox;
import io.voidbox.sandbox.namespace.internal.NamespaceSupport;
import io.voidbox.sandbox.namespace.internal.StaleBoxes;
import io.voidbox.spi.Sandbox;
import io.voidbox.spi.SandboxException;
import io.voidbox.spi.SandboxProvider;
import io.voidbox.spi.SandboxRequest;
import io.voidbox.spi.support.SandboxUser;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * The namespace sandbox: the agent runs under bubblewrap in its own user, mount, pid, ipc, uts and
 * network namespaces, as an unprivileged user, with the host system read-only, only its workspace
 * and {@code rw} mounts writable, and only its model endpoint reachable. Real isolation without a
 * VM, for hosts where micro-VMs are slow (TCG) or absent; it shares the host kernel, so it is
 * weaker than the {@code vm} backend (see {@code docs/security.md}).
 */
public final class NamespaceSandboxProvider implements SandboxProvider {
    private final Supplier<Path> agentExecutable;
    private final Map<String, String> environment;
    private volatile Optional<String> unavailable;
    /** Set once this provider swept what killed runs left behind ({@link StaleBoxes}). */
    private final AtomicBoolean swept = new AtomicBoolean();

    /**
     * @param agentExecutable resolves (and installs on first use) the host's Claude Code binary
     * @param environment     where {@code VOIDBOX_BOX_UID} is read from
     */
    public NamespaceSandboxProvider(Supplier<Path> agentExecutable, Map<String, String> environment) {
        this.agentExecutable = agentExecutable;
        this.environment = Map.copyOf(environment);
    }

    @Override
    public String backend() {
        return "namespace";
    }

    /** Checked once: the tools are installed and a trial sandbox starts (user namespaces allowed). */
    @Override
    public Optional<String> unavailableReason() {
        Optional<String> u = unavailable;
        if (u == null) {
            synchronized (this) {
                if (unavailable == null) unavailable = NamespaceSupport.probe(user());
                u = unavailable;
            }
        }
        return u;
    }

    private SandboxUser user() {
        return SandboxUser.forThisProcess(environment);
    }

    @Override
    public Sandbox start(SandboxRequest request) throws SandboxException {
        Optional<String> why = unavailableReason();
        if (why.isPresent())
            throw new SandboxException("the namespace sandbox cannot run box " + request.boxName() + ": " + why.get());
        if (swept.compareAndSet(false, true)) {
            int removed = StaleBoxes.sweep();
            if (removed > 0)
                request.scope()
                        .line("runtime", "removed " + removed + " leftover(s) of killed runs (staging dirs, cgroups)");
        }
        try {
            return NamespaceSandbox.start(request, user(), agentExecutable);
        } catch (IOException | RuntimeException e) {
            throw new SandboxException(
                    "cannot create the namespace sandbox for box " + request.boxName() + ": " + e.getMessage(), e);
        }
    }
}
