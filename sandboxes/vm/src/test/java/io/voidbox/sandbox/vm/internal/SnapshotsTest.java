package io.voidbox.sandbox.vm.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.voidbox.sandbox.vm.VmSnapshots;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Snapshot keys and the store's listing and cleaning, without QEMU. */
class SnapshotsTest {
    @Test
    void theKeyChangesWithQemuTheCommandAndTheImageFiles(@TempDir Path dir) throws Exception {
        Path kernel = Files.writeString(dir.resolve("bzImage"), "k1");
        List<String> cmd = List.of("qemu", "-m", "1024M");
        String key = Snapshots.key("QEMU 7.2", cmd, List.of(kernel));
        assertThat(Snapshots.key("QEMU 7.2", cmd, List.of(kernel)))
                .isEqualTo(key)
                .hasSize(24);
        assertThat(Snapshots.key("QEMU 8.0", cmd, List.of(kernel))).isNotEqualTo(key);
        assertThat(Snapshots.key("QEMU 7.2", List.of("qemu", "-m", "512M"), List.of(kernel)))
                .isNotEqualTo(key);
        Files.writeString(kernel, "a new kernel");
        assertThat(Snapshots.key("QEMU 7.2", cmd, List.of(kernel))).isNotEqualTo(key);
    }

    @Test
    void listsCompleteSnapshotsOnlyAndCleansEverything(@TempDir Path dir) throws Exception {
        Path done = Files.createDirectories(dir.resolve("abc"));
        Files.write(done.resolve(Snapshots.STATE), new byte[2048]);
        Files.writeString(
                done.resolve(Snapshots.META),
                "bytes=2048\ncrc32c=0\ncreated=1800000000000\ndescription=image x, 1024 MiB\n");
        // a writer that died mid-save leaves its temp dir and lock: not listed, but cleaned
        Files.write(Files.createDirectories(dir.resolve("abc.tmp-1")).resolve(Snapshots.STATE), new byte[100]);
        Files.writeString(dir.resolve("abc.lock"), "");
        VmSnapshots snapshots = VmSnapshots.at(dir);
        assertThat(snapshots.list()).singleElement().satisfies(e -> {
            assertThat(e.key()).isEqualTo("abc");
            assertThat(e.bytes()).isEqualTo(2048);
            assertThat(e.description()).isEqualTo("image x, 1024 MiB");
        });
        assertThat(new Snapshots(dir).exists("abc")).isTrue();
        assertThat(snapshots.clean()).isGreaterThanOrEqualTo(2048 + 100);
        assertThat(snapshots.list()).isEmpty();
        try (var left = Files.list(dir)) {
            assertThat(left).isEmpty();
        }
    }

    @Test
    void onlyTheMostRecentlyUsedSnapshotsAreKept(@TempDir Path dir) throws Exception {
        for (int i = 0; i < 4; i++) {
            Path d = Files.createDirectories(dir.resolve("k" + i));
            Files.write(d.resolve(Snapshots.STATE), new byte[16]);
            Path meta = Files.writeString(d.resolve(Snapshots.META), "bytes=16\n");
            // k0 newest ... k3 oldest
            Files.setLastModifiedTime(meta, FileTime.fromMillis(1_800_000_000_000L - i * 60_000L));
        }
        new Snapshots(dir).prune(2);
        try (var left = Files.list(dir)) {
            assertThat(left.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("k0", "k1");
        }
    }
}
