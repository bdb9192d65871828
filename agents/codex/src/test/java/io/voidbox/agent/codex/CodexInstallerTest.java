package io.voidbox.agent.codex;

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

/**
 * Codex's installer with a fake {@code npm}: its package, binary and directory. What every npm
 * install shares (no npm, another platform, a concurrent install) is tested once, with Claude
 * Code's ({@code ClaudeCodeInstallerTest}); the real install is exercised by {@link CodexCli}.
 */
class CodexInstallerTest {
    @TempDir
    Path tmp;

    @Test
    void installsThePinnedPackageOnceAndRunsTheNativeBinaryDirectly() throws Exception {
        Path bin = fakeNpm("codex-cli 0.171.0", 0);
        Path dir = tmp.resolve("data/codex/0.171.0");
        var installer = installer(dir, bin);
        assertThat(installer.installed()).isEmpty();

        List<Path> results = new ArrayList<>();
        try (var pool = Executors.newFixedThreadPool(3)) {
            List<Future<Path>> futures = new ArrayList<>();
            for (int i = 0; i < 3; i++) futures.add(pool.submit((Callable<Path>) installer::ensureInstalled));
            for (Future<Path> f : futures) results.add(f.get());
        }

        Path expected = dir.resolve("node_modules/@openai/codex-linux-x64/vendor/x86_64-unknown-linux-musl/bin/codex");
        assertThat(results).containsOnly(expected);
        assertThat(Files.readAllLines(tmp.resolve("npm-calls")))
                .singleElement()
                .satisfies(call -> assertThat(call)
                        .startsWith("install --prefix")
                        .endsWith("--no-audit --no-fund @openai/codex@0.171.0"));
        assertThat(installer(dir, bin).installed()).contains(expected);
        try (Stream<Path> siblings = Files.list(dir.getParent())) {
            assertThat(siblings.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder("0.171.0", ".0.171.0.lock");
        }
    }

    @Test
    void rejectsABinaryPrintingAnotherVersionAndLeavesNothingInstalled() throws Exception {
        var installer = installer(tmp.resolve("cx/0.171.0"), fakeNpm("codex-cli 0.172.0", 0));

        assertThatThrownBy(installer::ensureInstalled)
                .isInstanceOfSatisfying(
                        InstallException.class,
                        e -> assertThat(e.reason()).isEqualTo(InstallException.Reason.INSTALL_FAILED))
                .hasMessageContaining("printed 'codex-cli 0.172.0', expected 0.171.0");
        assertThat(installer.installed()).isEmpty();
    }

    @Test
    void reportsNpmFailureWithItsOutput() throws Exception {
        var installer = installer(tmp.resolve("cx/0.171.0"), fakeNpm("codex-cli 0.171.0", 1));

        assertThatThrownBy(installer::ensureInstalled)
                .hasMessageContaining("npm install of @openai/codex@0.171.0 failed (exit 1)")
                .hasMessageContaining("npm ERR! registry unreachable");
    }

    @Test
    void defaultDirectoryFollowsVoidboxThenXdgThenHome() {
        assertThat(CodexInstaller.defaultInstallDir(
                        Map.of("VOIDBOX_DATA_DIR", "/v", "XDG_DATA_HOME", "/x", "HOME", "/h")::get))
                .isEqualTo(Path.of("/v/codex/0.171.0"));
        assertThat(CodexInstaller.defaultInstallDir(Map.of("XDG_DATA_HOME", "/x", "HOME", "/h")::get))
                .isEqualTo(Path.of("/x/voidbox/codex/0.171.0"));
        assertThat(CodexInstaller.defaultInstallDir(Map.of("HOME", "/h")::get))
                .isEqualTo(Path.of("/h/.local/share/voidbox/codex/0.171.0"));
    }

    private NpmInstaller installer(Path dir, Path npmDir) {
        return FakeNpm.installer(CodexInstaller.CLI, dir, CodexInstaller.VERSION, npmDir);
    }

    private Path fakeNpm(String version, int exit) throws Exception {
        return FakeNpm.in(tmp, CodexInstaller.CLI, version, exit).bin();
    }
}
