package io.voidbox.sandbox.vm.internal;

import io.voidbox.protocol.Connection;
import io.voidbox.protocol.Message;
import io.voidbox.protocol.PeerErrorException;
import io.voidbox.sandbox.vm.image.GuestImage;
import io.voidbox.spi.BoxScope;
import io.voidbox.spi.ExecResult;
import io.voidbox.spi.ExecSpec;
import io.voidbox.spi.OutputSink;
import io.voidbox.spi.ResourceLimitException;
import io.voidbox.spi.Sandbox;
import io.voidbox.spi.SandboxEnvironment;
import io.voidbox.spi.support.LineSplitter;
import io.voidbox.spi.support.WorkspacePaths;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One box's micro-VM seen through the host-guest channel. Owns the QEMU machine and the
 * connection; {@link #close()} asks the guest to shut down, then kills whatever is left.
 */
public final class VmSandbox implements Sandbox {
    /**
     * How long a live guest may take to answer a file request. A dead guest is noticed at once (the
     * channel breaks); this only bounds a guest that is alive but starved: under TCG, several guests
     * on a 2-core host take more than 30 s for their first file request after boot.
     */
    private static final Duration FILE_TIMEOUT = Duration.ofSeconds(120);

    private static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(2);
    /** Slack on top of the command's own timeout for the guest to report the kill. */
    private static final Duration EXIT_SLACK = Duration.ofSeconds(15);

    private final QemuMachine machine;
    private final Connection connection;
    private final SandboxEnvironment environment;
    private final BoxScope listener;
    private final Map<String, String> boxEnv;
    private final BoxNetwork network;
    /** Opens $1 as stdin, removes it, then runs the rest of the arguments in place of the shell. */
    private static final String STDIN_WRAPPER = "exec <\"$1\" && rm -f \"$1\" && shift && exec \"$@\"";

    private final AtomicLong stdinFiles = new AtomicLong();
    private volatile boolean closed;
    private final List<AutoCloseable> heldUntilClosed = new CopyOnWriteArrayList<>();

    public VmSandbox(
            QemuMachine machine,
            Connection connection,
            SandboxEnvironment environment,
            BoxScope listener,
            Map<String, String> boxEnv,
            BoxNetwork network) {
        this.machine = machine;
        this.connection = connection;
        this.environment = environment;
        this.listener = listener;
        this.boxEnv = Map.copyOf(boxEnv);
        this.network = network;
    }

    QemuMachine machineForTests() {
        return machine;
    }

    @Override
    public SandboxEnvironment environment() {
        return environment;
    }

    private static String guestPath(String relative) {
        // same rule as the local sandbox; the guest enforces its own roots and symlink checks too
        WorkspacePaths.resolve(Path.of(GuestImage.GUEST_WORKSPACE), relative);
        return GuestImage.GUEST_WORKSPACE + "/" + Path.of(relative).normalize();
    }

    @Override
    public void writeFile(String relativePath, byte[] content) throws IOException {
        await(connection.writeFile(guestPath(relativePath), content, 0644), "write " + relativePath);
    }

    @Override
    public Optional<byte[]> readFile(String relativePath) throws IOException {
        String path = guestPath(relativePath);
        Message.FileStat stat = await(connection.stat(path), "stat " + relativePath);
        if (!stat.exists() || stat.directory()) return Optional.empty();
        return Optional.of(await(connection.readFile(path), "read " + relativePath));
    }

    @Override
    public ExecResult exec(ExecSpec spec, OutputSink sink) throws IOException, InterruptedException {
        if (closed || !connection.isOpen()) throw guestGone("the guest connection is closed");
        Map<String, String> env = new HashMap<>();
        env.put("PATH", "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin");
        env.put("HOME", GuestImage.GUEST_HOME);
        env.put("USER", GuestImage.GUEST_USER);
        env.put("LANG", "C.UTF-8");
        env.put("TMPDIR", "/tmp");
        env.putAll(boxEnv);
        env.putAll(spec.env());
        network.exposeModelEndpoints(env);
        LineSplitter out = new LineSplitter(sink::stdout, 1 << 20);
        LineSplitter err = new LineSplitter(sink::stderr, 1 << 20);
        Connection.ExecHandle handle = connection.exec(
                withStdin(spec),
                env,
                spec.workingDir(),
                spec.timeout(),
                GuestImage.GUEST_USER,
                new Connection.ExecListener() {
                    @Override
                    public void onOutput(int stream, byte[] chunk) {
                        (stream == 2 ? err : out).accept(chunk, 0, chunk.length);
                    }

                    @Override
                    public void onExit(Message.ExecExit exit) {}
                });
        try {
            Message.ExecExit exit =
                    handle.exit().get(spec.timeout().plus(EXIT_SLACK).toMillis(), TimeUnit.MILLISECONDS);
            out.finish();
            err.finish();
            if (exit.hitResourceLimit())
                throw new ResourceLimitException(
                        exit.error().contains("pids.max") ? "processes" : "memory",
                        "box " + listener.box() + ": " + exit.error());
            if (!exit.timedOut() && exit.exitCode() < 0)
                throw new IOException("guest could not run " + spec.argv().getFirst() + ": "
                        + (exit.error() == null || exit.error().isBlank() ? "no reason given" : exit.error()));
            return exit.timedOut() ? new ExecResult(-1, true) : new ExecResult(exit.exitCode(), false);
        } catch (InterruptedException e) {
            try {
                handle.cancel();
            } catch (IOException ignored) {
                // the guest is going away with the box anyway
            }
            throw e;
        } catch (ExecutionException e) {
            throw guestGone("the guest connection broke during " + spec.argv().getFirst() + ": "
                    + e.getCause().getMessage());
        } catch (TimeoutException e) {
            handle.cancel();
            return new ExecResult(-1, true);
        }
    }

    /**
     * The command's argv, with its stdin (if any) delivered as a file: the wire protocol's exec
     * has no stdin stream, so the input is written into the workspace and a {@code /bin/sh}
     * wrapper opens it as stdin, removes it and then execs the command (same argv, same exit code).
     */
    private List<String> withStdin(ExecSpec spec) throws IOException {
        if (!spec.hasStdin()) return spec.argv();
        String name = ".voidbox-stdin-" + stdinFiles.incrementAndGet();
        writeFile(name, spec.stdin());
        List<String> argv = new ArrayList<>(
                List.of("/bin/sh", "-c", STDIN_WRAPPER, "voidbox-stdin", GuestImage.GUEST_WORKSPACE + "/" + name));
        argv.addAll(spec.argv());
        return argv;
    }

    private IOException guestGone(String what) {
        String tail = machine.consoleTail();
        return new IOException("box " + machine.spec().name() + ": " + what
                + machine.exitCode().stream()
                        .mapToObj(c -> " (QEMU exited with code " + c + ")")
                        .findFirst()
                        .orElse("")
                + (tail.isBlank() ? "" : "; last console lines: " + tail.strip().replace('\n', '|')));
    }

    private <T> T await(CompletableFuture<T> f, String what) throws IOException {
        try {
            return f.get(FILE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof PeerErrorException pe)
                throw new IOException("guest refused to " + what + ": " + pe.getMessage());
            throw guestGone("the guest connection broke during " + what + ": "
                    + e.getCause().getMessage());
        } catch (TimeoutException e) {
            throw guestGone("no answer from the guest within " + FILE_TIMEOUT.toSeconds() + " s to " + what);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted during " + what, e);
        }
    }

    /** Its mounts are 9p shares QEMU serves live ({@link MachineSpec.Boot#shares()}). */
    @Override
    public boolean mountsLive() {
        return true;
    }

    /** Closes {@code resource} (a lent mount) once the machine has stopped. */
    public void holdUntilClosed(AutoCloseable resource) {
        heldUntilClosed.add(resource);
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        String reason = "shutdown";
        if (connection.isOpen()) {
            try {
                connection.shutdown().get(SHUTDOWN_GRACE.toMillis(), TimeUnit.MILLISECONDS);
                machine.awaitExit(SHUTDOWN_GRACE);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                reason = "killed";
            } catch (ExecutionException | TimeoutException e) {
                reason = "killed after the guest did not shut down";
            }
        } else {
            reason = machine.exitCode().isPresent()
                    ? "guest exited with code " + machine.exitCode().getAsInt()
                    : "guest connection lost";
        }
        network.close();
        connection.close();
        machine.close();
        for (AutoCloseable held : heldUntilClosed) {
            try {
                held.close();
            } catch (Exception e) {
                listener.warning("cannot give the box's mounts back: " + e.getMessage());
            }
        }
        listener.stopped("vm", environment.accel().orElse(null), reason);
    }
}
