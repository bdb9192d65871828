package io.voidbox.sandbox.vm.image;

import io.voidbox.sandbox.vm.internal.HostCommand;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * How a {@link ShareKernel} is made: Debian's generic kernel and an initramfs of the same layout as
 * the image's ({@link Initramfs#write}), its modules being the image's plus 9p over virtio. Named
 * by the hash of its inputs, like images.
 */
final class ShareKernelRecipe {
    static final String BUILDER_VERSION = "1";
    /** The metapackage of Debian's generic kernel, which has 9p (and virtiofs) as modules. */
    static final String KERNEL_PACKAGE = "linux-image-amd64";

    static final List<String> SHARE_MODULES = List.of("9p", "9pnet_virtio");
    private static final String BUSYBOX_PACKAGE = GuestImageRecipe.BUSYBOX_PACKAGE;

    private final DebianPackages debs;
    private final String fsType;
    private final String kernelPkg;
    private final String kernelVersion;
    private final String busyboxVersion;
    private final SortedMap<String, String> inputs = new TreeMap<>();

    ShareKernelRecipe(DebianPackages debs, String fsType) throws IOException, InterruptedException {
        this.debs = debs;
        this.fsType = fsType;
        kernelPkg = debs.resolveDependency(KERNEL_PACKAGE, "linux-image-");
        kernelVersion = debs.candidateVersion(kernelPkg);
        busyboxVersion = debs.candidateVersion(BUSYBOX_PACKAGE);
        inputs.put("builder", BUILDER_VERSION);
        inputs.put("kernel", kernelPkg + "=" + kernelVersion);
        inputs.put("busybox", BUSYBOX_PACKAGE + "=" + busyboxVersion);
        inputs.put("init", sha256(Initramfs.script("init.sh")));
        inputs.put("fsType", fsType);
        inputs.put("modules", String.join(",", GuestImageRecipe.GUEST_MODULES) + "," + String.join(",", SHARE_MODULES));
    }

    String id() {
        StringBuilder all = new StringBuilder();
        inputs.forEach((k, v) -> all.append(k).append('=').append(v).append('\n'));
        return sha256(all.toString().getBytes(StandardCharsets.UTF_8)).substring(0, 16);
    }

    void buildInto(Path out, Consumer<String> progress) throws IOException, InterruptedException {
        progress.accept("downloading " + kernelPkg + "=" + kernelVersion + " (the kernel of boxes with mounts)");
        Path modulesDir = GuestImageRecipe.unpackKernel(debs, kernelPkg, kernelVersion, out);
        String uname = modulesDir.getFileName().toString();
        Path busybox = GuestImageRecipe.busybox(debs, busyboxVersion);
        List<String> wanted = new ArrayList<>(GuestImageRecipe.GUEST_MODULES);
        if (fsType.equals("squashfs")) wanted.add("squashfs");
        wanted.addAll(SHARE_MODULES);
        List<KernelModules.Module> modules = new KernelModules(modulesDir).resolve(wanted);
        progress.accept("share kernel " + uname + ", modules: "
                + modules.stream().map(KernelModules.Module::name).toList());
        List<String> applets = List.of(HostCommand.check(null, 30, List.of(busybox.toString(), "--list-full"))
                .split("\n"));
        Initramfs.write(out.resolve("initramfs.cpio"), busybox, applets, modules, fsType);
        Properties p = new Properties();
        p.setProperty("kernelVersion", uname);
        inputs.forEach((k, v) -> p.setProperty("input." + k, v));
        try (OutputStream o = Files.newOutputStream(out.resolve(ShareKernel.MANIFEST))) {
            p.store(o, "VoidBox share kernel");
        }
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
