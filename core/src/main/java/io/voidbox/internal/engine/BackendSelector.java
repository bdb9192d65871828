package io.voidbox.internal.engine;

import io.voidbox.Box;
import io.voidbox.SandboxOptions.Backend;
import io.voidbox.spi.SandboxException;
import io.voidbox.spi.SandboxProvider;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * Picks the sandbox backend of a box. {@code auto} prefers the micro-VM, then the {@code
 * namespace} sandbox, and otherwise stops saying what to install: it never falls back to the
 * unisolated {@code local} backend, which runs only when asked for by name and then warns once per
 * run. An explicit backend that cannot run is an error, never a silent downgrade. Providers are
 * found by their {@link SandboxProvider#backend()} name.
 */
public final class BackendSelector {
    /** The warning every run that uses the {@code local} backend gets (as an event and on the console). */
    public static final String LOCAL_WARNING = "backend local does not isolate the agent: it runs as a host process"
            + " with your user's rights on this machine (files, network, keys); use backend namespace or vm"
            + " for untrusted work";

    private final Map<String, SandboxProvider> providers;
    private final Optional<Backend> override;
    private final AtomicBoolean warnedLocal = new AtomicBoolean();

    public BackendSelector(Map<String, SandboxProvider> providers, Optional<Backend> override) {
        this.providers = Map.copyOf(providers);
        this.override = override;
    }

    SandboxProvider select(Box box, Consumer<String> warn) throws SandboxException {
        return select(box.name(), box.sandbox().backend(), warn);
    }

    /** The provider for the box {@code name} that asks for {@code wanted} (a workflow's one box). */
    SandboxProvider select(String name, Backend wanted, Consumer<String> warn) throws SandboxException {
        return switch (override.orElse(wanted)) {
            case LOCAL -> {
                SandboxProvider local = require(Backend.LOCAL);
                if (warnedLocal.compareAndSet(false, true)) warn.accept(LOCAL_WARNING);
                yield local;
            }
            case VM -> explicit(name, Backend.VM, "micro-VM", "micro-VMs cannot run here");
            case NAMESPACE -> explicit(name, Backend.NAMESPACE, "namespace", "the namespace sandbox cannot run here");
            case AUTO -> {
                Optional<String> vmWhy = why(Backend.VM);
                if (vmWhy.isEmpty()) yield providers.get(Backend.VM.id());
                Optional<String> nsWhy = why(Backend.NAMESPACE);
                if (nsWhy.isEmpty()) yield providers.get(Backend.NAMESPACE.id());
                throw new SandboxException("backend auto: no isolating backend can run box " + name
                        + " here. vm: " + vmWhy.get() + " (install QEMU: scripts/install-vm-deps.sh, or apt-get"
                        + " install qemu-system-x86); namespace: " + nsWhy.get() + " (apt-get install bubblewrap"
                        + " socat, and allow unprivileged user namespaces). backend local runs without isolation"
                        + " only when asked for by name");
            }
        };
    }

    private Optional<String> why(Backend backend) {
        SandboxProvider p = providers.get(backend.id());
        return p == null ? Optional.of("not available in this runtime") : p.unavailableReason();
    }

    private SandboxProvider explicit(String name, Backend backend, String label, String cannot)
            throws SandboxException {
        SandboxProvider p = providers.get(backend.id());
        if (p == null)
            throw new SandboxException("backend " + backend.id() + " requested for box " + name + " but the " + label
                    + " backend is not available in this runtime");
        Optional<String> why = p.unavailableReason();
        if (why.isPresent())
            throw new SandboxException(
                    "backend " + backend.id() + " requested for box " + name + " but " + cannot + ": " + why.get());
        return p;
    }

    /** Whether {@code box} will run in a micro-VM (for admission); no warning, nothing started. */
    boolean picksVm(Box box) {
        return switch (override.orElse(box.sandbox().backend())) {
            case LOCAL, NAMESPACE -> false;
            case VM -> true;
            case AUTO -> {
                SandboxProvider vm = providers.get(Backend.VM.id());
                yield vm != null && vm.unavailableReason().isEmpty();
            }
        };
    }

    private SandboxProvider require(Backend backend) throws SandboxException {
        SandboxProvider p = providers.get(backend.id());
        if (p == null) throw new SandboxException("backend " + backend.id() + " is not available in this runtime");
        return p;
    }
}
