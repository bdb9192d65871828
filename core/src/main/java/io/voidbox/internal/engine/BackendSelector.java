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
 * Picks the sandbox backend of a box. {@code auto} prefers the micro-VM and falls back to the
 * local sandbox with one warning per run; an explicit {@code vm} that cannot run is an error,
 * never a silent downgrade. Providers are found by their {@link SandboxProvider#backend()} name.
 */
public final class BackendSelector {
    private final Map<String, SandboxProvider> providers;
    private final Optional<Backend> override;
    private final AtomicBoolean warned = new AtomicBoolean();

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
            case LOCAL -> require(Backend.LOCAL);
            case VM -> {
                SandboxProvider vm = providers.get(Backend.VM.id());
                if (vm == null)
                    throw new SandboxException("backend vm requested for box " + name
                            + " but the micro-VM backend is not available in this runtime");
                Optional<String> why = vm.unavailableReason();
                if (why.isPresent())
                    throw new SandboxException(
                            "backend vm requested for box " + name + " but micro-VMs cannot run here: " + why.get());
                yield vm;
            }
            case AUTO -> {
                SandboxProvider vm = providers.get(Backend.VM.id());
                Optional<String> why = vm == null
                        ? Optional.of("the micro-VM backend is not available in this runtime")
                        : vm.unavailableReason();
                if (why.isEmpty()) yield vm;
                if (warned.compareAndSet(false, true))
                    warn.accept("backend auto: using the local process sandbox (no VM isolation) because " + why.get());
                yield require(Backend.LOCAL);
            }
        };
    }

    /** Whether {@code box} will run in a micro-VM (for admission); no warning, nothing started. */
    boolean picksVm(Box box) {
        return switch (override.orElse(box.sandbox().backend())) {
            case LOCAL -> false;
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
