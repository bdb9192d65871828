package io.voidbox.sandbox.vm.image;

import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What goes into a guest image: the Debian kernel, the JRE and the agent it runs, Claude Code and
 * the root disk format. Every setting is an input of the image's content hash, so equal configs on
 * one host share one cached image ({@link GuestImageCache#build}). Start from {@link #forAgent}.
 *
 * @param kernelPackage a Debian kernel package or metapackage (default {@code linux-image-cloud-amd64})
 * @param jre           the Java runtime jlinked into the guest
 * @param agent         what the image runs
 * @param claudeBinary  the Claude Code native binary put at {@code /usr/bin/claude}
 * @param rootFormat    format of the read-only root disk
 */
public record GuestImageConfig(
        String kernelPackage, Jre jre, Agent agent, Optional<Path> claudeBinary, RootFormat rootFormat) {
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

    public GuestImageConfig {
        Objects.requireNonNull(kernelPackage, "kernelPackage");
        Objects.requireNonNull(rootFormat, "rootFormat");
    }

    /**
     * @param jdkHome      the JDK whose runtime image is jlinked into the guest (default: the running one)
     * @param extraModules JDK modules beyond what {@code jdeps} finds in the agent jars (ServiceLoader
     *                     users), in the order first given
     * @param cds          generate the JRE's default CDS archive (faster JVM start in the guest)
     */
    public record Jre(Path jdkHome, List<String> extraModules, boolean cds) {
        public Jre {
            Objects.requireNonNull(jdkHome, "jdkHome");
            extraModules = List.copyOf(new LinkedHashSet<>(extraModules));
        }
    }

    /**
     * @param jars        jars on the guest agent's class path (guest + protocol); empty: the image has no agent
     * @param mainClass   the agent's main class
     * @param javaOptions the agent JVM's options
     * @param aotCache    record a JDK AOT cache of the agent at build time ({@code GuestAgent --train} run on the
     *                    host with the guest's JRE; needs {@link Jre#cds} and agent jars). The JVM then starts
     *                    with the agent's classes already loaded and linked: under TCG that saves seconds per boot.
     */
    public record Agent(List<Path> jars, String mainClass, List<String> javaOptions, boolean aotCache) {
        public Agent {
            jars = List.copyOf(jars);
            Objects.requireNonNull(mainClass, "mainClass");
            javaOptions = List.copyOf(javaOptions);
        }
    }

    /**
     * The defaults (the cloud kernel, the running JDK with CDS, the agent's JVM options with an AOT
     * cache, no Claude Code, squashfs) for an agent of these jars and main class; no jars: an
     * agent-less image.
     */
    public static GuestImageConfig forAgent(List<Path> jars, String mainClass) {
        return new GuestImageConfig(
                "linux-image-cloud-amd64",
                new Jre(Path.of(System.getProperty("java.home")), List.of(), true),
                new Agent(jars, mainClass, DEFAULT_JAVA_OPTIONS, true),
                Optional.empty(),
                RootFormat.SQUASHFS);
    }

    /** This config with Claude Code at {@code /usr/bin/claude}; null for none. */
    public GuestImageConfig withClaudeBinary(Path binary) {
        return new GuestImageConfig(kernelPackage, jre, agent, Optional.ofNullable(binary), rootFormat);
    }
}
