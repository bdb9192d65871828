package io.voidbox.agent.claude;

import io.voidbox.spi.support.NpmInstaller;
import io.voidbox.spi.support.NpmInstaller.InstallException;
import java.nio.file.Path;
import java.util.function.Function;

/**
 * The Claude Code CLI as an {@link NpmInstaller} installs it: {@code npm install --prefix DIR
 * @anthropic-ai/claude-code@VERSION}, then the native binary {@value #NATIVE_BINARY}, which runs
 * without Node (newer versions' npm wrapper needs Node >= 22; the binary does not). The pinned
 * {@link #VERSION} is the default; any other published version (or {@code latest}, resolved with
 * {@code npm view}) installs beside it, for boxes that set {@code agent.version}.
 *
 * <p>Default directory: {@code ${VOIDBOX_DATA_DIR:-${XDG_DATA_HOME:-~/.local/share}/voidbox}/claude-code/VERSION}.
 */
public final class ClaudeCodeInstaller {
    /** The pinned CLI version (2.1.198+ need Node >= 22 for the npm wrapper). */
    public static final String VERSION = "2.1.197";
    /** The npm package installed. */
    public static final String PACKAGE = "@anthropic-ai/claude-code";
    /** Where the native binary lands inside the install directory. */
    static final String NATIVE_BINARY = "node_modules/@anthropic-ai/claude-code-linux-x64/claude";
    /** What differs from other npm-packaged CLIs. */
    static final NpmInstaller.Cli CLI = new NpmInstaller.Cli("Claude Code", PACKAGE, NATIVE_BINARY, "claude-code");

    /** {@link #latestVersion()} as first resolved in this JVM: one npm call per process, not per box. */
    private static volatile String latest;

    private ClaudeCodeInstaller() {}

    /** An installer of the pinned version for the default directory (see class docs). */
    public static NpmInstaller defaults() {
        return NpmInstaller.defaults(CLI, VERSION);
    }

    /**
     * An installer of {@code version} for its default directory, beside the pinned one;
     * {@code latest} is resolved to the newest published version first ({@code npm view}).
     *
     * @throws InstallException when {@code latest} cannot be resolved (npm missing or offline)
     */
    public static NpmInstaller forVersion(String version) throws InstallException {
        return NpmInstaller.defaults(
                CLI, "latest".equals(version) ? latestVersion() : NpmInstaller.checkVersion(CLI, version));
    }

    /**
     * The newest version published on npm ({@code npm view @anthropic-ai/claude-code version}),
     * asked once per process.
     */
    public static String latestVersion() throws InstallException {
        String known = latest;
        if (known != null) {
            return known;
        }
        latest = defaults().latestVersion();
        return latest;
    }

    /** {@code ${VOIDBOX_DATA_DIR:-${XDG_DATA_HOME:-~/.local/share}/voidbox}/claude-code/VERSION}. */
    static Path defaultInstallDir(Function<String, String> env) {
        return defaultInstallDir(env, VERSION);
    }

    static Path defaultInstallDir(Function<String, String> env, String version) {
        return NpmInstaller.defaultInstallDir(env, CLI, version);
    }
}
