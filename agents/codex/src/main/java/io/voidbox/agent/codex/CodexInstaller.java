package io.voidbox.agent.codex;

import io.voidbox.spi.support.NpmInstaller;
import java.nio.file.Path;
import java.util.function.Function;

/**
 * The pinned Codex CLI as an {@link NpmInstaller} installs it: {@code npm install --prefix DIR
 * @openai/codex@VERSION}. The npm package is a small Node wrapper; the CLI itself is a static
 * (musl) native binary that npm puts in the optional per-platform package, next to the resources
 * it finds relative to itself ({@code codex-path/rg}, {@code codex-resources/bwrap}). The runtime
 * runs that binary directly, so no Node.js is needed at run time: {@value #NATIVE_BINARY}.
 *
 * <p>Default directory: {@code ${VOIDBOX_DATA_DIR:-${XDG_DATA_HOME:-~/.local/share}/voidbox}/codex/VERSION}
 * (the layout {@code scripts/install-codex.sh} shares).
 */
public final class CodexInstaller {
    /** The pinned CLI version. */
    public static final String VERSION = "0.171.0";
    /** The npm package installed. */
    public static final String PACKAGE = "@openai/codex";
    /** The platform directory of the native CLI inside the install directory (resources included). */
    public static final String NATIVE_DIR = "node_modules/@openai/codex-linux-x64/vendor/x86_64-unknown-linux-musl";
    /** Where the native binary lands inside the install directory. */
    public static final String NATIVE_BINARY = NATIVE_DIR + "/bin/codex";
    /** What differs from other npm-packaged CLIs. */
    static final NpmInstaller.Cli CLI = new NpmInstaller.Cli("Codex", PACKAGE, NATIVE_BINARY, "codex");

    private CodexInstaller() {}

    /** An installer of the pinned version for the default directory (see class docs). */
    public static NpmInstaller defaults() {
        return NpmInstaller.defaults(CLI, VERSION);
    }

    /** {@code ${VOIDBOX_DATA_DIR:-${XDG_DATA_HOME:-~/.local/share}/voidbox}/codex/VERSION}. */
    static Path defaultInstallDir(Function<String, String> env) {
        return NpmInstaller.defaultInstallDir(env, CLI, VERSION);
    }
}
