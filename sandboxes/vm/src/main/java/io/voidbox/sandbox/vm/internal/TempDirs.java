package io.voidbox.sandbox.vm.internal;

import io.voidbox.spi.support.SandboxUser;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * The host side of a VM's private files: one 0700 parent per user ({@code $TMPDIR/voidbox-<uid>}),
 * checked to be a real directory owned by this user before anything is put in it, so another
 * local user can neither read a box's files nor plant a link that the stale sweep would follow.
 */
final class TempDirs {
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rwx------");
    /**
     * For a QEMU that runs as another user ({@link QemuCommand#switchedUser()}): it may pass through (not list) the
     * parent and its machine's directory to reach the one socket it connects to later.
     */
    static final Set<PosixFilePermission> TRAVERSABLE = PosixFilePermissions.fromString("rwx--x--x");

    private TempDirs() {}

    /**
     * {@code $TMPDIR/voidbox-<uid>}, created 0700 when absent (0711 when QEMU runs as another user,
     * see {@link #TRAVERSABLE}); an error when it is not ours or not private.
     */
    static Path userParent() throws IOException {
        int uid = SandboxUser.currentUid();
        return ensurePrivate(
                Path.of(System.getProperty("java.io.tmpdir")).resolve("voidbox-" + uid),
                uid,
                QemuCommand.switchedUser().isPresent() ? TRAVERSABLE : OWNER_ONLY);
    }

    static Path ensurePrivate(Path dir, int uid) throws IOException {
        return ensurePrivate(dir, uid, OWNER_ONLY);
    }

    private static Path ensurePrivate(Path dir, int uid, Set<PosixFilePermission> mode) throws IOException {
        try {
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        } catch (FileAlreadyExistsException e) {
            // checked below
        }
        PosixFileAttributes a = Files.readAttributes(dir, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (!a.isDirectory() || a.isSymbolicLink())
            throw new IOException(dir + " is not a directory (a link or a file): refusing to put VM files there");
        int owner = (Integer) Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        if (owner != uid)
            throw new IOException(dir + " belongs to uid " + owner + ", not " + uid
                    + ": refusing to put VM files there (remove it or set java.io.tmpdir)");
        if (!a.permissions().equals(mode)) Files.setPosixFilePermissions(dir, mode);
        return dir;
    }

    /** A small file read without following a link at its last component, at most {@code max} bytes. */
    static String readNoFollow(Path file, int max) throws IOException {
        try (SeekableByteChannel ch = Files.newByteChannel(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
                InputStream in = Channels.newInputStream(ch)) {
            return new String(in.readNBytes(max), StandardCharsets.UTF_8);
        }
    }

    /** Creates {@code file} with mode 0600 (never through a link) holding {@code content}. */
    static void writePrivate(Path file, String content) throws IOException {
        try (SeekableByteChannel ch = Files.newByteChannel(
                file,
                Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))) {
            ch.write(StandardCharsets.UTF_8.encode(content));
        }
    }
}
