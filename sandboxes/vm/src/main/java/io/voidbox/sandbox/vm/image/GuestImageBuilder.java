package io.voidbox.sandbox.vm.image;

import io.voidbox.sandbox.vm.internal.HostCommand;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Builds the guest image (kernel, initramfs, read-only root disk) from Debian packages and the
 * host's JDK, without root, and caches it under {@code <data dir>/images/<hash>/}. The hash covers
 * every input (package versions, jars, the Claude Code binary, the init script, this builder's
 * version), so {@link #build()} is cheap when nothing changed and never reuses a stale image.
 * Concurrent builders (threads or processes) serialise on a file lock; an image directory appears
 * atomically (built in a temp dir, then renamed).
 *
 * <p>Configuration is fluent; one instance belongs to one caller.
 */
public final class GuestImageBuilder {
    /** Bumped whenever the layout or the build steps change. */
    static final String BUILDER_VERSION = "8";
    static final String DEFAULT_MAIN_CLASS = "io.voidbox.guest.GuestAgent";
    /**
     * JVM flags for a short-lived agent in a small 1-vCPU VM: C1 only, one compiler thread and 5x the
     * compile thresholds (under TCG compiling the start-up code costs more than interpreting it).
     */
    static final List<String> DEFAULT_JAVA_OPTIONS = List.of(
            "-XX:TieredStopAtLevel=1", "-XX:CICompilerCount=1", "-XX:CompileThresholdScaling=5", "-XX:+UseSerialGC", "-Xshare:auto", "-Xss512k",
            "-XX:-UsePerfData");
    /** Drivers the init script needs: virtio-mmio transport, console ports, block, net, rng, root fs. */
    static final List<String> GUEST_MODULES = List.of(
            "virtio_mmio", "virtio_console", "virtio_blk", "virtio_net", "virtio_rng");
    static final String INSTALL_HINT = "apt-get install -y qemu-system-x86 busybox-static squashfs-tools lz4 cpio zstd";

    /** Format of the read-only root disk. */
    public enum RootFormat {
        /** Compressed (lz4, cheap to decompress under TCG); needs the squashfs module and mksquashfs. */
        SQUASHFS,
        /** Uncompressed, no module needed (ext4 is built into the cloud kernel); needs mkfs.ext4. */
        EXT4
    }

    private Path dataDir = defaultDataDir();
    private String kernelPackage = "linux-image-cloud-amd64";
    private String busyboxPackage = "busybox-static";
    private Path jdkHome = Path.of(System.getProperty("java.home"));
    private final List<Path> agentJars = new ArrayList<>();
    private final Set<String> extraModules = new LinkedHashSet<>();
    private String mainClass = DEFAULT_MAIN_CLASS;
    private List<String> javaOptions = DEFAULT_JAVA_OPTIONS;
    private Path claudeBinary;
    private boolean cds = true;
    private boolean aotCache = true;
    private RootFormat rootFormat = RootFormat.SQUASHFS;
    private Consumer<String> progress = s -> {};

    private GuestImageBuilder() {}

    public static GuestImageBuilder create() {
        return new GuestImageBuilder();
    }

    /** {@code ${VOIDBOX_DATA_DIR:-${XDG_DATA_HOME:-~/.local/share}/voidbox}}. */
    public static Path defaultDataDir() {
        String explicit = System.getenv("VOIDBOX_DATA_DIR");
        if (explicit != null && !explicit.isBlank()) return Path.of(explicit);
        String xdg = System.getenv("XDG_DATA_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".local", "share");
        return base.resolve("voidbox");
    }

    public GuestImageBuilder dataDir(Path dir) { this.dataDir = Objects.requireNonNull(dir); return this; }

    /** A Debian kernel package or metapackage (default {@code linux-image-cloud-amd64}). */
    public GuestImageBuilder kernelPackage(String pkg) { this.kernelPackage = Objects.requireNonNull(pkg); return this; }

    /** The JDK whose runtime image is jlinked into the guest (default: the running one). */
    public GuestImageBuilder jdkHome(Path home) { this.jdkHome = Objects.requireNonNull(home); return this; }

    /** Jars on the guest agent's class path (guest + protocol). None: the image has no agent. */
    public GuestImageBuilder agentJars(List<Path> jars) { agentJars.clear(); agentJars.addAll(jars); return this; }

    public GuestImageBuilder mainClass(String mainClass) { this.mainClass = Objects.requireNonNull(mainClass); return this; }

    public GuestImageBuilder javaOptions(List<String> options) { this.javaOptions = List.copyOf(options); return this; }

    /** JDK modules to add beyond what {@code jdeps} finds in the agent jars (ServiceLoader users). */
    public GuestImageBuilder extraJdkModules(List<String> modules) { extraModules.addAll(modules); return this; }

    /** The Claude Code native binary to put at {@code /usr/bin/claude}; null for none. */
    public GuestImageBuilder claudeBinary(Path binary) { this.claudeBinary = binary; return this; }

    /** Generate the JRE's default CDS archive (faster JVM start in the guest). */
    public GuestImageBuilder cds(boolean cds) { this.cds = cds; return this; }

    /**
     * Record a JDK AOT cache of the agent at build time ({@code GuestAgent --train} run on the host
     * with the guest's JRE; needs {@link #cds} and agent jars). The JVM then starts with the
     * agent's classes already loaded and linked: under TCG that saves seconds per boot.
     */
    public GuestImageBuilder aotCache(boolean aotCache) { this.aotCache = aotCache; return this; }

    public GuestImageBuilder rootFormat(RootFormat format) { this.rootFormat = Objects.requireNonNull(format); return this; }

    public GuestImageBuilder progress(Consumer<String> progress) { this.progress = Objects.requireNonNull(progress); return this; }

    public Path imagesDir() {
        return dataDir.resolve("images");
    }

    /** The cached image for the current inputs, building it first when needed. */
    public GuestImage build() throws IOException, InterruptedException {
        validate();
        DebianPackages debs = new DebianPackages(dataDir.resolve("downloads"));
        String kernelPkg = debs.resolveDependency(kernelPackage, "linux-image-");
        String kernelVersion = debs.candidateVersion(kernelPkg);
        String busyboxVersion = debs.candidateVersion(busyboxPackage);
        List<Path> hostElfs = hostElfs();
        Map<String, Path> libs = sharedLibraries(hostElfs);

        TreeMap<String, String> inputs = new TreeMap<>();
        inputs.put("builder", BUILDER_VERSION);
        inputs.put("kernel", kernelPkg + "=" + kernelVersion);
        inputs.put("busybox", busyboxPackage + "=" + busyboxVersion);
        inputs.put("init", sha256(resource("init.sh")));
        inputs.put("bareInit", sha256(resource("bare-init.sh")));
        inputs.put("jdk", sha256(Files.readAllBytes(jdkHome.resolve("release"))));
        inputs.put("cds", Boolean.toString(cds));
        inputs.put("aotCache", Boolean.toString(aotCache));
        inputs.put("rootFormat", rootFormat.name());
        inputs.put("mainClass", mainClass);
        inputs.put("javaOptions", String.join(" ", javaOptions));
        inputs.put("extraModules", String.join(",", extraModules));
        for (int i = 0; i < agentJars.size(); i++) inputs.put("jar." + i, agentJars.get(i).getFileName() + "=" + sha256(agentJars.get(i)));
        inputs.put("claude", claudeBinary == null ? "none" : sha256(claudeBinary));
        for (var e : libs.entrySet()) inputs.put("lib." + e.getKey(), sha256(e.getValue()));
        inputs.put("bash", sha256(Path.of("/bin/bash")));
        inputs.put("setpriv", sha256(HostCommand.require("setpriv", "util-linux")));
        inputs.put("cacerts", caCertificates().map(GuestImageBuilder::sha256Unchecked).orElse("none"));
        StringBuilder all = new StringBuilder();
        inputs.forEach((k, v) -> all.append(k).append('=').append(v).append('\n'));
        String id = sha256(all.toString().getBytes(StandardCharsets.UTF_8)).substring(0, 16);

        Path images = imagesDir();
        Files.createDirectories(images);
        Path target = images.resolve(id);
        if (Files.exists(target.resolve(GuestImage.MANIFEST))) return GuestImage.load(target);
        try (FileChannel ch = FileChannel.open(images.resolve(".lock-" + id), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock ignored = lock(ch)) {
            if (Files.exists(target.resolve(GuestImage.MANIFEST))) return GuestImage.load(target);
            Path tmp = Files.createTempDirectory(images, ".build-" + id + "-");
            try {
                progress.accept("building guest image " + id + " in " + tmp);
                buildInto(tmp, debs, kernelPkg, kernelVersion, busyboxVersion, libs, inputs);
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                io.voidbox.spi.support.FileTrees.delete(tmp);
            }
            progress.accept("guest image " + id + " ready at " + target);
            return GuestImage.load(target);
        }
    }

    /** Images in the cache, newest first. */
    public List<GuestImage> list() throws IOException {
        List<GuestImage> out = new ArrayList<>();
        if (!Files.isDirectory(imagesDir())) return out;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(imagesDir())) {
            for (Path d : ds) {
                if (d.getFileName().toString().startsWith(".") || !Files.exists(d.resolve(GuestImage.MANIFEST))) continue;
                out.add(GuestImage.load(d));
            }
        }
        out.sort((a, b) -> b.createdAt().compareTo(a.createdAt()));
        return out;
    }

    /**
     * Removes cached images (and leftovers of interrupted builds), and the package downloads when
     * {@code includeDownloads}; returns how many bytes were freed.
     */
    public long clean(boolean includeDownloads) throws IOException {
        long freed = 0;
        if (Files.isDirectory(imagesDir())) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(imagesDir())) {
                for (Path d : ds) {
                    if (d.getFileName().toString().startsWith(".lock-")) continue;
                    freed += sizeOf(d);
                    io.voidbox.spi.support.FileTrees.delete(d);
                }
            }
        }
        Path downloads = dataDir.resolve("downloads");
        if (includeDownloads && Files.isDirectory(downloads)) {
            freed += sizeOf(downloads);
            io.voidbox.spi.support.FileTrees.delete(downloads);
        }
        return freed;
    }

    private void validate() throws IOException {
        if (!Files.isExecutable(jdkHome.resolve("bin/jlink"))) {
            throw new IOException("jdkHome " + jdkHome + " has no bin/jlink: point it at a full JDK 25 (e.g. /usr/lib/jvm/temurin-25-jdk-amd64)");
        }
        for (Path jar : agentJars) if (!Files.isRegularFile(jar)) throw new IOException("agent jar not found: " + jar);
        if (claudeBinary != null && !Files.isRegularFile(claudeBinary)) throw new IOException("Claude Code binary not found: " + claudeBinary);
        HostCommand.require("apt-get", "apt");
        HostCommand.require("dpkg-deb", "dpkg");
        HostCommand.require("ldd", "libc-bin");
        HostCommand.require("setpriv", "util-linux");
        if (rootFormat == RootFormat.SQUASHFS) HostCommand.require("mksquashfs", "squashfs-tools");
        else HostCommand.require("mkfs.ext4", "e2fsprogs");
    }

    private void buildInto(Path out, DebianPackages debs, String kernelPkg, String kernelVersion, String busyboxVersion,
                           Map<String, Path> libs, Map<String, String> inputs) throws IOException, InterruptedException {
        progress.accept("downloading " + kernelPkg + "=" + kernelVersion + " and " + busyboxPackage + "=" + busyboxVersion);
        Path kernelTree = debs.extract(debs.download(kernelPkg, kernelVersion));
        Path busyboxTree = debs.extract(debs.download(busyboxPackage, busyboxVersion));
        Path busybox = busyboxTree.resolve("bin/busybox");
        if (!Files.isRegularFile(busybox)) throw new IOException(busyboxPackage + " has no bin/busybox");

        Path modulesBase = kernelTree.resolve("lib/modules");
        String uname;
        try (var s = Files.list(modulesBase)) {
            uname = s.map(p -> p.getFileName().toString()).findFirst().orElseThrow(() -> new IOException("no lib/modules/<version> in " + kernelPkg));
        }
        Path vmlinuz = kernelTree.resolve("boot/vmlinuz-" + uname);
        if (!Files.isRegularFile(vmlinuz)) throw new IOException(kernelPkg + " has no boot/vmlinuz-" + uname);
        Files.copy(vmlinuz, out.resolve("vmlinuz"));

        KernelModules km = new KernelModules(modulesBase.resolve(uname));
        List<String> wanted = new ArrayList<>(GUEST_MODULES);
        if (rootFormat == RootFormat.SQUASHFS) wanted.add("squashfs");
        List<KernelModules.Module> modules = km.resolve(wanted);
        progress.accept("kernel " + uname + ", modules: " + modules.stream().map(KernelModules.Module::name).toList());

        List<String> applets = List.of(HostCommand.check(null, 30, List.of(busybox.toString(), "--list-full")).split("\n"));
        String fsType = rootFormat == RootFormat.SQUASHFS ? "squashfs" : "ext4";
        writeInitramfs(out.resolve("initramfs.cpio"), busybox, applets, modules, fsType);
        writeBareInitramfs(out.resolve("bare-initramfs.cpio"), busybox);

        Path stage = out.resolve("root.stage");
        buildRootTree(stage, libs);
        progress.accept("creating " + fsType + " root disk");
        Path rootImg = out.resolve("root.img");
        if (rootFormat == RootFormat.SQUASHFS) {
            HostCommand.check(null, 1800, List.of(HostCommand.require("mksquashfs", "squashfs-tools").toString(), stage.toString(), rootImg.toString(),
                    "-noappend", "-all-root", "-comp", "lz4", "-no-progress", "-quiet", "-no-xattrs"));
        } else {
            long mb = sizeOf(stage) / (1024 * 1024) * 115 / 100 + 32;
            HostCommand.check(null, 1800, List.of(HostCommand.require("mkfs.ext4", "e2fsprogs").toString(), "-q", "-F", "-L", "voidbox",
                    "-O", "^has_journal", "-E", "root_owner=0:0", "-d", stage.toString(), rootImg.toString(), mb + "M"));
        }
        io.voidbox.spi.support.FileTrees.delete(stage);

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
        p.setProperty("sizeBytes", Long.toString(sizeOf(out) + 4096));
        try (OutputStream o = Files.newOutputStream(out.resolve(GuestImage.MANIFEST))) {
            p.store(o, "VoidBox guest image");
        }
    }

    private void writeInitramfs(Path file, Path busybox, List<String> applets, List<KernelModules.Module> modules, String fsType)
            throws IOException {
        try (CpioWriter cpio = new CpioWriter(new BufferedOutputStream(Files.newOutputStream(file), 1 << 16))) {
            for (String d : List.of("proc", "sys", "dev", "run", "tmp", "etc", "root", "workspace", "home/agent", "opt/voidbox", "usr/bin", "usr/sbin", "sbin", "voidbox/modules")) {
                cpio.directory(d, d.equals("tmp") ? 01777 : d.equals("root") ? 0700 : 0755);
            }
            cpio.charDevice("dev/console", 0600, 5, 1);
            cpio.charDevice("dev/null", 0666, 1, 3);
            cpio.file("init", 0755, resource("init.sh"));
            cpio.file("bin/busybox", 0755, busybox);
            for (String a : applets) {
                String path = a.trim();
                if (path.isEmpty() || path.equals("bin/busybox") || path.endsWith("/setpriv") || path.equals("linuxrc")) continue;
                cpio.symlink(path, "/bin/busybox");
            }
            // Everything dynamically linked lives on the root disk; these links make it appear where the loader looks.
            cpio.symlink("lib", "/opt/voidbox/sys/lib");
            cpio.symlink("lib64", "/opt/voidbox/sys/lib64");
            cpio.symlink("usr/lib", "/opt/voidbox/sys/lib");
            cpio.symlink("bin/bash", "/opt/voidbox/sys/bin/bash");
            cpio.symlink("bin/setpriv", "/opt/voidbox/sys/bin/setpriv");
            cpio.symlink("usr/bin/claude", "/opt/voidbox/bin/claude");
            cpio.symlink("etc/ssl/certs", "/opt/voidbox/sys/etc/ssl/certs");
            cpio.file("etc/passwd", 0644, ("root:x:0:0:root:/root:/bin/sh\nagent:x:1000:1000:agent:/home/agent:/bin/bash\n").getBytes(StandardCharsets.UTF_8));
            cpio.file("etc/group", 0644, ("root:x:0:\ntty:x:5:\nagent:x:1000:\n").getBytes(StandardCharsets.UTF_8));
            cpio.file("etc/hosts", 0644, ("127.0.0.1 localhost voidbox\n::1 localhost\n").getBytes(StandardCharsets.UTF_8));
            cpio.file("etc/nsswitch.conf", 0644, ("passwd: files\ngroup: files\nhosts: files dns\n").getBytes(StandardCharsets.UTF_8));
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
    static void writeBareInitramfs(Path file, Path busybox) throws IOException {
        try (CpioWriter cpio = new CpioWriter(new BufferedOutputStream(Files.newOutputStream(file), 1 << 16))) {
            cpio.directory("proc", 0755);
            cpio.directory("dev", 0755);
            cpio.charDevice("dev/console", 0600, 5, 1);
            cpio.file("init", 0755, resource("bare-init.sh"));
            cpio.file("bin/busybox", 0755, busybox);
            cpio.symlink("bin/sh", "busybox");
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
    private List<String> recordAotCache(Path stage, Path agentDir, List<String> guestClasspath) throws InterruptedException {
        List<String> base = javaOptions.stream().filter(o -> !o.startsWith("-Xshare")).toList();
        Path cache = agentDir.resolve("agent.aot");
        List<String> cmd = new ArrayList<>(List.of(stage.resolve("jre/bin/java").toString()));
        cmd.addAll(base);
        cmd.add("-XX:AOTCacheOutput=" + cache);
        cmd.add("-cp");
        cmd.add(String.join(":", guestClasspath.stream()
                .map(p -> stage.resolve(p.substring(GuestImage.GUEST_ROOT.length() + 1)).toString()).toList()));
        cmd.add(mainClass);
        cmd.add("--train");
        progress.accept("AOT cache: training the agent on the host");
        try {
            HostCommand.check(agentDir, 600, cmd);
        } catch (IOException e) {
            progress.accept("AOT cache not recorded, the agent starts without it: " + e.getMessage());
            return javaOptions;
        }
        if (!Files.isRegularFile(cache)) {
            progress.accept("AOT cache not recorded (no " + cache.getFileName() + "), the agent starts without it");
            return javaOptions;
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
        if (!agentJars.isEmpty()) {
            List<String> cmd = new ArrayList<>(List.of(jdkHome.resolve("bin/jdeps").toString(), "--print-module-deps", "--ignore-missing-deps",
                    "--multi-release", "25"));
            agentJars.forEach(j -> cmd.add(j.toString()));
            String deps = HostCommand.check(null, 300, cmd).trim();
            for (String m : deps.lines().reduce((a, b) -> b).orElse("").split(",")) if (!m.isBlank()) jdkModules.add(m.trim());
        }
        jdkModules.addAll(extraModules);
        progress.accept("jlink " + String.join(",", jdkModules) + (cds ? " with CDS archive" : ""));
        List<String> jlink = new ArrayList<>(List.of(jdkHome.resolve("bin/jlink").toString(), "--add-modules", String.join(",", jdkModules),
                "--strip-debug", "--no-man-pages", "--no-header-files", "--output", stage.resolve("jre").toString()));
        if (cds) jlink.add("--generate-cds-archive");
        HostCommand.check(null, 900, jlink);

        // Agent
        Path agentDir = Files.createDirectories(stage.resolve("agent"));
        List<String> cp = new ArrayList<>();
        for (Path jar : agentJars) {
            Files.copy(jar, agentDir.resolve(jar.getFileName()));
            cp.add(GuestImage.GUEST_AGENT_DIR + "/" + jar.getFileName());
        }
        if (!agentJars.isEmpty()) {
            List<String> options = javaOptions;
            if (cds && aotCache) options = recordAotCache(stage, agentDir, cp);
            String env = "# sourced by /init\n"
                    + "VOIDBOX_JAVA_OPTS='" + String.join(" ", options) + "'\n"
                    + "VOIDBOX_CLASSPATH='" + String.join(":", cp) + "'\n"
                    + "VOIDBOX_MAIN_CLASS='" + mainClass + "'\n";
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
            Path dest = sys.resolve(guestLibPath(e.getKey()));
            Files.createDirectories(dest.getParent());
            Files.copy(e.getValue(), dest, StandardCopyOption.REPLACE_EXISTING);
        }
        Files.createDirectories(sys.resolve("bin"));
        Files.copy(Path.of("/bin/bash"), sys.resolve("bin/bash"));
        Files.copy(HostCommand.require("setpriv", "util-linux"), sys.resolve("bin/setpriv"));
        Optional<Path> certs = caCertificates();
        if (certs.isPresent()) {
            Files.createDirectories(sys.resolve("etc/ssl/certs"));
            Files.copy(certs.get(), sys.resolve("etc/ssl/certs/ca-certificates.crt"));
        } else {
            progress.accept("warning: /etc/ssl/certs/ca-certificates.crt not found (apt-get install -y ca-certificates): TLS to real providers will fail in the guest");
        }
    }

    /** /lib/x86_64-linux-gnu/libc.so.6 and /usr/lib/... both land in lib/ (the guest links /usr/lib to lib). */
    static String guestLibPath(String hostPath) {
        String p = hostPath.startsWith("/usr/lib/") ? hostPath.substring("/usr".length()) : hostPath;
        return p.substring(1);
    }

    private List<Path> hostElfs() throws IOException {
        List<Path> elfs = new ArrayList<>(List.of(jdkHome.resolve("bin/java"), jdkHome.resolve("lib/server/libjvm.so"),
                Path.of("/bin/bash"), HostCommand.require("setpriv", "util-linux")));
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(jdkHome.resolve("lib"), "*.so")) {
            ds.forEach(elfs::add);
        }
        if (claudeBinary != null) elfs.add(claudeBinary);
        return elfs;
    }

    private static final Pattern LDD_ARROW = Pattern.compile("^\\s*(\\S+)\\s+=>\\s+(/\\S+)\\s+\\(");
    private static final Pattern LDD_LOADER = Pattern.compile("^\\s*(/\\S*ld-linux\\S*)\\s+\\(");

    /** Host path (as ldd printed it) -> real file, for every shared library the ELFs need outside the JDK. */
    private Map<String, Path> sharedLibraries(List<Path> elfs) throws IOException, InterruptedException {
        Map<String, Path> libs = new TreeMap<>();
        Path ldd = HostCommand.require("ldd", "libc-bin");
        for (Path elf : elfs) {
            HostCommand.Result r = HostCommand.run(null, 120, List.of(ldd.toString(), elf.toString()));
            if (r.exitCode() != 0) continue; // "not a dynamic executable": nothing to copy
            for (String line : r.output().lines().toList()) {
                Matcher m = LDD_ARROW.matcher(line);
                String path = null;
                if (m.find()) path = m.group(2);
                else {
                    Matcher l = LDD_LOADER.matcher(line);
                    if (l.find()) path = l.group(1);
                }
                if (path == null || path.startsWith(jdkHome.toString())) continue;
                libs.put(path, Path.of(path).toRealPath());
            }
        }
        if (libs.keySet().stream().noneMatch(k -> k.contains("ld-linux"))) {
            throw new IOException("ldd found no dynamic loader for " + elfs + "; is this an x86_64 glibc system?");
        }
        return libs;
    }

    private static Optional<Path> caCertificates() {
        Path p = Path.of("/etc/ssl/certs/ca-certificates.crt");
        return Files.isRegularFile(p) ? Optional.of(p) : Optional.empty();
    }

    private static FileLock lock(FileChannel ch) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + 30L * 60 * 1_000_000_000L;
        while (true) {
            try {
                FileLock l = ch.tryLock();
                if (l != null) return l;
            } catch (OverlappingFileLockException e) {
                // another builder in this JVM holds it
            }
            if (System.nanoTime() > deadline) throw new IOException("timed out after 30 min waiting for another guest image build");
            Thread.sleep(200);
        }
    }

    static byte[] resource(String name) throws IOException {
        try (InputStream in = GuestImageBuilder.class.getResourceAsStream(name)) {
            if (in == null) throw new IOException("missing resource " + name + " next to " + GuestImageBuilder.class.getName());
            return in.readAllBytes();
        }
    }

    static String sha256(byte[] bytes) {
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

    static long sizeOf(Path root) throws IOException {
        if (!Files.exists(root)) return 0;
        try (var walk = Files.walk(root)) {
            return walk.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
    }

    /**
     * {@code build [--claude PATH] [--jar PATH]... [--main CLASS] [--ext4] [--no-cds] [--no-aot]}, {@code list},
     * {@code clean [--downloads]}: the image commands for scripts and {@code voidbox image}.
     */
    public static void main(String[] args) throws Exception {
        String cmd = args.length == 0 ? "build" : args[0];
        GuestImageBuilder b = create().progress(s -> System.err.println("voidbox-image: " + s));
        List<Path> jars = new ArrayList<>();
        boolean downloads = false;
        for (int i = 1; i < args.length; i++) {
            switch (args[i]) {
                case "--claude" -> b.claudeBinary(Path.of(args[++i]));
                case "--jar" -> jars.add(Path.of(args[++i]));
                case "--main" -> b.mainClass(args[++i]);
                case "--jdk" -> b.jdkHome(Path.of(args[++i]));
                case "--ext4" -> b.rootFormat(RootFormat.EXT4);
                case "--no-cds" -> b.cds(false);
                case "--no-aot" -> b.aotCache(false);
                case "--downloads" -> downloads = true;
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        b.agentJars(jars);
        switch (cmd) {
            case "build" -> System.out.println(b.build().dir());
            case "list" -> {
                for (GuestImage g : b.list()) {
                    System.out.printf("%s  %6d MB  %s  kernel %s  claude=%s  %s%n", g.id(), g.sizeBytes() >> 20, g.rootFsType(), g.kernelVersion(), g.hasClaude(), g.createdAt());
                }
            }
            case "clean" -> System.out.println("freed " + (b.clean(downloads) >> 20) + " MB");
            default -> throw new IllegalArgumentException("usage: build|list|clean");
        }
    }
}
