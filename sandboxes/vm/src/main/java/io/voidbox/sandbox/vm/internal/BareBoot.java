package io.voidbox.sandbox.vm.internal;

import io.voidbox.sandbox.vm.image.GuestImage;
import io.voidbox.sandbox.vm.internal.MachineSpec.Boot;
import io.voidbox.spi.SandboxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The bare-boot floor: the same kernel and QEMU flags as a box, but a busybox-only initramfs whose
 * {@code /init} prints a marker and powers off. What a box costs beyond this is ours to optimise;
 * this much is kernel + QEMU.
 */
public final class BareBoot {
    static final Pattern MARKER = Pattern.compile("voidbox-bare: up ([0-9.]+)");

    /**
     * @param wall          QEMU process start to QEMU exit
     * @param toMarker      QEMU process start to the marker line
     * @param guestUptimeS  the guest's /proc/uptime when /init ran (kernel boot time as the guest saw it)
     */
    public record Timing(Accel accel, Duration wall, Duration toMarker, Optional<Double> guestUptimeS) {}

    private BareBoot() {}

    /** The machine spec of a bare boot: no disk, no NIC, no channel. */
    public static MachineSpec spec(GuestImage image, Accel accel, Duration timeout) {
        Boot boot = new Boot(image.kernel(), image.bareInitramfs(), Optional.empty());
        return MachineSpec.of("bare", boot, accel)
                .withMemoryMb(256)
                .withNetwork(false)
                .withChannel(false)
                .withReady(MARKER, timeout);
    }

    /** Boots the bare initramfs once and measures it; the machine is always cleaned up. */
    public static Timing run(Path qemu, GuestImage image, Accel accel, Duration timeout, ConsoleListener console)
            throws SandboxException, InterruptedException {
        Double[] uptime = {null};
        ConsoleListener capture = (stream, line) -> {
            Matcher m = MARKER.matcher(line);
            if (m.find()) uptime[0] = Double.parseDouble(m.group(1));
            console.line(stream, line);
        };
        try (QemuMachine m = QemuMachine.start(qemu, spec(image, accel, timeout), capture)) {
            Duration toMarker = m.awaitReady();
            OptionalInt rc = m.awaitExit(timeout);
            if (rc.isEmpty())
                throw new SandboxException(
                        "bare boot printed its marker but did not power off within " + timeout.toSeconds() + " s");
            return new Timing(accel, m.wallTime().orElseThrow(), toMarker, Optional.ofNullable(uptime[0]));
        }
    }
}
