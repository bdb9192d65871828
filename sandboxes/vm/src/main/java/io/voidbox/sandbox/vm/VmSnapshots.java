package io.voidbox.sandbox.vm;

import io.voidbox.sandbox.vm.image.GuestImageCache;
import io.voidbox.sandbox.vm.internal.Snapshots;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/**
 * The guest snapshots beside the image cache ({@code <data dir>/snapshots}): after the first cold
 * boot of an image and machine shape, the guest (agent ready, agent CLI in its page cache, before
 * its first Hello) is saved there, and later boxes of that shape restore it instead of booting.
 * This is the public face for {@code voidbox snapshot list|clean}; turn snapshots off with
 * {@code -Dvoidbox.snapshots=false} or {@code VOIDBOX_SNAPSHOTS=off}.
 */
public final class VmSnapshots {
    private final Snapshots store;

    private VmSnapshots(Path dir) {
        this.store = new Snapshots(dir);
    }

    /** The snapshots of the default data dir. */
    public static VmSnapshots defaults() {
        return at(GuestImageCache.defaultDataDir().resolve("snapshots"));
    }

    public static VmSnapshots at(Path dir) {
        return new VmSnapshots(dir);
    }

    /** Whether boxes use snapshots: not when {@code voidbox.snapshots} or {@code VOIDBOX_SNAPSHOTS} says off/false/0. */
    public static boolean enabled() {
        String v = System.getProperty("voidbox.snapshots", System.getenv("VOIDBOX_SNAPSHOTS"));
        return v == null
                || !List.of("false", "off", "0", "no").contains(v.trim().toLowerCase(Locale.ROOT));
    }

    public Path dir() {
        return store.dir();
    }

    /**
     * One snapshot.
     *
     * @param key         hash of the QEMU version, the box-neutral QEMU command and the image files
     * @param bytes       size of the saved guest
     * @param created     when it was taken
     * @param description image, memory, vCPUs, accelerator, network and agent layers it was taken with
     */
    public record Entry(String key, long bytes, Instant created, String description) {}

    public List<Entry> list() throws IOException {
        return store.list().stream()
                .map(e -> new Entry(e.key(), e.bytes(), e.created(), e.description()))
                .toList();
    }

    /** Deletes all snapshots; the bytes freed. */
    public long clean() throws IOException {
        return store.clean();
    }
}
