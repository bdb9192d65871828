package io.voidbox.sandbox.vm.internal;

import io.voidbox.sandbox.vm.image.AgentLayer;
import io.voidbox.sandbox.vm.image.GuestImage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Everything that decides one QEMU micro-VM: what to boot, how big, which accelerator, which
 * devices, and when it counts as ready. Start from {@link #of} (defaults: 1 GiB, 1 vCPU, a NIC,
 * the channel, ready at {@link #DEFAULT_READY} within 90 s) and change what differs with the
 * {@code with...} copies; every value is validated when it is made.
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

    /** Printed by the guest agent once its channel is open (or by /init's placeholder agents). */
    public static final Pattern DEFAULT_READY = Pattern.compile("voidbox-init: agent-ready|voidbox-guest: ready\\b.*");

    public MachineSpec {
        if (name == null || !name.matches("[A-Za-z0-9._-]{1,64}"))
            throw new IllegalArgumentException("name must match [A-Za-z0-9._-]{1,64}, got '" + name + "'");
        Objects.requireNonNull(boot, "boot");
        if (memoryMb < 64 || memoryMb > 65536)
            throw new IllegalArgumentException("memoryMb must be 64..65536, got " + memoryMb);
        if (vcpus < 1 || vcpus > 64) throw new IllegalArgumentException("vcpus must be 1..64, got " + vcpus);
        Objects.requireNonNull(accel, "accel");
        Objects.requireNonNull(ready, "ready");
    }

    /** The guest arg naming the agent layers for {@code /init}. */
    static final String LAYERS_ARG = "layers";

    /** The guest arg naming the 9p shares for {@code /init}. */
    static final String SHARES_ARG = "shares";

    /**
     * A host directory served live to the guest by QEMU (virtio-9p, {@code security_model=none}: QEMU
     * resolves every path below {@code host} itself, component by component without following links).
     *
     * @param tag      the 9p mount tag ({@code vbx0}, ...)
     * @param host     the host directory
     * @param guest    where {@code /init} mounts it: absolute, of {@code [A-Za-z0-9._/@+-]} only
     * @param readOnly {@code readonly=on} on the host side and a read-only mount in the guest
     */
    public record Share(String tag, Path host, String guest, boolean readOnly) {
        public Share {
            if (tag == null || !tag.matches("vbx[0-9]{1,3}"))
                throw new IllegalArgumentException("share tag must match vbx[0-9]{1,3}, got '" + tag + "'");
            Objects.requireNonNull(host, "host");
            if (guest == null
                    || !guest.matches("/[A-Za-z0-9._/@+-]*")
                    || guest.equals("/")
                    || Path.of(guest).normalize().toString().length() != guest.length()
                    || guest.contains("/../")
                    || guest.endsWith("/.."))
                throw new IllegalArgumentException(
                        "mount " + host + " -> " + guest
                                + ": the guest path must be absolute, normalized, not /, and of letters, digits and ._/@+- only");
        }
    }

    /**
     * @param kernel          bzImage
     * @param initrd          initramfs
     * @param rootDisk        read-only root disk (virtio-blk), empty for none
     * @param guestArgs       {@code voidbox.*} kernel arguments (key without the prefix); values must not contain spaces
     * @param extraKernelArgs further kernel arguments, appended last (tests use {@code rdinit=...})
     * @param layers          read-only agent layers, one disk each after the root disk, its serial the layer's name
     * @param firmwareFiles   QEMU {@code fw_cfg} files by name ({@code opt/...}): how a secret reaches the guest
     *                        without being on any command line; handed to QEMU as 0600 files that are deleted once
     *                        the guest is ready, never shown by {@link #toString()}
     * @param shares          host directories QEMU serves live over virtio-9p, mounted by {@code /init} (needs a
     *                        kernel with 9p: {@link io.voidbox.sandbox.vm.image.ShareKernel})
     */
    public record Boot(
            Path kernel,
            Path initrd,
            Optional<Path> rootDisk,
            Map<String, String> guestArgs,
            List<String> extraKernelArgs,
            List<AgentLayer> layers,
            Map<String, String> firmwareFiles,
            List<Share> shares) {
        /** The {@code fw_cfg} file the guest agent reads its channel secret from. */
        public static final String SECRET_FILE = "opt/voidbox/secret";

        /** A boot of just a kernel, an initramfs and a root disk; the {@code with...} methods add the rest. */
        public Boot(Path kernel, Path initrd, Optional<Path> rootDisk) {
            this(kernel, initrd, rootDisk, Map.of(), List.of(), List.of(), Map.of(), List.of());
        }

        public Boot {
            Objects.requireNonNull(kernel, "kernel");
            Objects.requireNonNull(initrd, "initrd");
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
            guestArgs = Collections.unmodifiableMap(new LinkedHashMap<>(guestArgs));
            extraKernelArgs = List.copyOf(extraKernelArgs);
            layers = List.copyOf(layers);
            for (String name : firmwareFiles.keySet())
                if (!name.matches("opt/[A-Za-z0-9._/-]{1,50}"))
                    throw new IllegalArgumentException(
                            "firmware file name must match opt/[A-Za-z0-9._/-]{1,50}, got '" + name + "'");
            firmwareFiles = Collections.unmodifiableMap(new LinkedHashMap<>(firmwareFiles));
            shares = List.copyOf(shares);
        }

        /** The image's kernel, initramfs and root disk, no extra arguments. */
        public static Boot of(GuestImage image) {
            return new Boot(image.kernel(), image.initramfs(), Optional.ofNullable(image.rootDisk()));
        }

        /** Adds {@code voidbox.KEY=VALUE} to the kernel command line. */
        public Boot withGuestArg(String key, String value) {
            Map<String, String> args = new LinkedHashMap<>(guestArgs);
            args.put(key, value);
            return new Boot(kernel, initrd, rootDisk, args, extraKernelArgs, layers, firmwareFiles, shares);
        }

        public Boot withExtraKernelArg(String arg) {
            return new Boot(
                    kernel, initrd, rootDisk, guestArgs, append(extraKernelArgs, arg), layers, firmwareFiles, shares);
        }

        /**
         * Attaches an agent layer as a further read-only disk and tells {@code /init} to mount it
         * ({@code voidbox.layers=NAME:EXECUTABLE,...}).
         */
        public Boot withLayer(AgentLayer layer) {
            List<AgentLayer> all = append(layers, layer);
            Map<String, String> args = listArg(LAYERS_ARG, all, l -> l.name() + ":" + l.executable());
            return new Boot(kernel, initrd, rootDisk, args, extraKernelArgs, all, firmwareFiles, shares);
        }

        /**
         * Shares {@code share}'s host directory live with the guest ({@code voidbox.shares=TAG:PATH:MODE,...} tells
         * {@code /init} where to mount it); the tag is {@code vbx} and the share's index.
         */
        public Boot withShare(Share share) {
            List<Share> all = append(shares, share);
            Map<String, String> args =
                    listArg(SHARES_ARG, all, x -> x.tag() + ":" + x.guest() + ":" + (x.readOnly() ? "ro" : "rw"));
            return new Boot(kernel, initrd, rootDisk, args, extraKernelArgs, layers, firmwareFiles, all);
        }

        private static <T> List<T> append(List<T> list, T item) {
            List<T> all = new ArrayList<>(list);
            all.add(item);
            return all;
        }

        /** The guest args with {@code key} set to {@code items} as {@code /init} reads a list: comma-separated. */
        private <T> Map<String, String> listArg(String key, List<T> items, Function<T, String> entry) {
            Map<String, String> args = new LinkedHashMap<>(guestArgs);
            args.put(key, String.join(",", items.stream().map(entry).toList()));
            return args;
        }

        /** This boot with another kernel and initramfs (the share kernel of boxes with mounts). */
        public Boot withKernel(Path otherKernel, Path otherInitrd) {
            return new Boot(
                    otherKernel, otherInitrd, rootDisk, guestArgs, extraKernelArgs, layers, firmwareFiles, shares);
        }

        /** Hands {@code hexSecret} to the guest agent through {@link #SECRET_FILE}, off every command line. */
        public Boot withSecret(String hexSecret) {
            Map<String, String> files = new LinkedHashMap<>(firmwareFiles);
            files.put(SECRET_FILE, hexSecret);
            return new Boot(kernel, initrd, rootDisk, guestArgs, extraKernelArgs, layers, files, shares);
        }

        /** The {@code fw_cfg} file of the box identity the guest applies at its first Hello. */
        public static final String BOX_FILE = "opt/voidbox/box";

        /** Size of {@link #BOX_FILE}: fixed, because a restored guest knows the file's size from the snapshot. */
        public static final int BOX_FILE_BYTES = 256;

        /**
         * Hands the box identity (hostname, NIC address, entropy seed) to the guest through
         * {@link #BOX_FILE}, padded to {@link #BOX_FILE_BYTES}.
         */
        public Boot withBoxIdentity(String hostname, String mac, String seedHex) {
            StringBuilder b = new StringBuilder()
                    .append("hostname=")
                    .append(hostname)
                    .append('\n')
                    .append("mac=")
                    .append(mac)
                    .append('\n')
                    .append("seed=")
                    .append(seedHex)
                    .append('\n');
            if (b.length() > BOX_FILE_BYTES) throw new IllegalArgumentException("box identity too long: " + b.length());
            while (b.length() < BOX_FILE_BYTES) b.append('#');
            Map<String, String> files = new LinkedHashMap<>(firmwareFiles);
            files.put(BOX_FILE, b.toString());
            return new Boot(kernel, initrd, rootDisk, guestArgs, extraKernelArgs, layers, files, shares);
        }

        /** Firmware file contents are secrets: only their names are shown. */
        @Override
        public String toString() {
            return "Boot[kernel=" + kernel + ", initrd=" + initrd + ", rootDisk=" + rootDisk + ", guestArgs="
                    + guestArgs.keySet() + ", extraKernelArgs=" + extraKernelArgs + ", layers=" + layers
                    + ", firmwareFiles="
                    + firmwareFiles.keySet() + ", shares=" + shares + "]";
        }
    }

    /**
     * @param pattern a console line matching this means the box is ready
     * @param timeout how long to wait for {@code pattern}
     */
    public record Ready(Pattern pattern, Duration timeout) {
        public Ready {
            Objects.requireNonNull(pattern, "readyPattern");
            if (timeout == null || timeout.isNegative() || timeout.isZero())
                throw new IllegalArgumentException("bootTimeout must be positive");
        }
    }

    /** A machine of the defaults booting {@code boot}. */
    public static MachineSpec of(String name, Boot boot, Accel accel) {
        return new MachineSpec(
                name, boot, 1024, 1, accel, true, true, new Ready(DEFAULT_READY, Duration.ofSeconds(90)));
    }

    public MachineSpec withMemoryMb(int mb) {
        return new MachineSpec(name, boot, mb, vcpus, accel, network, channel, ready);
    }

    public MachineSpec withVcpus(int n) {
        return new MachineSpec(name, boot, memoryMb, n, accel, network, channel, ready);
    }

    public MachineSpec withNetwork(boolean nic) {
        return new MachineSpec(name, boot, memoryMb, vcpus, accel, nic, channel, ready);
    }

    public MachineSpec withChannel(boolean port) {
        return new MachineSpec(name, boot, memoryMb, vcpus, accel, network, port, ready);
    }

    public MachineSpec withReady(Pattern pattern, Duration timeout) {
        return new MachineSpec(name, boot, memoryMb, vcpus, accel, network, channel, new Ready(pattern, timeout));
    }
}
