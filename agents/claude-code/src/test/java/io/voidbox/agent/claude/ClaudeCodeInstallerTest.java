package io.voidbox.agent.claude;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.voidbox.spi.support.FakeNpm;
import io.voidbox.spi.support.NpmInstaller;
import io.voidbox.spi.support.NpmInstaller.InstallException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Installer behaviour with a fake {@code npm} (the real install is exercised by {@link ClaudeCli}). */
class ClaudeCodeInstallerTest {
    @TempDir
    Path tmp;

    @Test
    void installsOnceEvenWhenManyThreadsAskAtOnce() throws Exception {
        Path bin = fakeNpm("2.1.197 (Claude Code)", 0);
        Path dir = tmp.resolve("data/claude-code/2.1.197");
        var installer = installer(dir, bin);
        assertThat(installer.installed()).isEmpty();

        List<Path> results = new ArrayList<>();
        try (var pool = Executors.newFixedThreadPool(4)) {
            List<Future<Path>> futures = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                futures.add(pool.submit((Callable<Path>) installer::ensureInstalled));
            }
            for (Future<Path> f : futures) {
                results.add(f.get());
            }
        }

        Path expected = dir.resolve("node_modules/@anthropic-ai/claude-code-linux-x64/claude");
        assertThat(results).containsOnly(expected);
        assertThat(Files.readAllLines(tmp.resolve("npm-calls"))).hasSize(1);
        assertThat(Files.readString(tmp.resolve("npm-calls")))
                .contains("install --prefix")
                .contains("--no-audit --no-fund @anthropic-ai/claude-code@2.1.197");
        assertThat(installer.installed()).contains(expected);
        assertThat(installer(dir, bin).ensureInstalled()).isEqualTo(expected);
        assertThat(Files.readAllLines(tmp.resolve("npm-calls")))
                .as("second installer reuses the install")
                .hasSize(1);
        try (Stream<Path> siblings = Files.list(dir.getParent())) {
            assertThat(siblings.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder("2.1.197", ".2.1.197.lock");
        }
    }

    @Test
    void anotherVersionInstallsBesideThePinnedOneAndIsCheckedAgainstItsOwnNumber() throws Exception {
        Path bin = fakeNpm("2.1.332 (Claude Code)", 0);
        Path dir = tmp.resolve("data/claude-code/2.1.332");

        Path binary = installer(dir, "2.1.332", bin).ensureInstalled();

        assertThat(binary).isEqualTo(dir.resolve("node_modules/@anthropic-ai/claude-code-linux-x64/claude"));
        assertThat(Files.readString(tmp.resolve("npm-calls"))).contains("@anthropic-ai/claude-code@2.1.332");
        assertThat(Files.readString(dir.resolve(".voidbox-installed"))).isEqualTo("2.1.332\n");
        assertThatThrownBy(() -> installer(tmp.resolve("data/claude-code/2.1.400"), "2.1.400", bin)
                        .ensureInstalled())
                .hasMessageContaining("expected 2.1.400");
        assertThat(ClaudeCodeInstaller.defaultInstallDir(Map.of("VOIDBOX_DATA_DIR", "/v")::get, "2.1.332"))
                .isEqualTo(Path.of("/v/claude-code/2.1.332"));
    }

    @Test
    void aVersionThatIsNotAVersionNumberIsRefusedBeforeAnythingRuns() {
        assertThatThrownBy(() -> ClaudeCodeInstaller.forVersion("../../etc"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("must look like 2.1.332 (or be 'latest'), got '../../etc'");
    }

    @Test
    void replacesAnIncompleteDirectory() throws Exception {
        Path dir = tmp.resolve("cc/2.1.197");
        Files.createDirectories(dir.resolve("node_modules"));
        var installer = installer(dir, fakeNpm("2.1.197 (Claude Code)", 0));

        assertThat(installer.installed()).as("no marker: not installed").isEmpty();
        assertThat(installer.ensureInstalled()).isRegularFile();
    }

    @Test
    void reportsNpmFailureWithItsOutputAndLeavesNothingBehind() throws Exception {
        Path dir = tmp.resolve("cc/2.1.197");
        var installer = installer(dir, fakeNpm("2.1.197", 1));

        assertThatThrownBy(installer::ensureInstalled)
                .isInstanceOfSatisfying(
                        InstallException.class,
                        e -> assertThat(e.reason()).isEqualTo(InstallException.Reason.INSTALL_FAILED))
                .hasMessageContaining("npm install of @anthropic-ai/claude-code@2.1.197 failed (exit 1)")
                .hasMessageContaining("npm ERR! registry unreachable");
        try (Stream<Path> siblings = Files.list(dir.getParent())) {
            assertThat(siblings.map(p -> p.getFileName().toString())).containsExactly(".2.1.197.lock");
        }
    }

    @Test
    void rejectsABinaryPrintingAnotherVersion() throws Exception {
        var installer = installer(tmp.resolve("cc/2.1.197"), fakeNpm("2.1.300 (Claude Code)", 0));

        assertThatThrownBy(installer::ensureInstalled)
                .hasMessageContaining("printed '2.1.300 (Claude Code)', expected 2.1.197");
        assertThat(installer.installed()).isEmpty();
    }

    @Test
    void explainsHowToGetNpmWhenMissing() {
        Path empty = tmp.resolve("empty-bin");
        var installer = installer(tmp.resolve("cc/2.1.197"), empty);

        assertThatThrownBy(installer::ensureInstalled)
                .isInstanceOfSatisfying(
                        InstallException.class,
                        e -> assertThat(e.reason()).isEqualTo(InstallException.Reason.NPM_MISSING))
                .hasMessageContaining("install Node.js/npm: apt-get install -y nodejs npm");
    }

    @Test
    void refusesPlatformsOtherThanLinuxX64() {
        var installer = FakeNpm.onAMac(ClaudeCodeInstaller.CLI, tmp.resolve("cc/2.1.197"), ClaudeCodeInstaller.VERSION);

        assertThatThrownBy(installer::ensureInstalled)
                .isInstanceOfSatisfying(
                        InstallException.class,
                        e -> assertThat(e.reason()).isEqualTo(InstallException.Reason.UNSUPPORTED_PLATFORM))
                .hasMessageContaining("linux-x64 only; this is Mac OS X/aarch64");
    }

    @Test
    void defaultDirectoryFollowsVoidboxThenXdgThenHome() {
        assertThat(ClaudeCodeInstaller.defaultInstallDir(
                        Map.of("VOIDBOX_DATA_DIR", "/v", "XDG_DATA_HOME", "/x", "HOME", "/h")::get))
                .isEqualTo(Path.of("/v/claude-code/2.1.197"));
        assertThat(ClaudeCodeInstaller.defaultInstallDir(Map.of("XDG_DATA_HOME", "/x", "HOME", "/h")::get))
                .isEqualTo(Path.of("/x/voidbox/claude-code/2.1.197"));
        assertThat(ClaudeCodeInstaller.defaultInstallDir(Map.of("HOME", "/h")::get))
                .isEqualTo(Path.of("/h/.local/share/voidbox/claude-code/2.1.197"));
        assertThat(ClaudeCodeInstaller.defaults().version()).isEqualTo("2.1.197");
    }

    private NpmInstaller installer(Path dir, Path npmDir) {
        return installer(dir, ClaudeCodeInstaller.VERSION, npmDir);
    }

    private NpmInstaller installer(Path dir, String version, Path npmDir) {
        return FakeNpm.installer(ClaudeCodeInstaller.CLI, dir, version, npmDir);
    }

    private Path fakeNpm(String version, int exit) throws Exception {
        return FakeNpm.in(tmp, ClaudeCodeInstaller.CLI, version, exit).bin();
    }
}
