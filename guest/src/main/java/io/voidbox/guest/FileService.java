package io.voidbox.guest;

import io.voidbox.protocol.Bytes;
import io.voidbox.protocol.Message;
import io.voidbox.protocol.Message.Error;
import io.voidbox.protocol.Message.FileData;
import io.voidbox.protocol.Message.FileStat;
import io.voidbox.protocol.Message.Ok;
import io.voidbox.protocol.Message.ReadFile;
import io.voidbox.protocol.Message.StatFile;
import io.voidbox.protocol.Message.WriteFile;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * File requests confined to a few root directories ({@code /workspace} and the agent's home in
 * the VM). A path is rejected when it has a {@code ..} component, is absolute outside every root,
 * or leaves the roots through a symlink: each existing directory on the way is resolved to its
 * real path and checked, and the final component is never followed ({@code NOFOLLOW_LINKS}).
 * Files and directories the agent creates get the owner of their parent directory, so the
 * unprivileged agent user can change what the host wrote.
 *
 * <p>Known limit: the checks and the open are separate system calls (Java has no
 * {@code openat}), so a process in the guest racing to swap a checked directory for a symlink
 * could still redirect one operation.
 */
final class FileService {
    private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;
    private static final int DEFAULT_MODE = 0644;

    private final List<Path> roots;
    private final int maxFrameBytes;

    FileService(List<Path> roots, int maxFrameBytes) {
        this.roots = List.copyOf(roots);
        this.maxFrameBytes = maxFrameBytes;
    }

    /** Denied or failed request; the message goes to the host as an {@link Error}. */
    static final class FileAccessException extends Exception {
        FileAccessException(String message) {
            super(message);
        }
    }

    Message handle(Message request) {
        try {
            return switch (request) {
                case WriteFile w -> write(w);
                case ReadFile r -> read(r);
                case StatFile s -> stat(s);
                default ->
                    new Error(
                            request.requestId(),
                            "not a file request: " + request.getClass().getSimpleName());
            };
        } catch (FileAccessException e) {
            return new Error(request.requestId(), e.getMessage());
        }
    }

    private Message write(WriteFile w) throws FileAccessException {
        String op = "write " + w.path();
        Path target = resolve(w.path(), op, true);
        if (target == null) throw new FileAccessException(op + ": parent directory does not exist");
        try {
            BasicFileAttributes existing = attributesOrNull(target);
            if (existing != null && existing.isSymbolicLink())
                throw new FileAccessException(op + ": refusing to write through a symlink");
            if (existing != null && !existing.isRegularFile())
                throw new FileAccessException(op + ": not a regular file");
            var options = Set.of(
                    StandardOpenOption.WRITE,
                    StandardOpenOption.CREATE,
                    StandardOpenOption.TRUNCATE_EXISTING,
                    NOFOLLOW);
            try (SeekableByteChannel ch = Files.newByteChannel(target, options)) {
                ByteBuffer buf = w.content().asReadOnlyBuffer();
                while (buf.hasRemaining()) ch.write(buf);
            }
            int mode = w.mode() == 0 ? DEFAULT_MODE : w.mode() & 07777;
            Files.setAttribute(target, "unix:mode", mode, NOFOLLOW);
            if (existing == null) inheritOwner(target);
            return new Ok(w.requestId());
        } catch (IOException e) {
            throw new FileAccessException(op + ": " + describe(e));
        }
    }

    private Message read(ReadFile r) throws FileAccessException {
        String op = "read " + r.path();
        Path target = resolve(r.path(), op, false);
        if (target == null) throw new FileAccessException(op + ": no such file");
        int limit = maxFrameBytes - 64;
        try {
            BasicFileAttributes a = attributesOrNull(target);
            if (a == null) throw new FileAccessException(op + ": no such file");
            if (a.isSymbolicLink()) throw new FileAccessException(op + ": refusing to follow a symlink");
            if (a.isDirectory()) throw new FileAccessException(op + ": is a directory");
            if (!a.isRegularFile()) throw new FileAccessException(op + ": not a regular file");
            if (a.size() > limit)
                throw new FileAccessException(
                        op + ": file has " + a.size() + " bytes, over the frame limit of " + limit);
            try (InputStream in = Files.newInputStream(target, StandardOpenOption.READ, NOFOLLOW)) {
                byte[] content = in.readNBytes(limit + 1);
                if (content.length > limit)
                    throw new FileAccessException(op + ": file grew over the frame limit of " + limit);
                return new FileData(r.requestId(), Bytes.of(content));
            }
        } catch (IOException e) {
            throw new FileAccessException(op + ": " + describe(e));
        }
    }

    private Message stat(StatFile s) throws FileAccessException {
        String op = "stat " + s.path();
        Path target = resolve(s.path(), op, false);
        if (target == null) return new FileStat(s.requestId(), false, 0, false);
        try {
            BasicFileAttributes a = attributesOrNull(target);
            if (a == null) return new FileStat(s.requestId(), false, 0, false);
            return new FileStat(s.requestId(), true, a.size(), a.isDirectory());
        } catch (IOException e) {
            throw new FileAccessException(op + ": " + describe(e));
        }
    }

    /**
     * The confined path whose final component is not followed yet, or null when a parent directory
     * does not exist (and {@code createParents} is false).
     */
    Path resolve(String requested, String op, boolean createParents) throws FileAccessException {
        if (requested.isEmpty()) throw new FileAccessException(op + ": path is empty");
        if (requested.indexOf('\0') >= 0) throw new FileAccessException(op + ": path contains a NUL byte");
        for (String part : requested.split("/")) {
            if (part.equals("..")) throw new FileAccessException(op + ": '..' components are not allowed");
        }
        Path path;
        try {
            path = Path.of(requested).normalize();
        } catch (InvalidPathException e) {
            throw new FileAccessException(op + ": invalid path: " + e.getMessage());
        }
        List<Path> realRoots = realRoots(op);
        Path root = null;
        Path relative = null;
        if (!path.isAbsolute()) {
            root = realRoots.getFirst();
            relative = path;
        } else {
            for (int i = 0; i < roots.size() && root == null; i++) {
                for (Path candidate : List.of(roots.get(i), realRoots.get(i))) {
                    if (path.startsWith(candidate)) {
                        root = realRoots.get(i);
                        relative = candidate.relativize(path);
                        break;
                    }
                }
            }
            if (root == null) throw new FileAccessException(op + ": path is outside the allowed roots " + roots);
        }
        if (relative.toString().isEmpty()) return root;

        Path current = root;
        for (int i = 0; i < relative.getNameCount() - 1; i++) {
            Path next = current.resolve(relative.getName(i));
            try {
                if (Files.exists(next, NOFOLLOW)) {
                    Path real = next.toRealPath();
                    if (realRoots.stream().noneMatch(real::startsWith)) {
                        throw new FileAccessException(op + ": " + relative.subpath(0, i + 1)
                                + " is a symlink leading outside the allowed roots");
                    }
                    if (!Files.isDirectory(real))
                        throw new FileAccessException(op + ": " + relative.subpath(0, i + 1) + " is not a directory");
                    current = real;
                } else if (createParents) {
                    try {
                        Files.createDirectory(next);
                        inheritOwner(next);
                    } catch (FileAlreadyExistsException raced) {
                        i--; // created concurrently: check it again
                        continue;
                    }
                    current = next;
                } else {
                    return null;
                }
            } catch (NoSuchFileException e) {
                throw new FileAccessException(op + ": " + relative.subpath(0, i + 1) + " is a dangling symlink");
            } catch (IOException e) {
                throw new FileAccessException(op + ": " + describe(e));
            }
        }
        return current.resolve(relative.getFileName());
    }

    private List<Path> realRoots(String op) throws FileAccessException {
        List<Path> real = new ArrayList<>(roots.size());
        for (Path root : roots) {
            try {
                real.add(root.toRealPath());
            } catch (IOException e) {
                // A root that does not exist cannot be escaped into; keep it lexical.
                real.add(root.normalize());
            }
        }
        if (!Files.isDirectory(real.getFirst()))
            throw new FileAccessException(op + ": root " + roots.getFirst() + " does not exist");
        return real;
    }

    private static BasicFileAttributes attributesOrNull(Path p) throws IOException {
        try {
            return Files.readAttributes(p, BasicFileAttributes.class, NOFOLLOW);
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    /** Gives a new file or directory the uid/gid of its parent (only root may chown; others keep their own). */
    private static void inheritOwner(Path created) throws IOException {
        Path parent = created.getParent();
        int uid = (Integer) Files.getAttribute(parent, "unix:uid");
        int gid = (Integer) Files.getAttribute(parent, "unix:gid");
        int myUid = (Integer) Files.getAttribute(created, "unix:uid", NOFOLLOW);
        if (myUid == uid && (Integer) Files.getAttribute(created, "unix:gid", NOFOLLOW) == gid) return;
        try {
            Files.setAttribute(created, "unix:uid", uid, NOFOLLOW);
            Files.setAttribute(created, "unix:gid", gid, NOFOLLOW);
        } catch (IOException e) {
            // not root: the file stays ours, which is what a non-root agent expects
        }
    }

    private static String describe(IOException e) {
        String m = e.getMessage();
        if (e instanceof FileSystemException fse && fse.getReason() != null) m = fse.getReason();
        if (m != null && m.contains("symbolic links")) return "refusing to follow a symlink";
        return m == null ? e.getClass().getSimpleName() : m;
    }
}
