package io.voidbox.sandbox.vm.internal;

import io.voidbox.sandbox.vm.image.GuestImage;
import io.voidbox.spi.SandboxException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Finds out which accelerators work here, for {@code voidbox doctor} and for {@code accel: auto}.
 * A usable {@code /dev/kvm} is not enough: on some nested hosts KVM guests hang after the boot
 * stub (see docs/kvm.md), so KVM only counts when a real boot comes up within a deadline.
 */
public final class AccelProbe {
    /**
     * What the probe found; every "no" comes with a reason.
     *
     * @param kvmDevicePresent /dev/kvm exists
     * @param kvmUsable        /dev/kvm opens read-write
     * @param kvmReason        why KVM is not used (empty when it is)
     * @param kvmBoot          bare boot time under KVM, when tried and it worked
     * @param qemu             the qemu-system-x86_64 binary
     * @param qemuVersion      its first {@code --version} line
     * @param tcgBoot          bare boot time under TCG, when tried and it worked
     * @param tcgReason        why TCG failed (empty when it worked or was not tried)
     */
    public record Report(
            boolean kvmDevicePresent,
            boolean kvmUsable,
            Optional<String> kvmReason,
            Optional<Duration> kvmBoot,
            Optional<Path> qemu,
            Optional<String> qemuVersion,
            Optional<Duration> tcgBoot,
            Optional<String> tcgReason) {

        /** The accelerator {@code auto} picks. */
        public Accel recommended() {
            return kvmBoot.isPresent() ? Accel.KVM : Accel.TCG;
        }

        /** Human-readable lines for {@code voidbox doctor}. */
        public List<String> lines() {
            List<String> l = new ArrayList<>();
            l.add(qemuLine());
            l.add(deviceLine()
                    + kvmBoot.map(d -> ", boot ok in " + d.toMillis() + " ms").orElse("")
                    + kvmReason.map(r -> " (" + r + ")").orElse(""));
            l.add("tcg: "
                    + tcgBoot.map(d -> "boot ok in " + d.toMillis() + " ms").orElse(tcgReason.orElse("not tried")));
            l.add("acceleration: " + recommended().id()
                    + (recommended() == Accel.TCG ? " (emulation: boots and commands are several times slower)" : ""));
            return l;
        }

        /** {@code qemu: PATH (VERSION)}, or what to install. */
        public String qemuLine() {
            return "qemu: "
                    + qemu.map(p -> p + " (" + qemuVersion.orElse("version unknown") + ")")
                            .orElse("not found: "
                                    + HostCommand.missingMessage("qemu-system-x86_64", "qemu-system-x86"));
        }

        /** {@code kvm: device present, usable}: the device only, no boot. */
        public String deviceLine() {
            return "kvm: device " + (kvmDevicePresent ? "present" : "absent") + ", "
                    + (kvmUsable ? "usable" : "not usable");
        }
    }

    private final Path kvmDevice;
    private final Optional<Path> qemu;

    public AccelProbe(Path kvmDevice, Optional<Path> qemu) {
        this.kvmDevice = kvmDevice;
        this.qemu = qemu;
    }

    /** Probes /dev/kvm and the qemu-system-x86_64 on PATH. */
    public static AccelProbe system() {
        return new AccelProbe(Path.of("/dev/kvm"), findQemu());
    }

    public static Optional<Path> findQemu() {
        return HostCommand.which("qemu-system-x86_64");
    }

    public Optional<Path> qemu() {
        return qemu;
    }

    /** Empty when /dev/kvm opens read-write, else why not. */
    public Optional<String> kvmUnusableReason() {
        if (!Files.exists(kvmDevice))
            return Optional.of(kvmDevice + " does not exist (no hardware virtualisation exposed to this machine)");
        try (FileChannel ignored = FileChannel.open(kvmDevice, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            return Optional.empty();
        } catch (IOException | SecurityException e) {
            return Optional.of(
                    kvmDevice + " cannot be opened read-write (" + e.getMessage() + "; add the user to group 'kvm')");
        }
    }

    /**
     * Probes everything; boots {@code image}'s bare initramfs under KVM (when usable, within
     * {@code kvmDeadline}) and under TCG (when {@code bootTcg}). Without an image nothing is booted.
     */
    public Report probe(Optional<GuestImage> image, Duration kvmDeadline, boolean bootTcg) throws InterruptedException {
        Optional<String> version = qemu.flatMap(AccelProbe::version);
        Optional<String> kvmReason = kvmUnusableReason();
        boolean present = Files.exists(kvmDevice);
        boolean usable = kvmReason.isEmpty();
        Optional<Duration> kvmBoot = Optional.empty();
        if (usable && qemu.isEmpty()) kvmReason = Optional.of("qemu-system-x86_64 not found");
        else if (usable && image.isEmpty()) kvmReason = Optional.of("boot not tried (no guest image)");
        else if (usable) {
            try {
                kvmBoot =
                        Optional.of(BareBoot.run(qemu.get(), image.get(), Accel.KVM, kvmDeadline, ConsoleListener.NONE)
                                .wall());
            } catch (SandboxException e) {
                kvmReason = Optional.of("a KVM guest did not boot within " + kvmDeadline.toSeconds()
                        + " s (known to hang on nested hosts, see docs/kvm.md)");
            }
        }
        Optional<Duration> tcgBoot = Optional.empty();
        Optional<String> tcgReason = Optional.empty();
        if (bootTcg && qemu.isPresent() && image.isPresent()) {
            try {
                tcgBoot = Optional.of(
                        BareBoot.run(qemu.get(), image.get(), Accel.TCG, Duration.ofSeconds(60), ConsoleListener.NONE)
                                .wall());
            } catch (SandboxException e) {
                tcgReason = Optional.of("TCG boot failed: " + e.getMessage());
            }
        } else if (bootTcg) {
            tcgReason = Optional.of(qemu.isEmpty() ? "qemu-system-x86_64 not found" : "not tried (no guest image)");
        }
        return new Report(present, usable, kvmReason, kvmBoot, qemu, version, tcgBoot, tcgReason);
    }

    /** The first line of {@code qemu --version}, if it answers. */
    public static Optional<String> version(Path qemu) {
        try {
            HostCommand.Result r = HostCommand.run(null, 20, List.of(qemu.toString(), "--version"));
            return r.exitCode() == 0 ? r.output().lines().findFirst() : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }
}
