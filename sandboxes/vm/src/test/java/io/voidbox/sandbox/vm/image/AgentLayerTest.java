package io.voidbox.sandbox.vm.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.voidbox.spi.AgentPayload;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AgentLayerTest {
    @TempDir
    Path tmp;

    /** A small agent directory like Codex's: the CLI in bin/ and a helper beside it. */
    private Path agentDir() throws IOException {
        Path dir = tmp.resolve("agent");
        Files.createDirectories(dir.resolve("bin"));
        Files.createDirectories(dir.resolve("tool-path"));
        Path cli = Files.writeString(dir.resolve("bin/tool"), "#!/bin/sh\necho tool\n");
        Files.setPosixFilePermissions(cli, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(dir.resolve("tool-path/helper"), "helper");
        Files.setLastModifiedTime(cli, FileTime.fromMillis(1_700_000_000_000L));
        return dir;
    }

    private static String id(Path dir, String fsType) throws IOException {
        return new AgentLayerRecipe("tool", dir, "bin/tool", fsType).id();
    }

    @Test
    void theSameDirectoryGivesTheSameIdNamedAfterTheAgent() throws IOException {
        Path dir = agentDir();
        assertThat(id(dir, "squashfs")).isEqualTo(id(dir, "squashfs")).matches("tool-[0-9a-f]{16}");
    }

    @Test
    void aChangedFileSizeTimePermissionOrNewFileGivesANewId() throws IOException {
        Path dir = agentDir();
        List<String> ids = new ArrayList<>(List.of(id(dir, "squashfs")));
        Files.writeString(dir.resolve("tool-path/helper"), "helper v2");
        ids.add(id(dir, "squashfs"));
        Files.setLastModifiedTime(dir.resolve("bin/tool"), FileTime.fromMillis(1_800_000_000_000L));
        ids.add(id(dir, "squashfs"));
        Files.setPosixFilePermissions(dir.resolve("tool-path/helper"), PosixFilePermissions.fromString("rwx------"));
        ids.add(id(dir, "squashfs"));
        Files.writeString(dir.resolve("tool-path/extra"), "");
        ids.add(id(dir, "squashfs"));
        assertThat(ids).doesNotHaveDuplicates();
    }

    @Test
    void theFormatNameAndExecutableArePartOfTheId() throws IOException {
        Path dir = agentDir();
        Files.copy(dir.resolve("bin/tool"), dir.resolve("bin/other"));
        assertThat(List.of(
                        id(dir, "squashfs"),
                        id(dir, "ext4"),
                        new AgentLayerRecipe("other", dir, "bin/tool", "squashfs").id(),
                        new AgentLayerRecipe("tool", dir, "bin/other", "squashfs").id()))
                .doesNotHaveDuplicates();
    }

    @Test
    void aMissingExecutableOrDirectoryIsNamed() throws IOException {
        Path dir = agentDir();
        assertThatThrownBy(() -> new AgentLayerRecipe("tool", dir, "bin/missing", "squashfs"))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("agent layer tool")
                .hasMessageContaining(dir.resolve("bin/missing").toString());
        assertThatThrownBy(() -> new AgentLayerRecipe("tool", tmp.resolve("nope"), "bin/tool", "squashfs"))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("directory not found: " + tmp.resolve("nope"));
        assertThatThrownBy(() -> new AgentLayerRecipe("tool", dir, "bin/tool", "btrfs"))
                .hasMessageContaining("fsType must be squashfs or ext4");
    }

    @Test
    void theGuestAgentJarIsNamedByItsContentSoAnotherBuildCannotSwapIt() throws IOException {
        GuestImageCache cache = GuestImageCache.at(tmp.resolve("data"));
        Path jar = cache.packGuestAgent();
        assertThat(jar.getFileName().toString()).matches("voidbox-guest-agent-[0-9a-f]{16}\\.jar");
        assertThat(jar.getFileName().toString())
                .contains(GuestImageRecipe.sha256(jar).substring(0, 16));
        assertThat(cache.packGuestAgent()).isEqualTo(jar);
        try (var files = Files.list(jar.getParent())) {
            assertThat(files).containsExactly(jar);
        }
    }

    @Test
    void theCacheBuildsAReadOnlySquashfsOnceAndReusesIt() throws Exception {
        assumeThat(Files.isExecutable(Path.of("/usr/bin/mksquashfs")))
                .as("mksquashfs (squashfs-tools) installed")
                .isTrue();
        Path dir = agentDir();
        GuestImageCache cache = GuestImageCache.at(tmp.resolve("data"));
        AgentPayload payload = new AgentPayload("tool", () -> dir, "bin/tool");
        List<String> progress = new ArrayList<>();

        AgentLayer first = cache.layer(payload, "squashfs", progress::add);
        assertThat(first.disk()).isEqualTo(cache.layersDir().resolve(first.id()).resolve("layer.img"));
        assertThat(first.name()).isEqualTo("tool");
        assertThat(first.executable()).isEqualTo("bin/tool");
        assertThat(first.fsType()).isEqualTo("squashfs");
        assertThat(first.sizeBytes()).isPositive().isEqualTo(Files.size(first.disk()));
        // squashfs magic "hsqs"
        byte[] head = Files.readAllBytes(first.disk());
        assertThat(new String(head, 0, 4, StandardCharsets.US_ASCII)).isEqualTo("hsqs");
        assertThat(progress).anyMatch(l -> l.startsWith("building agent layer " + first.id()));
        FileTime built = Files.getLastModifiedTime(first.disk());

        progress.clear();
        AgentLayer again = cache.layer(payload, "squashfs", progress::add);
        assertThat(again).isEqualTo(first);
        assertThat(Files.getLastModifiedTime(again.disk())).isEqualTo(built);
        assertThat(progress).isEmpty();

        Files.writeString(dir.resolve("tool-path/helper"), "helper v2");
        AgentLayer changed = cache.layer(payload, "squashfs", progress::add);
        assertThat(changed.id()).isNotEqualTo(first.id());
        assertThat(cache.clean(false)).isGreaterThanOrEqualTo(first.sizeBytes() + changed.sizeBytes());
        try (var left = Files.list(cache.layersDir())) {
            assertThat(left.map(p -> p.getFileName().toString())).allMatch(n -> n.startsWith(".lock-"));
        }
    }
}
