package io.voidbox.sandbox.vm.image;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The initramfs archives of a guest image: the box's (busybox, the kernel modules {@code /init}
 * loads, {@code /init} itself, which mounts the root disk and starts the agent) and the bare-boot
 * floor's. The init scripts are resources next to this class.
 */
final class Initramfs {
    private Initramfs() {}

    /** The box initramfs: busybox applets, the modules in load order, {@code /init} and the links into the root disk. */
    static void write(Path file, Path busybox, List<String> applets, List<KernelModules.Module> modules, String fsType)
            throws IOException {
        try (CpioWriter cpio = new CpioWriter(new BufferedOutputStream(Files.newOutputStream(file), 1 << 16))) {
            for (String d : List.of(
                    "proc",
                    "sys",
                    "dev",
                    "run",
                    "tmp",
                    "etc",
                    "root",
                    "workspace",
                    "home/agent",
                    "opt/voidbox",
                    "usr/bin",
                    "usr/sbin",
                    "sbin",
                    "voidbox/modules")) {
                cpio.directory(d, d.equals("tmp") ? 01777 : d.equals("root") ? 0700 : 0755);
            }
            cpio.charDevice("dev/console", 0600, 5, 1);
            cpio.charDevice("dev/null", 0666, 1, 3);
            cpio.file("init", 0755, script("init.sh"));
            cpio.file("bin/busybox", 0755, busybox);
            for (String a : applets) {
                String path = a.trim();
                if (path.isEmpty() || path.equals("bin/busybox") || path.endsWith("/setpriv") || path.equals("linuxrc"))
                    continue;
                cpio.symlink(path, "/bin/busybox");
            }
            // Everything dynamically linked lives on the root disk; these links make it appear where the loader looks.
            cpio.symlink("lib", "/opt/voidbox/sys/lib");
            cpio.symlink("lib64", "/opt/voidbox/sys/lib64");
            cpio.symlink("usr/lib", "/opt/voidbox/sys/lib");
            cpio.symlink("bin/bash", "/opt/voidbox/sys/bin/bash");
            cpio.symlink("bin/setpriv", "/opt/voidbox/sys/bin/setpriv");
            cpio.symlink("usr/sbin/nft", "/opt/voidbox/sys/bin/nft");
            cpio.symlink("usr/bin/claude", "/opt/voidbox/bin/claude");
            cpio.symlink("etc/ssl/certs", "/opt/voidbox/sys/etc/ssl/certs");
            cpio.file(
                    "etc/passwd",
                    0644,
                    ("root:x:0:0:root:/root:/bin/sh\nagent:x:1000:1000:agent:/home/agent:/bin/bash\n")
                            .getBytes(StandardCharsets.UTF_8));
            cpio.file("etc/group", 0644, ("root:x:0:\ntty:x:5:\nagent:x:1000:\n").getBytes(StandardCharsets.UTF_8));
            cpio.file(
                    "etc/hosts",
                    0644,
                    ("127.0.0.1 localhost voidbox\n::1 localhost\n").getBytes(StandardCharsets.UTF_8));
            cpio.file(
                    "etc/nsswitch.conf",
                    0644,
                    ("passwd: files\ngroup: files\nhosts: files dns\n").getBytes(StandardCharsets.UTF_8));
            cpio.file("etc/shells", 0644, ("/bin/sh\n/bin/bash\n").getBytes(StandardCharsets.UTF_8));
            StringBuilder order = new StringBuilder();
            for (KernelModules.Module m : modules) {
                cpio.file("voidbox/modules/" + m.name() + ".ko", 0644, KernelModules.load(m));
                order.append(m.name()).append('\n');
            }
            cpio.file("voidbox/modules.order", 0644, order.toString().getBytes(StandardCharsets.UTF_8));
            cpio.file("voidbox/rootfs.type", 0644, fsType.getBytes(StandardCharsets.UTF_8));
        }
    }

    /** Busybox and a marker-printing {@code /init}: the floor any guest boot is measured against. */
    static void writeBare(Path file, Path busybox) throws IOException {
        try (CpioWriter cpio = new CpioWriter(new BufferedOutputStream(Files.newOutputStream(file), 1 << 16))) {
            cpio.directory("proc", 0755);
            cpio.directory("dev", 0755);
            cpio.charDevice("dev/console", 0600, 5, 1);
            cpio.file("init", 0755, script("bare-init.sh"));
            cpio.file("bin/busybox", 0755, busybox);
            cpio.symlink("bin/sh", "busybox");
        }
    }

    /** An init script ({@code init.sh}, {@code bare-init.sh}) as stored in the archive and hashed into the image id. */
    static byte[] script(String name) throws IOException {
        try (InputStream in = Initramfs.class.getResourceAsStream(name)) {
            if (in == null) throw new IOException("missing resource " + name + " next to " + Initramfs.class.getName());
            return in.readAllBytes();
        }
    }
}
