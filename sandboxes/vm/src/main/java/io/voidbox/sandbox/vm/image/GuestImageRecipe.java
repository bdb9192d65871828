package io.voidbox.sandbox.vm.image;

import io.voidbox.sandbox.vm.image.GuestImageConfig.RootFormat;
import io.voidbox.sandbox.vm.internal.HostCommand;
import io.voidbox.spi.support.FileTrees;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * How a guest image is made, without root: the Debian cloud kernel and the modules {@code /init}
 * loads, a busybox initramfs, a jlinked JRE with the agent (and its AOT cache), Claude Code and
 * the host libraries they link against, on a squashfs or ext4 root disk. {@link #prepare} checks
 * the host tools and resolves every input (package versions, file hashes) so that the cache can
 * name the image before building it; {@link #buildInto} then writes it into a directory (the
 * initramfs archives with {@link Initramfs}, the libraries with {@link HostLibraries}).
 */
final class GuestImageRecipe {
    /** Bumped whenever the layout or the build steps change. */
    static final String BUILDER_VERSION = "9";
    /** Drivers the init script needs: virtio-mmio transport, console ports, block, net, rng, root fs. */
    static final List<String> GUEST_MODULES =
            List.of("virtio_mmio", "virtio_console", "virtio_blk", "virtio_net", "virtio_rng", "qemu_fw_cfg");
    /**
     * glibc's compiled {@code C.UTF-8} locale: agents' shells ask for it (Codex runs commands with
     * {@code LC_ALL=C.UTF-8}; without it bash warns on every command).
     */
    private static final Path C_UTF8 = Path.of("/usr/lib/locale/C.utf8");
    /**
     * Netfilter for the guest's refused-connection log ({@code net.denied}): nftables, its
     * {@code log} expression and the syslog logger it writes through ({@code /init} loads them).
     */
    static final List<String> NET_MODULES = List.of("nf_tables", "nft_log", "nf_log_syslog");
    /** {@code nft} and the libraries it needs that the host libraries may lack (copied when absent). */
    static final List<String> NFT_PACKAGES = List.of(
            "nftables",
            "libnftables1",
            "libnftnl11",
            "libmnl0",
            "libxtables12",
            "libjansson4",
            "libgmp10",
            "libedit2",
            "libbsd0",
            "libmd0",
            "libtinfo6");
    /** The Debian package whose {@code bin/busybox} is the initramfs userland. */
    static final String BUSYBOX_PACKAGE = "busybox-static";

    private final GuestImageConfig config;
    private final DebianPackages debs;
    private final Consumer<String> progress;
    private final RootFormat rootFormat;
    private final Path jdkHome;
    private final Path claudeBinary;
    private final String kernelPkg;
    private final String kernelVersion;
    private final String busyboxVersion;
    private final Map<String, Path> libs;
    private final SortedMap<String, String> inputs = new TreeMap<>();

    private GuestImageRecipe(GuestImageConfig config, DebianPackages debs, Consumer<String> progress)
            throws IOException, InterruptedException {
        this.config = config;
        this.debs = debs;
        this.progress = progress;
        this.rootFormat = config.rootFormat();
        this.jdkHome = config.jre().jdkHome();
        this.claudeBinary = config.claudeBinary().orElse(null);
        validate();
        kernelPkg = debs.resolveDependency(config.kernelPackage(), "linux-image-");
        kernelVersion = debs.candidateVersion(kernelPkg);
        busyboxVersion = debs.candidateVersion(BUSYBOX_PACKAGE);
        List<Path> hostElfs = hostElfs();
        libs = HostLibraries.of(hostElfs, jdkHome);

        inputs.put("builder", BUILDER_VERSION);
        inputs.put("kernel", kernelPkg + "=" + kernelVersion);
        inputs.put("busybox", BUSYBOX_PACKAGE + "=" + busyboxVersion);
        debs.candidateVersions(NFT_PACKAGES).forEach((pkg, version) -> inputs.put("deb." + pkg, version));
        inputs.put("init", sha256(Initramfs.script("init.sh")));
        inputs.put("bareInit", sha256(Initramfs.script("bare-init.sh")));
        inputs.put("jdk", sha256(Files.readAllBytes(jdkHome.resolve("release"))));
        inputs.put("cds", Boolean.toString(config.jre().cds()));
        inputs.put("aotCache", Boolean.toString(config.agent().aotCache()));
        inputs.put("rootFormat", rootFormat.name());
        inputs.put("mainClass", config.agent().mainClass());
        inputs.put("javaOptions", String.join(" ", config.agent().javaOptions()));
        inputs.put("extraModules", String.join(",", config.jre().extraModules()));
        List<Path> agentJars = config.agent().jars();
        for (int i = 0; i < agentJars.size(); i++)
            inputs.put("jar." + i, agentJars.get(i).getFileName() + "=" + sha256(agentJars.get(i)));
        inputs.put("claude", claudeBinary == null ? "none" : sha256(claudeBinary));
        for (var e : libs.entrySet()) inputs.put("lib." + e.getKey(), sha256(e.getValue()));
        inputs.put("bash", sha256(Path.of("/bin/bash")));
        inputs.put("setpriv", sha256(HostCommand.require("setpriv", "util-linux")));
        inputs.put("locale", Files.isDirectory(C_UTF8) ? AgentLayerRecipe.listingHash(C_UTF8) : "none");
        inputs.put(
                "cacerts",
                caCertificates().map(GuestImageRecipe::sha256Unchecked).orElse("none"));
    }

    /**
     * Checks that the host can build {@code config} (full JDK, inputs present, host tools installed),
     * resolves the package versions and the libraries to copy, and hashes every input.
     */
    static GuestImageRecipe prepare(GuestImageConfig config, DebianPackages debs, Consumer<String> progress)
            throws IOException, InterruptedException {
        return new GuestImageRecipe(config, debs, progress);
    }

    /** The image's id: the first 16 hex digits of the SHA-256 of all inputs, one {@code key=value} line each. */
    String id() {
        StringBuilder all = new StringBuilder();
        inputs.forEach((k, v) -> all.append(k).append('=').append(v).append('\n'));
        return sha256(all.toString().getBytes(StandardCharsets.UTF_8)).substring(0, 16);
    }

    private void validate() throws IOException {
        if (!Files.isExecutable(jdkHome.resolve("bin/jlink"))) {
            throw new IOException("jdkHome " + jdkHome
                    + " has no bin/jlink: point it at a full JDK 25 (e.g. /usr/lib/jvm/temurin-25-jdk-amd64)");
        }
        for (Path jar : config.agent().jars())
            if (!Files.isRegularFile(jar)) throw new IOException("agent jar not found: " + jar);
        if (claudeBinary != null && !Files.isRegularFile(claudeBinary))
            throw new IOException("Claude Code binary not found: " + claudeBinary);
        HostCommand.require("apt-get", "apt");
        HostCommand.require("dpkg-deb", "dpkg");
        HostCommand.require("ldd", "libc-bin");
        HostCommand.require("setpriv", "util-linux");
        if (rootFormat == RootFormat.SQUASHFS) HostCommand.require("mksquashfs", "squashfs-tools");
        else HostCommand.require("mkfs.ext4", "e2fsprogs");
    }

    /**
     * Unpacks kernel package {@code pkg}, copies its {@code vmlinuz} to {@code out/vmlinuz} and
     * returns its modules directory ({@code lib/modules/<uname>}).
     */
    static Path unpackKernel(DebianPackages debs, String pkg, String version, Path out)
            throws IOException, InterruptedException {
        Path kernelTree = debs.extract(debs.download(pkg, version));
        Path modulesBase = kernelTree.resolve("lib/modules");
        String uname;
        try (var s = Files.list(modulesBase)) {
            uname = s.map(p -> p.getFileName().toString())
                    .findFirst()
                    .orElseThrow(() -> new IOException("no lib/modules/<version> in " + pkg));
        }
        Path vmlinuz = kernelTree.resolve("boot/vmlinuz-" + uname);
        if (!Files.isRegularFile(vmlinuz)) throw new IOException(pkg + " has no boot/vmlinuz-" + uname);
        Files.copy(vmlinuz, out.resolve("vmlinuz"));
        return modulesBase.resolve(uname);
    }

    /** The static busybox binary of Debian's {@value #BUSYBOX_PACKAGE} {@code version}. */
    static Path busybox(DebianPackages debs, String version) throws IOException, InterruptedException {
        Path busybox = debs.extract(debs.download(BUSYBOX_PACKAGE, version)).resolve("bin/busybox");
        if (!Files.isRegularFile(busybox)) throw new IOException(BUSYBOX_PACKAGE + " has no bin/busybox");
        return busybox;
    }

    /** Writes the image (kernel, both initramfs, root disk, manifest) into the empty directory {@code out}. */
    void buildInto(Path out) throws IOException, InterruptedException {
        progress.accept(
                "downloading " + kernelPkg + "=" + kernelVersion + " and " + BUSYBOX_PACKAGE + "=" + busyboxVersion);
        Path modulesDir = unpackKernel(debs, kernelPkg, kernelVersion, out);
        String uname = modulesDir.getFileName().toString();
        Path busybox = busybox(debs, busyboxVersion);

        KernelModules km = new KernelModules(modulesDir);
        List<String> wanted = new ArrayList<>(GUEST_MODULES);
        wanted.addAll(NET_MODULES);
        if (rootFormat == RootFormat.SQUASHFS) wanted.add("squashfs");
        List<KernelModules.Module> modules = km.resolve(wanted);
        progress.accept("kernel " + uname + ", modules: "
                + modules.stream().map(KernelModules.Module::name).toList());

        List<String> applets = List.of(HostCommand.check(null, 30, List.of(busybox.toString(), "--list-full"))
                .split("\n"));
        String fsType = rootFormat == RootFormat.SQUASHFS ? "squashfs" : "ext4";
        Initramfs.write(out.resolve("initramfs.cpio"), busybox, applets, modules, fsType);
        Initramfs.writeBare(out.resolve("bare-initramfs.cpio"), busybox);

        Path stage = out.resolve("root.stage");
        buildRootTree(stage, libs);
        progress.accept("creating " + fsType + " root disk");
        Path rootImg = out.resolve("root.img");
        DiskImages.write(stage, rootImg, rootFormat == RootFormat.SQUASHFS, "voidbox", 32);
        FileTrees.delete(stage);

        Properties p = new Properties();
        p.setProperty("kernel", "vmlinuz");
        p.setProperty("initramfs", "initramfs.cpio");
        p.setProperty("bareInitramfs", "bare-initramfs.cpio");
        p.setProperty("rootDisk", "root.img");
        p.setProperty("rootFsType", fsType);
        p.setProperty("kernelVersion", uname);
        p.setProperty("hasClaude", Boolean.toString(claudeBinary != null));
        p.setProperty("createdAt", Instant.now().toString());
        inputs.forEach((k, v) -> p.setProperty("input." + k, v));
        p.setProperty("sizeBytes", Long.toString(GuestImageCache.sizeOf(out) + 4096));
        try (OutputStream o = Files.newOutputStream(out.resolve(GuestImage.MANIFEST))) {
            p.store(o, "VoidBox guest image");
        }
    }

    /**
     * Runs the agent's training round on the host with the guest's JRE and records a JDK AOT cache
     * next to the jars. The host classpath is the guest's one relocated under {@code stage}: the JVM
     * accepts a relocated classpath whose jars keep their names, sizes and mtimes (the root disk
     * keeps them). Returns the guest JVM options that use the cache ({@code -Xshare} excluded: an
     * AOT cache replaces the default CDS archive), mapped without relocation. A failed training
     * keeps the plain options.
     */
    private List<String> recordAotCache(Path stage, Path agentDir, List<String> guestClasspath)
            throws InterruptedException {
        List<String> base = config.agent().javaOptions().stream()
                .filter(o -> !o.startsWith("-Xshare"))
                .toList();
        Path cache = agentDir.resolve("agent.aot");
        List<String> cmd = new ArrayList<>(List.of(stage.resolve("jre/bin/java").toString()));
        cmd.addAll(base);
        cmd.add("-XX:AOTCacheOutput=" + cache);
        cmd.add("-cp");
        cmd.add(String.join(
                ":",
                guestClasspath.stream()
                        .map(p -> stage.resolve(p.substring(GuestImage.GUEST_ROOT.length() + 1))
                                .toString())
                        .toList()));
        cmd.add(config.agent().mainClass());
        cmd.add("--train");
        progress.accept("AOT cache: training the agent on the host");
        try {
            HostCommand.check(agentDir, 600, cmd);
        } catch (IOException e) {
            progress.accept("AOT cache not recorded, the agent starts without it: " + e.getMessage());
            return config.agent().javaOptions();
        }
        if (!Files.isRegularFile(cache)) {
            progress.accept("AOT cache not recorded (no " + cache.getFileName() + "), the agent starts without it");
            return config.agent().javaOptions();
        }
        List<String> options = new ArrayList<>(base);
        options.add("-XX:AOTCache=" + GuestImage.GUEST_AGENT_DIR + "/" + cache.getFileName());
        // Map the cache at its recorded address instead of relocating its ~14 MB of pointers (JDK 25
        // default: always relocate, for ASLR); only a failed mapping falls back to relocation.
        options.add("-XX:+UnlockDiagnosticVMOptions");
        options.add("-XX:ArchiveRelocationMode=0");
        return List.copyOf(options);
    }

    private void buildRootTree(Path stage, Map<String, Path> libs) throws IOException, InterruptedException {
        Files.createDirectories(stage);
        // JRE
        Set<String> jdkModules = new LinkedHashSet<>(List.of("java.base"));
        List<Path> agentJars = config.agent().jars();
        if (!agentJars.isEmpty()) {
            List<String> cmd = new ArrayList<>(List.of(
                    jdkHome.resolve("bin/jdeps").toString(),
                    "--print-module-deps",
                    "--ignore-missing-deps",
                    "--multi-release",
                    "25"));
            agentJars.forEach(j -> cmd.add(j.toString()));
            String deps = HostCommand.check(null, 300, cmd).trim();
            for (String m : deps.lines().reduce((a, b) -> b).orElse("").split(","))
                if (!m.isBlank()) jdkModules.add(m.trim());
        }
        jdkModules.addAll(config.jre().extraModules());
        progress.accept("jlink " + String.join(",", jdkModules) + (config.jre().cds() ? " with CDS archive" : ""));
        List<String> jlink = new ArrayList<>(List.of(
                jdkHome.resolve("bin/jlink").toString(),
                "--add-modules",
                String.join(",", jdkModules),
                "--strip-debug",
                "--no-man-pages",
                "--no-header-files",
                "--output",
                stage.resolve("jre").toString()));
        if (config.jre().cds()) jlink.add("--generate-cds-archive");
        HostCommand.check(null, 900, jlink);

        // Agent
        Path agentDir = Files.createDirectories(stage.resolve("agent"));
        List<String> cp = new ArrayList<>();
        for (Path jar : agentJars) {
            Files.copy(jar, agentDir.resolve(jar.getFileName()));
            cp.add(GuestImage.GUEST_AGENT_DIR + "/" + jar.getFileName());
        }
        if (!agentJars.isEmpty()) {
            List<String> options = config.agent().javaOptions();
            if (config.jre().cds() && config.agent().aotCache()) options = recordAotCache(stage, agentDir, cp);
            String env = "# sourced by /init\n"
                    + "VOIDBOX_JAVA_OPTS='" + String.join(" ", options) + "'\n"
                    + "VOIDBOX_CLASSPATH='" + String.join(":", cp) + "'\n"
                    + "VOIDBOX_MAIN_CLASS='" + config.agent().mainClass() + "'\n";
            Files.writeString(agentDir.resolve("agent.env"), env);
        }

        // Claude Code
        if (claudeBinary != null) {
            Path bin = Files.createDirectories(stage.resolve("bin"));
            Files.copy(claudeBinary, bin.resolve("claude"));
            bin.resolve("claude").toFile().setExecutable(true, false);
        }

        // glibc & co. for java, claude, bash and setpriv, at the paths ldd reported (under sys/).
        Path sys = stage.resolve("sys");
        for (var e : libs.entrySet()) {
            Path dest = sys.resolve(HostLibraries.guestLibPath(e.getKey()));
            Files.createDirectories(dest.getParent());
            Files.copy(e.getValue(), dest, StandardCopyOption.REPLACE_EXISTING);
        }
        copyNft(sys);
        Files.createDirectories(sys.resolve("bin"));
        Files.copy(Path.of("/bin/bash"), sys.resolve("bin/bash"));
        Files.copy(HostCommand.require("setpriv", "util-linux"), sys.resolve("bin/setpriv"));
        if (Files.isDirectory(C_UTF8)) copyTree(C_UTF8, sys.resolve("lib/locale/C.utf8"));
        Optional<Path> certs = caCertificates();
        if (certs.isPresent()) {
            Files.createDirectories(sys.resolve("etc/ssl/certs"));
            Files.copy(certs.get(), sys.resolve("etc/ssl/certs/ca-certificates.crt"));
        } else {
            progress.accept(
                    "warning: /etc/ssl/certs/ca-certificates.crt not found (apt-get install -y ca-certificates): TLS to real providers will fail in the guest");
        }
    }

    /**
     * {@code nft} into {@code sys/bin} and the shared libraries of {@link #NFT_PACKAGES} into
     * {@code sys/lib/x86_64-linux-gnu}, keeping the host's copy of any library already there.
     */
    private void copyNft(Path sys) throws IOException, InterruptedException {
        Path libDir = Files.createDirectories(sys.resolve("lib/x86_64-linux-gnu"));
        for (String pkg : NFT_PACKAGES) {
            Path tree = debs.extract(debs.download(pkg, inputs.get("deb." + pkg)));
            Path nft = tree.resolve("usr/sbin/nft");
            if (Files.isRegularFile(nft)) {
                Files.createDirectories(sys.resolve("bin"));
                Files.copy(nft, sys.resolve("bin/nft"), StandardCopyOption.REPLACE_EXISTING);
                sys.resolve("bin/nft").toFile().setExecutable(true, false);
            }
            for (String dir : List.of("usr/lib/x86_64-linux-gnu", "lib/x86_64-linux-gnu")) {
                if (!Files.isDirectory(tree.resolve(dir))) continue;
                try (DirectoryStream<Path> ds = Files.newDirectoryStream(tree.resolve(dir), "*.so.*")) {
                    for (Path lib : ds) {
                        Path dest = libDir.resolve(lib.getFileName().toString());
                        if (!Files.exists(dest, LinkOption.NOFOLLOW_LINKS)) Files.copy(lib, dest);
                    }
                }
            }
        }
        if (!Files.isRegularFile(sys.resolve("bin/nft"))) throw new IOException("package nftables has no usr/sbin/nft");
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (var walk = Files.walk(from)) {
            for (Path p : walk.toList()) {
                Path dest = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(dest);
                else Files.copy(p, dest);
            }
        }
    }

    private List<Path> hostElfs() throws IOException {
        List<Path> elfs = new ArrayList<>(List.of(
                jdkHome.resolve("bin/java"),
                jdkHome.resolve("lib/server/libjvm.so"),
                Path.of("/bin/bash"),
                HostCommand.require("setpriv", "util-linux")));
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(jdkHome.resolve("lib"), "*.so")) {
            ds.forEach(elfs::add);
        }
        if (claudeBinary != null) elfs.add(claudeBinary);
        return elfs;
    }

    private static Optional<Path> caCertificates() {
        Path p = Path.of("/etc/ssl/certs/ca-certificates.crt");
        return Files.isRegularFile(p) ? Optional.of(p) : Optional.empty();
    }

    private static String sha256(byte[] bytes) {
        return HexFormat.of().formatHex(digest().digest(bytes));
    }

    static String sha256(Path file) throws IOException {
        MessageDigest md = digest();
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 20];
            for (int n; (n = in.read(buf)) > 0; ) md.update(buf, 0, n);
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static String sha256Unchecked(Path file) {
        try {
            return sha256(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
