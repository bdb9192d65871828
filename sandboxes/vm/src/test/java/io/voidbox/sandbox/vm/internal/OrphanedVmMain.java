package io.voidbox.sandbox.vm.internal;

import io.voidbox.sandbox.vm.internal.MachineSpec.Boot;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Child JVM for the kill -9 test: starts a VM that stays up, prints its temp dir and QEMU pid,
 * then waits to be killed. Args: qemu kernel initrd rootDisk.
 */
public final class OrphanedVmMain {
    private OrphanedVmMain() {}

    public static void main(String[] args) throws Exception {
        Boot boot = new Boot(Path.of(args[1]), Path.of(args[2]), Optional.of(Path.of(args[3])))
                .withExtraKernelArg("voidbox.placeholder=hold");
        MachineSpec spec =
                MachineSpec.of("orphan", boot, Accel.TCG).withMemoryMb(512).withNetwork(false);
        QemuMachine m = QemuMachine.start(Path.of(args[0]), spec, (s, l) -> {});
        long pid = m.qemuProcess().orElseThrow().pid();
        System.out.println("started " + m.tempDir() + " " + pid);
        System.out.flush();
        Thread.sleep(300_000);
    }
}
