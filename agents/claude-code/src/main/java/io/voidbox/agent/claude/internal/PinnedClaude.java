package io.voidbox.agent.claude.internal;

import io.voidbox.agent.claude.ClaudeCodeInstaller;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.function.Supplier;

/** The project-pinned Claude Code binary, installed on first use and then reused. */
public final class PinnedClaude implements Supplier<Path> {
    private Path path;

    @Override
    public synchronized Path get() {
        if (path == null) {
            try {
                path = ClaudeCodeInstaller.defaults().ensureInstalled();
            } catch (IOException e) {
                throw new UncheckedIOException(
                        "cannot install Claude Code " + ClaudeCodeInstaller.VERSION + ": " + e.getMessage(), e);
            }
        }
        return path;
    }
}
