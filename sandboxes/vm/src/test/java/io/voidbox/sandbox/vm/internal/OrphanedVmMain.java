package io.voidbox.sandbox.vm.internal;

import java.nio.file.Path;

/**
 * Child JVM for the kill -9 test: starts a VM that stays up, prints its temp dir and QEMU pid,
 * then waits to be killed. Args: qemu kernel initrd rootDisk.
 */
public final class OrphanedVmMain {
    private OrphanedVmMain() {}

    public static void main(String[] args) throws Exception {
        MachineSpec spec = MachineSpec.builder()
                .name("orphan")
                .kernel(Path.of(args[1]))
                .initrd(Path.of(args[2]))
                .rootDisk(Path.of(args[3]))
                .memoryMb(512)
                .network(false)
                .extraKernelArg("voidbox.placeholder=hold")
                .build();
        QemuMachine m = QemuMachine.start(Path.of(args[0]), spec, (s, l) -> {});
        long pid = m.qemuProcess().orElseThrow().pid();
        System.out.println("started " + m.tempDir() + " " + pid);
        System.out.flush();
        Thread.sleep(300_000);
    }
}
