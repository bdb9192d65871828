package io.voidbox.spi.support;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Removes a directory tree (a box's workspace, a VM's temp dir, an image build dir) without ever
 * following a link: every directory is opened relative to its already-open parent with
 * {@code O_NOFOLLOW} ({@link SecureDirectoryStream}), so a directory swapped for a symlink while
 * the deletion runs makes it unlink the symlink, never delete what it points to. A symlink given as
 * the root is removed itself.
 */
public final class FileTrees {
    private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;

    private FileTrees() {}

    /**
     * True for a directory (not a link) owned by {@code uid}: what a stale-directory sweep in a
     * shared place (the temp dir) may delete.
     */
    public static boolean isOwnDirectory(Path dir, int uid) throws IOException {
        BasicFileAttributes a = Files.readAttributes(dir, BasicFileAttributes.class, NOFOLLOW);
        return a.isDirectory() && (Integer) Files.getAttribute(dir, "unix:uid", NOFOLLOW) == uid;
    }

    public static void delete(Path root) throws IOException {
        BasicFileAttributes attrs;
        try {
            attrs = Files.readAttributes(root, BasicFileAttributes.class, NOFOLLOW);
        } catch (NoSuchFileException e) {
            return;
        }
        if (!attrs.isDirectory()) {
            Files.deleteIfExists(root);
            return;
        }
        Path abs = root.toAbsolutePath().normalize();
        Path parent = abs.getParent();
        if (parent == null) throw new IOException("refusing to delete the file system root " + root);
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(parent)) {
            if (stream instanceof SecureDirectoryStream<Path> secure) {
                deleteIn(secure, abs.getFileName());
                return;
            }
        }
        deleteByWalk(abs);
    }

    /** Deletes directory {@code name} below the open directory {@code parent}, nothing followed. */
    private static void deleteIn(SecureDirectoryStream<Path> parent, Path name) throws IOException {
        allowWrites(parent, name);
        SecureDirectoryStream<Path> dir;
        try {
            dir = parent.newDirectoryStream(name, NOFOLLOW);
        } catch (NoSuchFileException e) {
            return;
        } catch (FileSystemException e) {
            // no longer a directory (swapped for a link or a file since it was listed): unlink that
            parent.deleteFile(name);
            return;
        }
        try (dir) {
            List<Path> entries = new ArrayList<>();
            for (Path p : dir) entries.add(p.getFileName());
            for (Path e : entries) {
                BasicFileAttributes a;
                try {
                    a = dir.getFileAttributeView(e, BasicFileAttributeView.class, NOFOLLOW)
                            .readAttributes();
                } catch (NoSuchFileException gone) {
                    continue;
                }
                if (a.isDirectory()) deleteIn(dir, e);
                else deleteEntry(dir, e);
            }
        }
        try {
            parent.deleteDirectory(name);
        } catch (NoSuchFileException e) {
            // removed concurrently
        }
    }

    private static void deleteEntry(SecureDirectoryStream<Path> dir, Path name) throws IOException {
        try {
            dir.deleteFile(name);
        } catch (NoSuchFileException e) {
            // removed concurrently
        } catch (FileSystemException e) {
            // became a directory since it was listed
            deleteIn(dir, name);
        }
    }

    /** Adds the owner's write and search bits to a directory (copied read-only trees), without following links. */
    private static void allowWrites(SecureDirectoryStream<Path> parent, Path name) {
        PosixFileAttributeView view = parent.getFileAttributeView(name, PosixFileAttributeView.class, NOFOLLOW);
        if (view == null) return;
        try {
            Set<PosixFilePermission> perms = view.readAttributes().permissions();
            if (perms.contains(PosixFilePermission.OWNER_READ)
                    && perms.contains(PosixFilePermission.OWNER_WRITE)
                    && perms.contains(PosixFilePermission.OWNER_EXECUTE)) return;
            perms.add(PosixFilePermission.OWNER_READ);
            perms.add(PosixFilePermission.OWNER_WRITE);
            perms.add(PosixFilePermission.OWNER_EXECUTE);
            view.setPermissions(perms);
        } catch (IOException e) {
            // not ours to change: the deletion reports what it cannot remove
        }
    }

    /** File systems without {@link SecureDirectoryStream}: a walk that does not follow links. */
    private static void deleteByWalk(Path root) throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                if (!Files.isSymbolicLink(p)) p.toFile().setWritable(true);
                Files.deleteIfExists(p);
            }
        }
    }
}
