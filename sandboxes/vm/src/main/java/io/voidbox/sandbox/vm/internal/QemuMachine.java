package io.voidbox.sandbox.vm.internal;

import io.voidbox.sandbox.vm.image.GuestImage;
import io.voidbox.spi.SandboxException;
import io.voidbox.spi.support.FileTrees;
import io.voidbox.spi.support.SandboxUser;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One running QEMU micro-VM and everything it owns: the QEMU process, a watchdog that kills it
 * when this JVM goes away, the console reader threads, the channel socket and the temp dir.
 * {@link #close()} always removes all of it; a JVM shutdown hook does the same on a normal exit,
 * and the watchdog covers {@code kill -9} of the JVM (its stdin pipe from the JVM hits EOF).
 *
 * <p>Start with {@link #start}; then {@link #awaitReady()} (boot deadline) or {@link #awaitExit}.
 */
public final class QemuMachine implements AutoCloseable {
    /**
     * Runs QEMU ("$@") in the background with stdin from /dev/null, and sends it SIGTERM as soon as
     * its own stdin (a pipe whose only writer is the JVM) reaches EOF: on {@code close()} or when
     * the JVM dies. QEMU's stdio chardev does not do this itself: it ignores EOF on stdin.
     */
    static final String WATCHDOG = """
            exec 3<&0
            "$@" </dev/null &
            q=$!
            ( while read -r _ <&3; do :; done; kill -TERM $q 2>/dev/null ) &
            w=$!
            exec 3<&-
            wait $q
            rc=$?
            kill $w 2>/dev/null
            exit $rc
            """;

    private static final int TAIL_LINES = 60;
    static final String TEMP_PREFIX = "vbx-";
    private static final String OWNER_FILE = "owner.pid";
    private static final String INCOMING_SOCKET = "in.sock";
    private static final Pattern KERNEL_MARKER = Pattern.compile("voidbox-init: kernel (\\S+)");

    private final MachineSpec spec;
    /** The user QEMU switched to, when voidbox runs as root. */
    private final Optional<SandboxUser> user;

    private final Path tempDir;
    private final Path channelSocket;
    private final List<String> command;
    private final Process wrapper;
    private final OutputStream watchdogPipe;
    private final ConsoleListener listener;
    private final long startedNanos;
    private final ArrayDeque<String> tail = new ArrayDeque<>();
    private final CountDownLatch ready = new CountDownLatch(1);
    private final CountDownLatch exited = new CountDownLatch(1);
    private final List<Thread> readers = new ArrayList<>();
    private final Thread shutdownHook;
    private volatile long readyNanos;
    private volatile long exitedNanos;
    private volatile String guestKernel;
    private volatile ProcessHandle qemu;
    private boolean closed;

    private QemuMachine(
            MachineSpec spec,
            Path tempDir,
            List<String> command,
            Process wrapper,
            ConsoleListener listener,
            long startedNanos,
            Optional<SandboxUser> user) {
        this.spec = spec;
        this.user = user;
        this.tempDir = tempDir;
        this.channelSocket = tempDir.resolve("ch.sock");
        this.command = command;
        this.wrapper = wrapper;
        this.watchdogPipe = wrapper.getOutputStream();
        this.listener = listener;
        this.startedNanos = startedNanos;
        this.shutdownHook = new Thread(this::close, "voidbox-vm-shutdown-" + spec.name());
    }

    /** Starts QEMU for {@code spec}; returns as soon as the process runs (the guest boots in the background). */
    public static QemuMachine start(Path qemuBinary, MachineSpec spec, ConsoleListener listener)
            throws SandboxException {
        return start(qemuBinary, spec, listener, false);
    }

    /**
     * As {@link #start(Path, MachineSpec, ConsoleListener)}; with {@code incoming} QEMU does not
     * boot but waits for a snapshot on {@link #incomingSocket()} (see {@link Snapshots#restore}).
     */
    static QemuMachine start(Path qemuBinary, MachineSpec spec, ConsoleListener listener, boolean incoming)
            throws SandboxException {
        Optional<SandboxUser> user;
        try {
            user = QemuCommand.switchedUser();
        } catch (IllegalArgumentException e) {
            throw new SandboxException("VM " + spec.name() + ": " + e.getMessage(), e);
        }
        Path tempDir;
        try {
            Path parent = TempDirs.userParent();
            sweepStale(parent);
            tempDir = Files.createTempDirectory(parent, TEMP_PREFIX);
            if (user.isPresent()) Files.setPosixFilePermissions(tempDir, TempDirs.TRAVERSABLE);
            Files.writeString(
                    tempDir.resolve(OWNER_FILE),
                    Long.toString(ProcessHandle.current().pid()));
            for (var f : spec.boot().firmwareFiles().entrySet())
                TempDirs.writePrivate(QemuCommand.firmwareFile(tempDir, f.getKey()), f.getValue());
        } catch (IOException e) {
            throw new SandboxException("cannot create a temp dir for VM " + spec.name() + ": " + e.getMessage(), e);
        }
        List<String> qemuCmd = QemuCommand.build(
                qemuBinary,
                spec,
                tempDir.resolve("ch.sock"),
                tempDir.resolve("qemu.pid"),
                tempDir,
                spec.accel() == Accel.TCG ? QemuCommand.hostTscKhz() : OptionalLong.empty(),
                incoming ? Optional.of(tempDir.resolve(INCOMING_SOCKET)) : Optional.empty());
        if (user.isPresent()) qemuCmd = QemuCommand.switchingTo(qemuCmd, user.get());
        List<String> full = new ArrayList<>(List.of("/bin/sh", "-c", WATCHDOG, "voidbox-qemu-watchdog"));
        full.addAll(qemuCmd);
        long t0 = System.nanoTime();
        Process p;
        try {
            p = new ProcessBuilder(full).start();
        } catch (IOException e) {
            deleteQuietly(tempDir);
            throw new SandboxException(
                    "cannot start " + qemuBinary + " for VM " + spec.name() + ": " + e.getMessage(), e);
        }
        QemuMachine m = new QemuMachine(spec, tempDir, qemuCmd, p, listener, t0, user);
        Runtime.getRuntime().addShutdownHook(m.shutdownHook);
        m.readers.add(Thread.ofVirtual()
                .name("vm-console-" + spec.name())
                .start(() -> m.pump(p.getInputStream(), "console")));
        m.readers.add(
                Thread.ofVirtual().name("vm-stderr-" + spec.name()).start(() -> m.pump(p.getErrorStream(), "qemu")));
        m.readers.add(Thread.ofVirtual().name("vm-exit-" + spec.name()).start(() -> {
            try {
                p.waitFor();
            } catch (InterruptedException e) {
                return;
            }
            m.exitedNanos = System.nanoTime();
            m.exited.countDown();
        }));
        return m;
    }

    /**
     * Waits until a console line matches the spec's ready pattern. On QEMU exiting first or the
     * boot deadline passing, the machine is closed and the error quotes the last console lines.
     *
     * @return time from process start to readiness
     */
    public Duration awaitReady() throws SandboxException, InterruptedException {
        boolean signalled = ready.await(spec.ready().timeout().toMillis(), TimeUnit.MILLISECONDS);
        if (readyNanos != 0) {
            // the guest has read its fw_cfg files (QEMU holds them in memory): no copy stays on the host disk
            deleteFirmwareFiles();
            return Duration.ofNanos(readyNanos - startedNanos);
        }
        if (signalled) wrapper.waitFor(2, TimeUnit.SECONDS);
        String why = signalled
                ? "QEMU exited (code " + exitCode().orElse(-1) + ") before the guest was ready"
                : "the guest did not become ready within "
                        + spec.ready().timeout().toSeconds() + " s (accel "
                        + spec.accel().id() + ", waiting for a console line matching /"
                        + spec.ready().pattern() + "/)";
        String lines = consoleTail();
        close();
        throw new SandboxException(
                "VM " + spec.name() + ": " + why + "; last console lines:\n" + (lines.isEmpty() ? "  (none)" : lines));
    }

    /** Waits for QEMU to exit; the exit code, or empty on timeout (the machine keeps running). */
    public OptionalInt awaitExit(Duration timeout) throws InterruptedException {
        if (!exited.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) return OptionalInt.empty();
        joinReaders(Duration.ofSeconds(2));
        return OptionalInt.of(wrapper.exitValue());
    }

    /** Process start to QEMU exit, once it exited. */
    public Optional<Duration> wallTime() {
        return exitedNanos == 0 ? Optional.empty() : Optional.of(Duration.ofNanos(exitedNanos - startedNanos));
    }

    /** The {@code uname -r} the guest's init reported, once seen. */
    public Optional<String> guestKernel() {
        return Optional.ofNullable(guestKernel);
    }

    /** The unprivileged user QEMU runs as when voidbox is root; empty when QEMU runs as voidbox's user. */
    Optional<SandboxUser> qemuUser() {
        return user;
    }

    /** Where QEMU started with {@code incoming} listens for the snapshot stream. */
    Path incomingSocket() {
        return tempDir.resolve(INCOMING_SOCKET);
    }

    /** The QMP monitor's socket. */
    Path qmpSocket() {
        return tempDir.resolve(QemuCommand.QMP_SOCKET);
    }

    /** Time since QEMU was started. */
    Duration sinceStart() {
        return Duration.ofNanos(System.nanoTime() - startedNanos);
    }

    /** The unix socket of the host-guest channel (virtio-serial port {@value GuestImage#CHANNEL_PORT_NAME}). */
    public Path channelSocket() {
        return channelSocket;
    }

    public MachineSpec spec() {
        return spec;
    }

    /** The QEMU command (without the watchdog). The channel secret is never on it (it goes through fw_cfg). */
    public List<String> command() {
        return command;
    }

    /** The watchdog shell process that owns QEMU (QEMU is its child). */
    public Process process() {
        return wrapper;
    }

    /** QEMU's own process, once its pid file exists (waits up to 5 s). */
    public Optional<ProcessHandle> qemuProcess() throws InterruptedException {
        if (qemu != null) return Optional.of(qemu);
        Path pidFile = tempDir.resolve("qemu.pid");
        for (int i = 0; i < 100 && wrapper.isAlive(); i++) {
            try {
                String s = Files.exists(pidFile) ? Files.readString(pidFile).trim() : "";
                if (!s.isEmpty()) {
                    qemu = ProcessHandle.of(Long.parseLong(s)).orElse(null);
                    if (qemu != null) return Optional.of(qemu);
                }
            } catch (IOException | NumberFormatException e) {
                // being written; retry
            }
            Thread.sleep(50);
        }
        return wrapper.children().findFirst();
    }

    public OptionalInt exitCode() {
        return wrapper.isAlive() ? OptionalInt.empty() : OptionalInt.of(wrapper.exitValue());
    }

    /** The last console/QEMU lines, indented, for error messages. */
    public String consoleTail() {
        synchronized (tail) {
            StringBuilder sb = new StringBuilder();
            for (String l : tail) sb.append("  ").append(l).append('\n');
            return sb.toString();
        }
    }

    public Path tempDir() {
        return tempDir;
    }

    /** Stops QEMU (SIGTERM via the watchdog, then SIGKILL), joins the readers, deletes the temp dir. Idempotent. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) return;
            closed = true;
        }
        try {
            try {
                watchdogPipe.close();
            } catch (IOException e) {
                // already closed: the watchdog sees EOF either way
            }
            Optional<ProcessHandle> q =
                    Optional.ofNullable(qemu).or(() -> wrapper.children().findFirst());
            if (!waitFor(wrapper.toHandle(), Duration.ofSeconds(4))) {
                q.ifPresent(ProcessHandle::destroyForcibly);
                wrapper.destroyForcibly();
                waitFor(wrapper.toHandle(), Duration.ofSeconds(2));
            }
            q.ifPresent(h -> {
                if (h.isAlive()) h.destroyForcibly();
                waitFor(h, Duration.ofSeconds(2));
            });
            joinReaders(Duration.ofSeconds(2));
        } finally {
            deleteQuietly(tempDir);
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException e) {
                // the JVM is shutting down and this is (or runs beside) the hook
            }
        }
    }

    private void pump(InputStream in, String stream) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                line = strip(line);
                synchronized (tail) {
                    if (tail.size() == TAIL_LINES) tail.removeFirst();
                    tail.addLast(line);
                }
                if (stream.equals("console")) {
                    Matcher k = KERNEL_MARKER.matcher(line);
                    if (k.find()) guestKernel = k.group(1);
                    if (readyNanos == 0 && spec.ready().pattern().matcher(line).find()) {
                        readyNanos = System.nanoTime();
                        ready.countDown();
                    }
                }
                try {
                    listener.line(stream, line);
                } catch (RuntimeException e) {
                    // a broken listener must not stop the console from draining (QEMU would block on a full pipe)
                }
            }
        } catch (IOException e) {
            // stream closed on exit
        } finally {
            // Console EOF: QEMU is gone and every line has been seen, so awaitReady can decide.
            if (stream.equals("console")) ready.countDown();
        }
    }

    /** Drops carriage returns and terminal control sequences the guest console may emit. */
    static String strip(String line) {
        return line.replaceAll("\u001B\\[[0-9;?]*[A-Za-z]", "").replace("\r", "");
    }

    private void joinReaders(Duration max) {
        long deadline = System.nanoTime() + max.toNanos();
        for (Thread t : readers) {
            long left = deadline - System.nanoTime();
            if (left <= 0) break;
            try {
                t.join(Duration.ofNanos(left));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static boolean waitFor(ProcessHandle h, Duration max) {
        try {
            h.onExit().get(max.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            return !h.isAlive();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !h.isAlive();
        }
    }

    /** Deletes the host copies of the fw_cfg files (QEMU holds them in memory); a restored machine calls this after Hello. */
    public void deleteFirmwareFiles() {
        for (String name : spec.boot().firmwareFiles().keySet()) {
            try {
                Files.deleteIfExists(QemuCommand.firmwareFile(tempDir, name));
            } catch (IOException e) {
                // the temp dir goes on close anyway
            }
        }
    }

    /**
     * Deletes temp dirs left by JVMs that were killed (no shutdown hook ran): their owner pid is
     * gone. Their QEMU is already dead (the watchdog saw the JVM's pipe close). Only directories
     * (not links) owned by this user inside this user's private parent are considered, and they
     * are deleted without following links.
     */
    static void sweepStale(Path parent) {
        int uid = SandboxUser.currentUid();
        try (var dirs = Files.newDirectoryStream(parent, TEMP_PREFIX + "*")) {
            for (Path d : dirs) {
                try {
                    if (!FileTrees.isOwnDirectory(d, uid)) continue;
                    long owner = Long.parseLong(
                            TempDirs.readNoFollow(d.resolve(OWNER_FILE), 32).trim());
                    if (ProcessHandle.of(owner).isEmpty()) deleteQuietly(d);
                } catch (IOException | NumberFormatException e) {
                    // not ours, or being created right now
                }
            }
        } catch (IOException e) {
            // nothing to sweep
        }
    }

    private static void deleteQuietly(Path dir) {
        try {
            FileTrees.delete(dir);
        } catch (IOException e) {
            // best effort: temp dir of a dead VM
        }
    }
}
