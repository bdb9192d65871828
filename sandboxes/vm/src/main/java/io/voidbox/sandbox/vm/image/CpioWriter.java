package io.voidbox.sandbox.vm.image;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

/**
 * Writes a "newc" cpio archive (the initramfs format) with fixed owners and timestamps, so the
 * same inputs give the same bytes. Parent directories are added automatically.
 */
final class CpioWriter implements AutoCloseable {
    private static final int S_IFDIR = 0040000;
    private static final int S_IFREG = 0100000;
    private static final int S_IFLNK = 0120000;

    private final OutputStream out;
    private final Set<String> dirs = new HashSet<>();
    private long written;
    private int inode = 1;

    CpioWriter(OutputStream out) {
        this.out = out;
    }

    void directory(String path, int mode) throws IOException {
        String p = normalize(path);
        if (p.isEmpty() || !dirs.add(p)) return;
        parents(p);
        header(p, S_IFDIR | mode, 0, 0, 0);
    }

    void file(String path, int mode, byte[] content) throws IOException {
        String p = normalize(path);
        parents(p);
        header(p, S_IFREG | mode, content.length, 0, 0);
        write(content);
        pad();
    }

    void file(String path, int mode, Path source) throws IOException {
        String p = normalize(path);
        parents(p);
        long size = Files.size(source);
        header(p, S_IFREG | mode, size, 0, 0);
        try (InputStream in = Files.newInputStream(source)) {
            byte[] buf = new byte[1 << 16];
            long left = size;
            for (int n; left > 0 && (n = in.read(buf, 0, (int) Math.min(buf.length, left))) > 0; left -= n)
                write(buf, n);
            if (left != 0) throw new IOException(source + " changed size while being archived");
        }
        pad();
    }

    void symlink(String path, String target) throws IOException {
        String p = normalize(path);
        parents(p);
        byte[] t = target.getBytes(StandardCharsets.UTF_8);
        header(p, S_IFLNK | 0777, t.length, 0, 0);
        write(t);
        pad();
    }

    /** A character device node, e.g. {@code dev/console} (5,1), so the kernel has a console before devtmpfs. */
    void charDevice(String path, int mode, int major, int minor) throws IOException {
        String p = normalize(path);
        parents(p);
        header(p, 0020000 | mode, 0, major, minor);
    }

    @Override
    public void close() throws IOException {
        header("TRAILER!!!", 0, 0, 0, 0);
        long rest = (512 - written % 512) % 512;
        write(new byte[(int) rest]);
        out.close();
    }

    private void parents(String p) throws IOException {
        int slash = p.lastIndexOf('/');
        if (slash > 0) directory(p.substring(0, slash), 0755);
    }

    private static String normalize(String path) {
        String p = path;
        while (p.startsWith("/")) p = p.substring(1);
        while (p.endsWith("/")) p = p.substring(0, p.length() - 1);
        if (p.contains("..")) throw new IllegalArgumentException("cpio path must not contain '..': " + path);
        return p;
    }

    private void header(String name, int mode, long size, int rdevMajor, int rdevMinor) throws IOException {
        if (size > 0xFFFFFFFFL) throw new IOException("file too large for newc cpio: " + name);
        byte[] n = (name + "\0").getBytes(StandardCharsets.UTF_8);
        String h = "070701" + hex(name.equals("TRAILER!!!") ? 0 : inode++) + hex(mode) + hex(0) + hex(0)
                + hex((mode & 0170000) == S_IFDIR ? 2 : 1) + hex(0) + hex(size)
                + hex(0) + hex(0) + hex(rdevMajor) + hex(rdevMinor) + hex(n.length) + hex(0);
        write(h.getBytes(StandardCharsets.US_ASCII));
        write(n);
        pad();
    }

    private static String hex(long v) {
        return String.format("%08x", v);
    }

    private void write(byte[] b) throws IOException {
        write(b, b.length);
    }

    private void write(byte[] b, int len) throws IOException {
        out.write(b, 0, len);
        written += len;
    }

    private void pad() throws IOException {
        int rest = (int) ((4 - written % 4) % 4);
        if (rest > 0) write(new byte[rest]);
    }
}
