package io.voidbox.sandbox.vm.image;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * A built, cached agent layer: an agent CLI's directory ({@link io.voidbox.spi.AgentPayload}) on a
 * read-only disk of its own, attached only to the boxes whose agent needs it, so the one root
 * disk every box boots stays small. The guest's {@code /init} mounts it at {@code /opt/NAME} and
 * links {@code /usr/bin/NAME} to the executable. Immutable once built; the directory name ends
 * in a prefix of the hash of its inputs, so a changed directory never reuses a stale layer.
 *
 * @param name       the agent's name: {@code /opt/NAME}, {@code /usr/bin/NAME}, the disk's serial
 * @param executable the agent CLI relative to the layer's root
 * @param disk       the disk image
 * @param fsType     {@code squashfs} or {@code ext4} (the image's root disk format: the guest has its driver)
 * @param sizeBytes  size of the disk image
 */
public record AgentLayer(String name, String executable, Path disk, String fsType, long sizeBytes) {
    static final String MANIFEST = "manifest.properties";
    static final String DISK = "layer.img";

    /** The cache id: the directory name ({@code NAME-<hash prefix>}). */
    public String id() {
        return disk.getParent().getFileName().toString();
    }

    /** Reads a layer directory written by {@link GuestImageCache#layer}. */
    static AgentLayer load(Path dir) throws IOException {
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(dir.resolve(MANIFEST))) {
            p.load(in);
        }
        Path disk = dir.resolve(DISK);
        return new AgentLayer(
                p.getProperty("name"), p.getProperty("executable"), disk, p.getProperty("fsType"), Files.size(disk));
    }
}
