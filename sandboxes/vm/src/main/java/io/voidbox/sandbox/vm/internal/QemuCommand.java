package io.voidbox.sandbox.vm.internal;

import io.voidbox.sandbox.vm.image.GuestImage;
import io.voidbox.spi.support.SandboxUser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The QEMU command line for a {@link MachineSpec}: a {@code microvm} machine with virtio-mmio
 * devices only, no firmware option ROMs, the serial console on stdio, and nothing QEMU would add
 * by default. Pure function of its inputs, so it is unit-tested without starting anything.
 */
public final class QemuCommand {
    /** Machine options: no option ROMs (nothing to run before the kernel), the rest as QEMU's microvm defaults. */
    static final String MACHINE = "microvm,x-option-roms=off";
    /** Always on the kernel command line. {@code pci=off}: microvm has no PCI bus, probing it only costs time. */
    static final List<String> BASE_KERNEL_ARGS = List.of("console=ttyS0", "quiet", "panic=-1", "pci=off");

    /**
     * QEMU's seccomp filter: no obsolete system calls, no privilege changes, no child processes,
     * no scheduler or affinity changes, so a guest that breaks into QEMU gains little on the host.
     */
    static final String SANDBOX = "on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny";

    /**
     * The same for a QEMU that switches user ({@code -runas}): QEMU calls {@code setuid} after the
     * filter is installed, so {@code elevateprivileges} must allow it (a {@code deny} kills QEMU
     * with SIGSYS). Nothing is lost: after the switch no uid is left to return to (real, effective
     * and saved uid are all the unprivileged one), no capability, and no-new-privileges is set.
     */
    static final String SANDBOX_SWITCHING_USER =
            "on,obsolete=deny,elevateprivileges=allow,spawn=deny,resourcecontrol=deny";

    /**
     * The NIC of an {@code open} box (restricted and off boxes have none): user networking with
     * the gateway at {@code 10.0.2.1}, which QEMU maps to the host's loopback, so the guest's
     * {@code /init} can refuse that address while {@code 10.0.2.2} stays the box's tunnel address
     * for the host; no IPv6 (its gateway would map to {@code ::1}).
     */
    static final String OPEN_NETDEV = "user,id=n0,net=10.0.2.0/24,host=10.0.2.1,dns=10.0.2.3,ipv6=off";

    private QemuCommand() {}

    /** The host file that carries {@code fw_cfg} file {@code name} (written 0600 by the machine). */
    public static Path firmwareFile(Path firmwareDir, String name) {
        return firmwareDir.resolve("fwcfg-" + name.replace('/', '_'));
    }

    /**
     * @param qemu       the {@code qemu-system-x86_64} binary
     * @param spec       the machine
     * @param channelSocket unix socket QEMU listens on for the virtio-serial port (used when {@code spec.channel()})
     * @param pidFile    where QEMU writes its pid
     * @param firmwareDir where the boot's {@code fw_cfg} files are written (see {@link #firmwareFile})
     * @param hostTscKhz the host's TSC rate; under TCG the guest's TSC runs at this rate, and telling the kernel
     *                   spares its PIT calibration, which fails (and then hangs the boot) on a loaded host
     */
    public static List<String> build(
            Path qemu, MachineSpec spec, Path channelSocket, Path pidFile, Path firmwareDir, OptionalLong hostTscKhz) {
        return build(qemu, spec, channelSocket, pidFile, firmwareDir, hostTscKhz, Optional.empty());
    }

    /**
     * As {@link #build(Path, MachineSpec, Path, Path, Path, OptionalLong)}, plus a QMP monitor on
     * {@code firmwareDir/}{@value #QMP_SOCKET} (snapshots are taken through it) and, with
     * {@code incoming}, {@code -incoming unix:PATH}: QEMU starts with the same devices, waits for
     * a migration stream (a snapshot) on that socket instead of booting, and runs once it is loaded.
     */
    public static List<String> build(
            Path qemu,
            MachineSpec spec,
            Path channelSocket,
            Path pidFile,
            Path firmwareDir,
            OptionalLong hostTscKhz,
            Optional<Path> incoming) {
        List<String> c = base(qemu, spec, channelSocket, pidFile, firmwareDir, hostTscKhz);
        c.addAll(List.of("-qmp", "unix:" + firmwareDir.resolve(QMP_SOCKET) + ",server=on,wait=off"));
        incoming.ifPresent(sock -> c.addAll(List.of("-incoming", "unix:" + sock)));
        return c;
    }

    /**
     * The user QEMU switches to: when voidbox runs as root, the boxes' unprivileged host user
     * ({@link SandboxUser}: 65534 or {@code VOIDBOX_BOX_UID}), so a guest that breaks out of
     * the emulator lands in a process without root or capabilities, and a live mount's files are
     * created as the very uid the guest's agent has; empty when voidbox is not root.
     */
    static Optional<SandboxUser> switchedUser() {
        SandboxUser user = SandboxUser.forThisProcess(System.getenv());
        return user.dropFromRoot() ? Optional.of(user) : Optional.empty();
    }

    /** {@code command} made to switch to {@code user} once it has opened its files. */
    static List<String> switchingTo(List<String> command, SandboxUser user) {
        List<String> c = new ArrayList<>(command);
        int sandbox = c.indexOf("-sandbox");
        if (sandbox < 0 || !c.get(sandbox + 1).equals(SANDBOX))
            throw new IllegalArgumentException("not a command of QemuCommand.build: " + command);
        c.set(sandbox + 1, SANDBOX_SWITCHING_USER);
        c.addAll(sandbox + 2, List.of("-runas", user.uid() + ":" + user.gid()));
        return c;
    }

    /** The QMP monitor's socket in the machine's temp dir. */
    public static final String QMP_SOCKET = "qmp.sock";

    private static List<String> base(
            Path qemu, MachineSpec spec, Path channelSocket, Path pidFile, Path firmwareDir, OptionalLong hostTscKhz) {
        List<String> c = new ArrayList<>();
        c.add(qemu.toString());
        c.addAll(List.of("-M", MACHINE));
        c.addAll(List.of("-sandbox", SANDBOX));
        if (spec.accel() == Accel.KVM) {
            c.addAll(List.of("-accel", "kvm", "-cpu", "host"));
        } else {
            c.addAll(List.of("-accel", spec.vcpus() > 1 ? "tcg,thread=multi" : "tcg", "-cpu", "max"));
        }
        c.addAll(List.of("-m", spec.memoryMb() + "M", "-smp", Integer.toString(spec.vcpus())));
        c.addAll(List.of("-nodefaults", "-no-user-config", "-nographic", "-no-reboot"));
        c.addAll(List.of("-serial", "stdio"));
        c.addAll(List.of("-pidfile", pidFile.toString()));
        c.addAll(List.of(
                "-kernel",
                spec.boot().kernel().toString(),
                "-initrd",
                spec.boot().initrd().toString()));
        c.addAll(List.of("-append", kernelCommandLine(spec, hostTscKhz)));
        for (String name : spec.boot().firmwareFiles().keySet())
            c.addAll(List.of("-fw_cfg", "name=" + name + ",file=" + firmwareFile(firmwareDir, name)));
        if (spec.channel()) {
            c.addAll(List.of(
                    "-device",
                    "virtio-serial-device",
                    "-chardev",
                    "socket,id=ch0,path=" + channelSocket + ",server=on,wait=off",
                    "-device",
                    "virtserialport,chardev=ch0,name=" + GuestImage.CHANNEL_PORT_NAME));
        }
        spec.boot()
                .rootDisk()
                .ifPresent(disk -> c.addAll(List.of(
                        "-drive",
                        "if=none,id=root,file=" + disk + ",format=raw,readonly=on",
                        "-device",
                        "virtio-blk-device,drive=root")));
        for (var layer : spec.boot().layers()) {
            c.addAll(List.of(
                    "-drive",
                    "if=none,id=layer-" + layer.name() + ",file=" + layer.disk() + ",format=raw,readonly=on",
                    "-device",
                    "virtio-blk-device,drive=layer-" + layer.name() + ",serial=" + layer.name()));
        }
        for (MachineSpec.Share share : spec.boot().shares()) {
            c.addAll(List.of(
                    "-fsdev",
                    "local,id=" + share.tag() + ",path="
                            + share.host().toString().replace(",", ",,") + ",security_model=none"
                            + (share.readOnly() ? ",readonly=on" : ""),
                    "-device",
                    "virtio-9p-device,fsdev=" + share.tag() + ",mount_tag=" + share.tag()));
        }
        if (spec.network()) {
            c.addAll(List.of("-netdev", OPEN_NETDEV, "-device", "virtio-net-device,netdev=n0"));
        }
        c.addAll(List.of("-device", "virtio-rng-device"));
        return c;
    }

    static String kernelCommandLine(MachineSpec spec, OptionalLong hostTscKhz) {
        List<String> a = new ArrayList<>(BASE_KERNEL_ARGS);
        if (spec.accel() == Accel.TCG) {
            hostTscKhz.ifPresent(khz -> a.add("tsc_early_khz=" + khz));
            a.add("tsc=reliable");
            a.add("no_timer_check");
        }
        if (spec.channel() && !spec.boot().guestArgs().containsKey("port"))
            a.add("voidbox.port=" + GuestImage.CHANNEL_PORT_NAME);
        spec.boot().guestArgs().forEach((k, v) -> a.add("voidbox." + k + "=" + v));
        a.addAll(spec.boot().extraKernelArgs());
        return String.join(" ", a);
    }

    private static final Pattern SECRET = Pattern.compile("(voidbox\\.secret=)\\S+");

    /** The command line with the channel secret blanked out: the only form that may be logged. */
    public static String redacted(List<String> command) {
        List<String> out = new ArrayList<>();
        for (String s : command) {
            String r = SECRET.matcher(s).replaceAll("$1<redacted>");
            out.add(r.contains(" ") ? "'" + r + "'" : r);
        }
        return String.join(" ", out);
    }

    private static final Pattern CPU_MHZ = Pattern.compile("^cpu MHz\\s*:\\s*([0-9.]+)", Pattern.MULTILINE);

    /** The host TSC rate as /proc/cpuinfo reports it (kHz), empty when unknown. */
    public static OptionalLong hostTscKhz() {
        try {
            Matcher m = CPU_MHZ.matcher(Files.readString(Path.of("/proc/cpuinfo")));
            if (m.find()) return OptionalLong.of(Math.round(Double.parseDouble(m.group(1)) * 1000));
        } catch (IOException | NumberFormatException e) {
            // fall through: the kernel calibrates itself
        }
        return OptionalLong.empty();
    }
}
