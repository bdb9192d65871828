package io.voidbox.sandbox.namespace.internal;

import io.voidbox.spi.FileTooLargeException;
import io.voidbox.spi.Sandbox;
import io.voidbox.spi.support.WorkspacePaths;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * The host's reads and writes in a box's workspace, which the (possibly hostile) agent controls:
 * no component below the workspace may be a symbolic link, so an {@code output.json -> /etc/shadow}
 * planted by the agent is refused instead of read by the host (as root). The box's processes are
 * all gone when the engine reads (each command's pid namespace ends with it), so nothing swaps a
 * link in between the check and the open.
 */
final class ConfinedFiles {
    private final Path workspace;

    ConfinedFiles(Path workspace) {
        this.workspace = workspace;
    }

    /** {@code relative} below the workspace, refused when any existing component is a link. */
    Path resolve(String relative) throws IOException {
        Path p = WorkspacePaths.resolve(workspace, relative);
        Path at = workspace;
        for (Path part : workspace.relativize(p)) {
            at = at.resolve(part);
            if (Files.isSymbolicLink(at))
                throw new IOException(
                        "workspace path '" + relative + "' goes through a symbolic link; the host does not follow it");
        }
        return p;
    }

    Optional<byte[]> read(String relative) throws IOException {
        Path p = resolve(relative);
        if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) return Optional.empty();
        try (InputStream in = Files.newInputStream(p, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            byte[] content = in.readNBytes(Sandbox.MAX_READ_BYTES + 1);
            if (content.length > Sandbox.MAX_READ_BYTES) throw new FileTooLargeException(relative, Files.size(p));
            return Optional.of(content);
        }
    }

    /** Writes the file (links not followed) and returns its path. */
    Path write(String relative, byte[] content) throws IOException {
        Path p = resolve(relative);
        Files.createDirectories(p.getParent());
        try (OutputStream out = Files.newOutputStream(
                p,
                StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE,
                LinkOption.NOFOLLOW_LINKS)) {
            out.write(content);
        }
        return p;
    }
}
