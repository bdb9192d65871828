package io.voidbox.sandbox.vm.internal;

import io.voidbox.spi.SandboxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Boots micro-VMs: finds QEMU, resolves the accelerator through a shared {@link AccelSelector},
 * starts the machine and waits for the guest to be ready within the spec's boot deadline.
 * Thread-safe; one instance serves all boxes of a runtime.
 */
public final class VmLauncher {
    private final Path qemu;
    private final AccelSelector accel;
    private String qemuVersion;

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

    /** The key of {@code spec}'s snapshot: the same for every box of its shape (see {@link Snapshots#key}). */
    public String snapshotKey(MachineSpec spec) {
        String v;
        synchronized (this) {
            if (qemuVersion == null) qemuVersion = Snapshots.qemuVersion(qemu);
            v = qemuVersion;
        }
        Path placeholder = Path.of("/voidbox-snapshot");
        List<String> command = QemuCommand.build(
                qemu,
                spec,
                placeholder.resolve("ch.sock"),
                placeholder.resolve("qemu.pid"),
                placeholder,
                spec.accel() == Accel.TCG ? QemuCommand.hostTscKhz() : OptionalLong.empty(),
                Optional.empty());
        List<Path> files =
                new ArrayList<>(List.of(spec.boot().kernel(), spec.boot().initrd()));
        spec.boot().rootDisk().ifPresent(files::add);
        for (var layer : spec.boot().layers()) files.add(layer.disk());
        return Snapshots.key(v, command, files);
    }

    /**
     * Starts QEMU with {@code spec}'s devices waiting for snapshot {@code key} instead of booting,
     * streams the snapshot in and returns the running machine. On any failure the machine is
     * already cleaned up when this throws (the snapshot is left to the caller).
     */
    public QemuMachine restore(MachineSpec spec, ConsoleListener console, Snapshots snapshots, String key)
            throws SandboxException, InterruptedException {
        QemuMachine m = QemuMachine.start(qemu, spec, console, true);
        try {
            snapshots.restore(key, m);
            return m;
        } catch (SandboxException | InterruptedException | RuntimeException e) {
            m.close();
            throw e;
        }
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
