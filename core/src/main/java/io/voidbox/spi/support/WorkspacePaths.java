package io.voidbox.spi.support;

import java.nio.file.Path;

/** Shared rule for workspace-relative paths: no absolute paths, no {@code ..}, on every backend. */
public final class WorkspacePaths {
    private WorkspacePaths() {}

    /** Resolves {@code relative} below {@code root} or throws naming the offending path. */
    public static Path resolve(Path root, String relative) {
        Path rel = Path.of(relative).normalize();
        if (rel.isAbsolute() || rel.startsWith("..") || relative.isBlank())
            throw new IllegalArgumentException(
                    "path '" + relative + "' must be relative to the workspace and stay inside it");
        return root.resolve(rel);
    }
}
