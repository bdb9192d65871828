package io.voidbox.sandbox.vm.internal;

import io.voidbox.sandbox.vm.image.GuestImage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Everything that decides one QEMU micro-VM: what to boot, how big, which accelerator, which
 * devices, and when it counts as ready. Built with {@link #builder()}; validated in {@code build()}.
 *
 * @param name     box name, used for the temp dir and in messages
 * @param boot     what to boot and with which kernel command line
 * @param memoryMb guest RAM
 * @param vcpus    guest CPUs
 * @param accel    KVM or TCG (resolve {@code auto} with {@link AccelSelector} first)
 * @param network  false: no NIC at all
 * @param channel  attach the host-guest virtio-serial port ({@value GuestImage#CHANNEL_PORT_NAME})
 * @param ready    when the box counts as ready
 */
public record MachineSpec(
        String name, Boot boot, int memoryMb, int vcpus, Accel accel, boolean network, boolean channel, Ready ready) {

    /**
     * @param kernel          bzImage
     * @param initrd          initramfs
     * @param rootDisk        read-only root disk (virtio-blk), empty for none
     * @param guestArgs       {@code voidbox.*} kernel arguments (key without the prefix); values must not contain spaces
     * @param extraKernelArgs further kernel arguments, appended last (tests use {@code rdinit=...})
     */
    public record Boot(
            Path kernel,
            Path initrd,
            Optional<Path> rootDisk,
            Map<String, String> guestArgs,
            List<String> extraKernelArgs) {
        public Boot {
            guestArgs = Map.copyOf(guestArgs);
            extraKernelArgs = List.copyOf(extraKernelArgs);
        }
    }

    /**
     * @param pattern a console line matching this means the box is ready
     * @param timeout how long to wait for {@code pattern}
     */
    public record Ready(Pattern pattern, Duration timeout) {}

    public Path kernel() {
        return boot.kernel();
    }

    public Path initrd() {
        return boot.initrd();
    }

    public Optional<Path> rootDisk() {
        return boot.rootDisk();
    }

    public Map<String, String> guestArgs() {
        return boot.guestArgs();
    }

    public List<String> extraKernelArgs() {
        return boot.extraKernelArgs();
    }

    public Pattern readyPattern() {
        return ready.pattern();
    }

    public Duration bootTimeout() {
        return ready.timeout();
    }

    /** Printed by the guest agent once its channel is open (or by /init's placeholder agents). */
    public static final Pattern DEFAULT_READY = Pattern.compile("voidbox-init: agent-ready|voidbox-guest: ready\\b.*");

    public static Builder builder() {
        return new Builder();
    }

    /** A builder preset with the image's kernel, initramfs and root disk. */
    public static Builder forImage(GuestImage image) {
        return builder().kernel(image.kernel()).initrd(image.initramfs()).rootDisk(image.rootDisk());
    }

    /** Fluent, validating builder. */
    public static final class Builder {
        private String name = "box";
        private Path kernel;
        private Path initrd;
        private Path rootDisk;
        private int memoryMb = 1024;
        private int vcpus = 1;
        private Accel accel = Accel.TCG;
        private boolean network = true;
        private boolean channel = true;
        private final Map<String, String> guestArgs = new LinkedHashMap<>();
        private final List<String> extraKernelArgs = new ArrayList<>();
        private Pattern readyPattern = DEFAULT_READY;
        private Duration bootTimeout = Duration.ofSeconds(90);

        public Builder name(String v) {
            name = v;
            return this;
        }

        public Builder kernel(Path v) {
            kernel = v;
            return this;
        }

        public Builder initrd(Path v) {
            initrd = v;
            return this;
        }

        public Builder rootDisk(Path v) {
            rootDisk = v;
            return this;
        }

        public Builder memoryMb(int v) {
            memoryMb = v;
            return this;
        }

        public Builder vcpus(int v) {
            vcpus = v;
            return this;
        }

        public Builder accel(Accel v) {
            accel = v;
            return this;
        }

        public Builder network(boolean v) {
            network = v;
            return this;
        }

        public Builder channel(boolean v) {
            channel = v;
            return this;
        }
        /** Adds {@code voidbox.KEY=VALUE} to the kernel command line. */
        public Builder guestArg(String key, String value) {
            guestArgs.put(key, value);
            return this;
        }

        public Builder extraKernelArg(String arg) {
            extraKernelArgs.add(arg);
            return this;
        }

        public Builder readyPattern(Pattern v) {
            readyPattern = v;
            return this;
        }

        public Builder bootTimeout(Duration v) {
            bootTimeout = v;
            return this;
        }

        public MachineSpec build() {
            if (name == null || !name.matches("[A-Za-z0-9._-]{1,64}"))
                throw new IllegalArgumentException("name must match [A-Za-z0-9._-]{1,64}, got '" + name + "'");
            Objects.requireNonNull(kernel, "kernel");
            Objects.requireNonNull(initrd, "initrd");
            if (memoryMb < 64 || memoryMb > 65536)
                throw new IllegalArgumentException("memoryMb must be 64..65536, got " + memoryMb);
            if (vcpus < 1 || vcpus > 64) throw new IllegalArgumentException("vcpus must be 1..64, got " + vcpus);
            Objects.requireNonNull(accel, "accel");
            Objects.requireNonNull(readyPattern, "readyPattern");
            if (bootTimeout == null || bootTimeout.isNegative() || bootTimeout.isZero())
                throw new IllegalArgumentException("bootTimeout must be positive");
            for (var e : guestArgs.entrySet()) {
                if (!e.getKey().matches("[a-z0-9_]+"))
                    throw new IllegalArgumentException("guest arg key must match [a-z0-9_]+, got '" + e.getKey() + "'");
                if (e.getValue().isEmpty() || e.getValue().matches(".*[\\s\"].*")) {
                    throw new IllegalArgumentException(
                            "guest arg voidbox." + e.getKey() + " must be non-empty without spaces or quotes");
                }
            }
            for (String a : extraKernelArgs)
                if (a.isBlank() || a.matches(".*\\s.*"))
                    throw new IllegalArgumentException("kernel arg must be one word: '" + a + "'");
            Boot boot = new Boot(kernel, initrd, Optional.ofNullable(rootDisk), guestArgs, extraKernelArgs);
            return new MachineSpec(
                    name, boot, memoryMb, vcpus, accel, network, channel, new Ready(readyPattern, bootTimeout));
        }
    }
}
