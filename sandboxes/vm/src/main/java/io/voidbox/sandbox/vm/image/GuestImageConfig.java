package io.voidbox.sandbox.vm.image;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * What goes into a guest image: the Debian kernel, the JRE and the agent it runs, Claude Code and
 * the root disk format. Every setting is an input of the image's content hash, so equal configs on
 * one host share one cached image ({@link GuestImageCache#build}). Immutable; start from
 * {@link #builder()}.
 */
public final class GuestImageConfig {
    /** The guest agent ({@code voidbox-guest}): what the image runs unless told otherwise. */
    public static final String DEFAULT_MAIN_CLASS = "io.voidbox.guest.GuestAgent";
    /**
     * JVM flags for a short-lived agent in a small 1-vCPU VM: C1 only, one compiler thread and 5x the
     * compile thresholds (under TCG compiling the start-up code costs more than interpreting it).
     */
    static final List<String> DEFAULT_JAVA_OPTIONS = List.of(
            "-XX:TieredStopAtLevel=1",
            "-XX:CICompilerCount=1",
            "-XX:CompileThresholdScaling=5",
            "-XX:+UseSerialGC",
            "-Xshare:auto",
            "-Xss512k",
            "-XX:-UsePerfData");

    /** Format of the read-only root disk. */
    public enum RootFormat {
        /** Compressed (lz4, cheap to decompress under TCG); needs the squashfs module and mksquashfs. */
        SQUASHFS,
        /** Uncompressed, no module needed (ext4 is built into the cloud kernel); needs mkfs.ext4. */
        EXT4
    }

    private final String kernelPackage;
    private final Path jdkHome;
    private final List<Path> agentJars;
    private final String mainClass;
    private final List<String> javaOptions;
    private final List<String> extraJdkModules;
    private final Optional<Path> claudeBinary;
    private final boolean cds;
    private final boolean aotCache;
    private final RootFormat rootFormat;

    private GuestImageConfig(Builder b) {
        kernelPackage = b.kernelPackage;
        jdkHome = b.jdkHome;
        agentJars = List.copyOf(b.agentJars);
        mainClass = b.mainClass;
        javaOptions = b.javaOptions;
        extraJdkModules = List.copyOf(b.extraJdkModules);
        claudeBinary = Optional.ofNullable(b.claudeBinary);
        cds = b.cds;
        aotCache = b.aotCache;
        rootFormat = b.rootFormat;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A Debian kernel package or metapackage. */
    public String kernelPackage() {
        return kernelPackage;
    }

    /** The JDK whose runtime image is jlinked into the guest. */
    public Path jdkHome() {
        return jdkHome;
    }

    /** Jars on the guest agent's class path; empty: the image has no agent. */
    public List<Path> agentJars() {
        return agentJars;
    }

    public String mainClass() {
        return mainClass;
    }

    public List<String> javaOptions() {
        return javaOptions;
    }

    /** JDK modules beyond what {@code jdeps} finds in the agent jars, in the order first given. */
    public List<String> extraJdkModules() {
        return extraJdkModules;
    }

    /** The Claude Code native binary put at {@code /usr/bin/claude}. */
    public Optional<Path> claudeBinary() {
        return claudeBinary;
    }

    public boolean cds() {
        return cds;
    }

    public boolean aotCache() {
        return aotCache;
    }

    public RootFormat rootFormat() {
        return rootFormat;
    }

    /** Fluent builder; every setting has a default, so {@code builder().build()} is a valid (agent-less) image. */
    public static final class Builder {
        private String kernelPackage = "linux-image-cloud-amd64";
        private Path jdkHome = Path.of(System.getProperty("java.home"));
        private final List<Path> agentJars = new ArrayList<>();
        private String mainClass = DEFAULT_MAIN_CLASS;
        private List<String> javaOptions = DEFAULT_JAVA_OPTIONS;
        private final Set<String> extraJdkModules = new LinkedHashSet<>();
        private Path claudeBinary;
        private boolean cds = true;
        private boolean aotCache = true;
        private RootFormat rootFormat = RootFormat.SQUASHFS;

        private Builder() {}

        /** A Debian kernel package or metapackage (default {@code linux-image-cloud-amd64}). */
        public Builder kernelPackage(String pkg) {
            this.kernelPackage = Objects.requireNonNull(pkg, "kernelPackage");
            return this;
        }

        /** The JDK whose runtime image is jlinked into the guest (default: the running one). */
        public Builder jdkHome(Path home) {
            this.jdkHome = Objects.requireNonNull(home, "jdkHome");
            return this;
        }

        /** Jars on the guest agent's class path (guest + protocol). None: the image has no agent. */
        public Builder agentJars(List<Path> jars) {
            agentJars.clear();
            agentJars.addAll(jars);
            return this;
        }

        public Builder mainClass(String mainClass) {
            this.mainClass = Objects.requireNonNull(mainClass, "mainClass");
            return this;
        }

        public Builder javaOptions(List<String> options) {
            this.javaOptions = List.copyOf(options);
            return this;
        }

        /** JDK modules to add beyond what {@code jdeps} finds in the agent jars (ServiceLoader users). */
        public Builder extraJdkModules(List<String> modules) {
            extraJdkModules.addAll(modules);
            return this;
        }

        /** The Claude Code native binary to put at {@code /usr/bin/claude}; null for none. */
        public Builder claudeBinary(Path binary) {
            this.claudeBinary = binary;
            return this;
        }

        /** Generate the JRE's default CDS archive (faster JVM start in the guest). */
        public Builder cds(boolean cds) {
            this.cds = cds;
            return this;
        }

        /**
         * Record a JDK AOT cache of the agent at build time ({@code GuestAgent --train} run on the host
         * with the guest's JRE; needs {@link #cds} and agent jars). The JVM then starts with the
         * agent's classes already loaded and linked: under TCG that saves seconds per boot.
         */
        public Builder aotCache(boolean aotCache) {
            this.aotCache = aotCache;
            return this;
        }

        public Builder rootFormat(RootFormat format) {
            this.rootFormat = Objects.requireNonNull(format, "rootFormat");
            return this;
        }

        public GuestImageConfig build() {
            return new GuestImageConfig(this);
        }
    }
}
