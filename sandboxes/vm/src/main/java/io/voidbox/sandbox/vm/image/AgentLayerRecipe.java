package io.voidbox.sandbox.vm.image;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Properties;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * How an agent layer is made: the agent's host directory as it is (no copy) on a read-only
 * squashfs (lz4, like the root disk) or ext4 disk. Its id hashes the recipe's version, the name,
 * the executable, the format and a listing of the directory (every entry's path, type, size,
 * permissions and modification time): a reinstalled or upgraded CLI gets a new layer without
 * reading its hundreds of megabytes on every start.
 */
final class AgentLayerRecipe {
    /** Bumped whenever the layer's layout or build steps change. */
    static final String BUILDER_VERSION = "1";

    private final String name;
    private final Path source;
    private final String executable;
    private final String fsType;
    private final SortedMap<String, String> inputs = new TreeMap<>();

    AgentLayerRecipe(String name, Path source, String executable, String fsType) throws IOException {
        this.name = name;
        this.source = source;
        this.executable = executable;
        this.fsType = fsType;
        if (!fsType.equals("squashfs") && !fsType.equals("ext4"))
            throw new IllegalArgumentException(
                    "agent layer " + name + ": fsType must be squashfs or ext4, got " + fsType);
        if (!Files.isDirectory(source))
            throw new IOException("agent layer " + name + ": directory not found: " + source);
        Path exe = source.resolve(executable);
        if (!Files.isRegularFile(exe) || !Files.isExecutable(exe))
            throw new IOException("agent layer " + name + ": " + exe + " is not an executable file");
        inputs.put("builder", BUILDER_VERSION);
        inputs.put("name", name);
        inputs.put("executable", executable);
        inputs.put("fsType", fsType);
        inputs.put("tree", listingHash(source));
    }

    /** {@code NAME-} and the first 16 hex digits of the SHA-256 of all inputs ({@code key=value} lines). */
    String id() {
        StringBuilder all = new StringBuilder();
        inputs.forEach((k, v) -> all.append(k).append('=').append(v).append('\n'));
        return name + "-" + sha256(all.toString()).substring(0, 16);
    }

    /** Writes the disk image and its manifest into the empty directory {@code out}. */
    void buildInto(Path out) throws IOException, InterruptedException {
        Path disk = out.resolve(AgentLayer.DISK);
        DiskImages.write(source, disk, fsType.equals("squashfs"), name, 16);
        Properties p = new Properties();
        p.setProperty("name", name);
        p.setProperty("executable", executable);
        p.setProperty("fsType", fsType);
        p.setProperty("source", source.toString());
        p.setProperty("createdAt", Instant.now().toString());
        inputs.forEach((k, v) -> p.setProperty("input." + k, v));
        try (OutputStream o = Files.newOutputStream(out.resolve(AgentLayer.MANIFEST))) {
            p.store(o, "VoidBox agent layer");
        }
    }

    /** One line per entry below {@code root}, sorted: path, type, size, permissions, mtime. */
    static String listingHash(Path root) throws IOException {
        StringBuilder listing = new StringBuilder();
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted().toList()) {
                PosixFileAttributes a = Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                String type = a.isDirectory() ? "d" : a.isSymbolicLink() ? "l" : a.isRegularFile() ? "f" : "o";
                listing.append(root.relativize(p))
                        .append('\t')
                        .append(type)
                        .append('\t')
                        .append(a.isRegularFile() ? a.size() : 0)
                        .append('\t')
                        .append(PosixFilePermissions.toString(a.permissions()))
                        .append('\t')
                        .append(a.isDirectory() ? 0 : a.lastModifiedTime().toMillis())
                        .append(a.isSymbolicLink() ? "\t" + Files.readSymbolicLink(p) : "")
                        .append('\n');
            }
        }
        return sha256(listing.toString());
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
