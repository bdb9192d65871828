package io.voidbox.agent.codex.internal;

import io.voidbox.agent.codex.CodexInstaller;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.function.Supplier;

/** The project-pinned Codex binary on the host, installed on first use and then reused. */
public final class PinnedCodex implements Supplier<Path> {
    private Path path;

    @Override
    public synchronized Path get() {
        if (path == null) {
            try {
                path = CodexInstaller.defaults().ensureInstalled();
            } catch (IOException e) {
                throw new UncheckedIOException(
                        "cannot install Codex " + CodexInstaller.VERSION + ": " + e.getMessage(), e);
            }
        }
        return path;
    }
}
