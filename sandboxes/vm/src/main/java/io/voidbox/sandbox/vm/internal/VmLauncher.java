package io.voidbox.sandbox.vm.internal;

import io.voidbox.spi.SandboxException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Boots micro-VMs: finds QEMU, resolves the accelerator through a shared {@link AccelSelector},
 * starts the machine and waits for the guest to be ready within the spec's boot deadline.
 * Thread-safe; one instance serves all boxes of a runtime.
 */
public final class VmLauncher {
    private final Path qemu;
    private final AccelSelector accel;

    public VmLauncher(Path qemu, AccelSelector accel) {
        this.qemu = Objects.requireNonNull(qemu);
        this.accel = Objects.requireNonNull(accel);
    }

    /** Uses qemu-system-x86_64 from PATH and /dev/kvm; a clear error says what to install when QEMU is missing. */
    public static VmLauncher system() throws SandboxException {
        AccelProbe probe = AccelProbe.system();
        Path q = probe.qemu()
                .orElseThrow(() ->
                        new SandboxException(HostCommand.missingMessage("qemu-system-x86_64", "qemu-system-x86")));
        return new VmLauncher(q, new AccelSelector(probe));
    }

    public Path qemu() {
        return qemu;
    }

    public AccelSelector accelSelector() {
        return accel;
    }

    /**
     * Starts the machine and waits until it is ready. On any failure the machine is already
     * cleaned up when this throws; on success the caller owns (and must close) it.
     */
    public QemuMachine boot(MachineSpec spec, ConsoleListener console) throws SandboxException, InterruptedException {
        QemuMachine m = QemuMachine.start(qemu, spec, console);
        try {
            m.awaitReady();
            return m;
        } catch (SandboxException | InterruptedException | RuntimeException e) {
            m.close();
            throw e;
        }
    }
}
