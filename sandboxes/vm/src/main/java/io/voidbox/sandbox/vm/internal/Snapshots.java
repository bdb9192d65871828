package io.voidbox.sandbox.vm.internal;

import io.voidbox.spi.SandboxException;
import io.voidbox.spi.support.FileTrees;
import io.voidbox.spi.support.SandboxUser;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.io.Writer;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.zip.CRC32C;

/**
 * Guest snapshots beside the image cache: {@code <dir>/<key>/state} (the QEMU migration stream
 * of a guest saved after boot, agent ready, before its first Hello) and {@code meta.properties}
 * (size, CRC-32C, what it was taken from). The key hashes everything that must match for a restore
 * to be valid: the QEMU version and the box-neutral QEMU command (kernel, initramfs, disks,
 * memory, vCPUs, accelerator, devices, kernel command line) and the image files' sizes and times,
 * so a new image or QEMU simply misses. One writer per key (a lock file, a temp dir renamed into
 * place); readers only see complete snapshots. Files are 0600 in 0700 directories.
 */
public final class Snapshots {
    /** Bump when the snapshot layout or the guest's snapshot contract changes. */
    static final String FORMAT = "voidbox-snapshot-1";

    static final String STATE = "state";
    static final String META = "meta.properties";
    private static final Duration MIGRATE_TIMEOUT = Duration.ofSeconds(120);
    private static final Duration RESTORE_TIMEOUT = Duration.ofSeconds(60);
    /**
     * Snapshots kept: each is about the size of the guest's used RAM, and a new image or QEMU
     * makes the old ones unreachable, so beyond this the least recently used are deleted.
     */
    static final int KEPT = 6;

    private final Path dir;

    public Snapshots(Path dir) {
        this.dir = dir;
    }

    public Path dir() {
        return dir;
    }

    /** One stored snapshot as {@code voidbox snapshot list} shows it. */
    public record Entry(String key, long bytes, Instant created, String description) {}

    /**
     * The key of machines started with {@code qemuCommand} (built with placeholder temp paths, so
     * it is the same for every box of a shape) by QEMU {@code qemuVersion}.
     */
    public static String key(String qemuVersion, List<String> qemuCommand, List<Path> imageFiles) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            d.update((FORMAT + "\n" + qemuVersion + "\n" + String.join("\u0000", qemuCommand) + "\n")
                    .getBytes(StandardCharsets.UTF_8));
            for (Path f : imageFiles) {
                String id;
                try {
                    id = f + ":" + Files.size(f) + ":"
                            + Files.getLastModifiedTime(f).toMillis();
                } catch (IOException e) {
                    id = f + ":missing";
                }
                d.update((id + "\n").getBytes(StandardCharsets.UTF_8));
            }
            return HexFormat.of().formatHex(d.digest()).substring(0, 24);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public boolean exists(String key) {
        return Files.isRegularFile(dir.resolve(key).resolve(META));
    }

    public List<Entry> list() throws IOException {
        List<Entry> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) return out;
        try (var dirs = Files.newDirectoryStream(dir)) {
            for (Path d : dirs) {
                Path meta = d.resolve(META);
                if (!Files.isRegularFile(meta)) continue;
                Properties p = readMeta(meta);
                out.add(new Entry(
                        d.getFileName().toString(),
                        Long.parseLong(p.getProperty("bytes", "0")),
                        Instant.ofEpochMilli(Long.parseLong(p.getProperty("created", "0"))),
                        p.getProperty("description", "")));
            }
        }
        out.sort((a, b) -> a.key().compareTo(b.key()));
        return out;
    }

    /** Deletes every snapshot (and leftovers of interrupted writers); the bytes freed. */
    public long clean() throws IOException {
        if (!Files.isDirectory(dir)) return 0;
        long freed = 0;
        try (var all = Files.newDirectoryStream(dir)) {
            for (Path p : all) {
                freed += sizeOf(p);
                FileTrees.delete(p);
            }
        }
        return freed;
    }

    /**
     * Deletes all but the {@code kept} most recently used snapshots (used: taken or restored, the
     * time of its metadata file); a restore that has the state file open reads on undisturbed.
     */
    void prune(int kept) throws IOException {
        record Used(Path dir, long at) {}
        List<Used> all = new ArrayList<>();
        try (var dirs = Files.newDirectoryStream(dir)) {
            for (Path d : dirs) {
                Path meta = d.resolve(META);
                if (Files.isRegularFile(meta, LinkOption.NOFOLLOW_LINKS))
                    all.add(new Used(d, Files.getLastModifiedTime(meta).toMillis()));
            }
        }
        all.sort((a, b) -> Long.compare(b.at(), a.at()));
        for (Used u : all.subList(Math.min(kept, all.size()), all.size())) FileTrees.delete(u.dir());
    }

    /** Deletes one snapshot (a restore of it failed). */
    public void delete(String key) {
        try {
            FileTrees.delete(dir.resolve(key));
        } catch (IOException e) {
            // gone already, or the next writer replaces it
        }
    }

    /**
     * Saves the running, ready {@code machine} as snapshot {@code key} and lets it continue:
     * QMP {@code stop}, {@code migrate} to a unix socket this side drains into a temp file,
     * {@code cont}. Returns false (and saves nothing) when another writer holds the key or it
     * exists already. The machine is continued in every case.
     *
     * @return the time the guest was paused, or empty when another writer had it
     */
    public Optional<Duration> save(String key, QemuMachine machine, String description)
            throws IOException, InterruptedException {
        Files.createDirectories(dir);
        try (FileChannel lockFile = FileChannel.open(
                        dir.resolve(key + ".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                FileLock lock = tryLock(lockFile)) {
            if (lock == null || exists(key)) return Optional.empty();
            Path tmp = Files.createTempDirectory(
                    dir,
                    key + ".tmp-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            long t0 = System.nanoTime();
            try (Qmp qmp = Qmp.connect(machine.qmpSocket(), Duration.ofSeconds(10))) {
                try {
                    long[] sizeAndCrc = migrate(qmp, machine, tmp.resolve(STATE));
                    Properties p = new Properties();
                    p.setProperty("bytes", Long.toString(sizeAndCrc[0]));
                    p.setProperty("crc32c", Long.toHexString(sizeAndCrc[1]));
                    p.setProperty("created", Long.toString(System.currentTimeMillis()));
                    p.setProperty("description", description);
                    try (Writer w = Files.newBufferedWriter(tmp.resolve(META))) {
                        p.store(w, FORMAT);
                    }
                    Files.setPosixFilePermissions(tmp.resolve(META), PosixFilePermissions.fromString("rw-------"));
                    try {
                        Files.move(tmp, dir.resolve(key), StandardCopyOption.ATOMIC_MOVE);
                    } catch (AtomicMoveNotSupportedException e) {
                        throw new IOException("cannot rename the snapshot into place: " + e.getMessage(), e);
                    }
                    prune(KEPT);
                } finally {
                    try {
                        qmp.execute("{\"execute\":\"cont\"}");
                    } catch (IOException e) {
                        // reported by the caller when the guest does not answer
                    }
                }
                return Optional.of(Duration.ofNanos(System.nanoTime() - t0));
            } finally {
                if (Files.exists(tmp)) FileTrees.delete(tmp);
            }
        }
    }

    private static FileLock tryLock(FileChannel ch) throws IOException {
        try {
            return ch.tryLock();
        } catch (OverlappingFileLockException e) {
            return null; // another box of this JVM is writing it
        }
    }

    /** Stops the guest and migrates it into {@code file}; returns {size, crc32c}. */
    private static long[] migrate(Qmp qmp, QemuMachine machine, Path file) throws IOException, InterruptedException {
        Path sock = machine.tempDir().resolve("out.sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(sock));
            Optional<SandboxUser> user = machine.qemuUser();
            if (user.isPresent()) { // QEMU, no longer root, connects: its user alone may
                Files.setAttribute(sock, "unix:gid", user.get().gid(), LinkOption.NOFOLLOW_LINKS);
                Files.setAttribute(sock, "unix:uid", user.get().uid(), LinkOption.NOFOLLOW_LINKS);
            }
            CompletableFuture<long[]> drained = new CompletableFuture<>();
            Thread.ofVirtual().name("vm-snapshot-" + machine.spec().name()).start(() -> {
                try (SocketChannel c = server.accept();
                        FileChannel out = FileChannel.open(
                                file,
                                Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))) {
                    CRC32C crc = new CRC32C();
                    ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
                    long total = 0;
                    while (c.read(buf) >= 0) {
                        buf.flip();
                        crc.update(buf.duplicate());
                        total += buf.remaining();
                        while (buf.hasRemaining()) out.write(buf);
                        buf.clear();
                    }
                    drained.complete(new long[] {total, crc.getValue()});
                } catch (IOException | RuntimeException e) {
                    drained.completeExceptionally(e);
                }
            });
            qmp.execute("{\"execute\":\"stop\"}");
            qmp.execute("{\"execute\":\"migrate\",\"arguments\":{\"uri\":" + Qmp.quote("unix:" + sock) + "}}");
            long deadline = System.nanoTime() + MIGRATE_TIMEOUT.toNanos();
            while (true) {
                String st = Qmp.status(qmp.execute("{\"execute\":\"query-migrate\"}"))
                        .orElse("none");
                if (st.equals("completed")) break;
                if (st.equals("failed") || st.equals("cancelled"))
                    throw new IOException("QEMU migration to the snapshot " + st);
                if (System.nanoTime() > deadline) {
                    qmp.execute("{\"execute\":\"migrate_cancel\"}");
                    throw new IOException("the snapshot did not complete within " + MIGRATE_TIMEOUT.toSeconds() + " s");
                }
                Thread.sleep(20);
            }
            try {
                return drained.get(30, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                throw new IOException(
                        "writing the snapshot failed: " + e.getCause().getMessage(), e.getCause());
            } catch (TimeoutException e) {
                throw new IOException("the snapshot stream did not end after the migration completed");
            }
        } finally {
            Files.deleteIfExists(sock);
        }
    }

    /**
     * Streams snapshot {@code key} into {@code machine} (started with {@code incoming}), checking
     * its size and CRC-32C, and waits until QEMU runs the loaded guest. Any problem (a corrupt or
     * truncated file, QEMU refusing it or exiting, a timeout) throws; the caller then discards the
     * machine and the snapshot.
     */
    public void restore(String key, QemuMachine machine) throws SandboxException, InterruptedException {
        Path d = dir.resolve(key);
        try {
            Properties meta = readMeta(d.resolve(META));
            long size = Long.parseLong(meta.getProperty("bytes", "-1"));
            long crcWant = Long.parseUnsignedLong(meta.getProperty("crc32c", "0"), 16);
            Files.setLastModifiedTime(d.resolve(META), FileTime.from(Instant.now())); // used: kept by prune
            try (Qmp qmp = Qmp.connect(machine.qmpSocket(), Duration.ofSeconds(15))) {
                try (FileChannel in = FileChannel.open(d.resolve(STATE));
                        SocketChannel out = connect(machine.incomingSocket(), machine)) {
                    if (in.size() != size)
                        throw new IOException("the snapshot has " + in.size() + " bytes, its metadata says " + size);
                    CRC32C crc = new CRC32C();
                    ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
                    while (in.read(buf) >= 0) {
                        buf.flip();
                        crc.update(buf.duplicate());
                        while (buf.hasRemaining()) out.write(buf);
                        buf.clear();
                    }
                    if (crc.getValue() != crcWant)
                        throw new IOException("the snapshot's checksum does not match (corrupt file)");
                }
                long deadline = System.nanoTime() + RESTORE_TIMEOUT.toNanos();
                while (true) {
                    String st = Qmp.status(qmp.execute("{\"execute\":\"query-status\"}"))
                            .orElse("unknown");
                    if (st.equals("running")) return;
                    // the guest was saved stopped, so QEMU loads it paused: run it
                    if (st.equals("paused")) {
                        qmp.execute("{\"execute\":\"cont\"}");
                        continue;
                    }
                    if (!st.equals("inmigrate") && !st.equals("prelaunch"))
                        throw new IOException("QEMU is " + st + " after loading the snapshot");
                    if (System.nanoTime() > deadline)
                        throw new IOException(
                                "QEMU did not run the snapshot within " + RESTORE_TIMEOUT.toSeconds() + " s");
                    Thread.sleep(10);
                }
            }
        } catch (IOException | RuntimeException e) {
            String tail = machine.consoleTail();
            throw new SandboxException(
                    "cannot restore snapshot " + key + ": " + e.getMessage()
                            + (tail.isBlank()
                                    ? ""
                                    : "; QEMU said: " + tail.strip().replace('\n', '|')),
                    e);
        }
    }

    /** The machine's QMP run state ({@code running}, {@code paused}, ...) for error messages, or why it is unknown. */
    public static String runState(QemuMachine machine) {
        try (Qmp qmp = Qmp.connect(machine.qmpSocket(), Duration.ofSeconds(2))) {
            return Qmp.status(qmp.execute("{\"execute\":\"query-status\"}")).orElse("status unknown");
        } catch (IOException e) {
            return "status unknown: " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "status unknown";
        }
    }

    private static SocketChannel connect(Path socket, QemuMachine machine) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (true) {
            SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            try {
                ch.connect(UnixDomainSocketAddress.of(socket));
                return ch;
            } catch (IOException e) {
                ch.close();
                if (machine.exitCode().isPresent())
                    throw new IOException(
                            "QEMU exited with code " + machine.exitCode().getAsInt());
                if (System.nanoTime() > deadline) throw e;
                Thread.sleep(10);
            }
        }
    }

    private static Properties readMeta(Path meta) throws IOException {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(meta)) {
            p.load(r);
        }
        return p;
    }

    private static long sizeOf(Path root) throws IOException {
        if (!Files.isDirectory(root)) return Files.exists(root) ? Files.size(root) : 0;
        try (var files = Files.walk(root)) {
            return files.filter(Files::isRegularFile)
                    .mapToLong(f -> {
                        try {
                            return Files.size(f);
                        } catch (IOException e) {
                            return 0;
                        }
                    })
                    .sum();
        }
    }

    /** The version line of {@code qemu --version} (part of every key), or "unknown". */
    public static String qemuVersion(Path qemu) {
        try {
            Process p = new ProcessBuilder(qemu.toString(), "--version")
                    .redirectErrorStream(true)
                    .start();
            p.getOutputStream().close();
            String out;
            try (InputStream in = p.getInputStream()) {
                out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            p.waitFor(10, TimeUnit.SECONDS);
            return out.lines().findFirst().orElse("unknown").trim();
        } catch (IOException e) {
            return "unknown";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown";
        }
    }
}
