package io.voidbox.spi.support;

import io.voidbox.protocol.TelemetryBatch;
import io.voidbox.spi.ExecResult;
import io.voidbox.spi.ExecSpec;
import io.voidbox.spi.OutputSink;
import io.voidbox.spi.SandboxRequest;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The host processes of one sandbox whose commands run as host processes (the {@code local} and
 * {@code namespace} backends): runs each command with its stdin fed and its output split into
 * lines, kills its whole tree on timeout or interruption, samples the trees for telemetry, and
 * kills whatever still runs when the sandbox closes or the JVM exits (Ctrl-C). One owner for all
 * of it, so both backends clean up the same way.
 */
public final class HostProcesses implements AutoCloseable {
    private static final Duration KILL_WAIT = Duration.ofSeconds(5);

    private final SandboxRequest request;
    private final Set<Process> running = ConcurrentHashMap.newKeySet();
    private final ProcessTreeSampler sampler;
    private final Thread samplerThread;
    private final Thread shutdownHook;
    private volatile boolean closed;

    /**
     * Starts the telemetry sampler and registers a JVM shutdown hook ({@code
     * voidbox-<backend>-shutdown-<box>}) that kills every running tree, then runs {@code
     * onJvmExit} (e.g. removes the sandbox's temp directory).
     */
    public HostProcesses(SandboxRequest request, String backend, Runnable onJvmExit) {
        this.request = request;
        this.sampler = new ProcessTreeSampler(
                Path.of("/proc"), () -> running.stream().map(Process::toHandle).toList());
        this.samplerThread =
                Thread.ofVirtual().name("telemetry-" + request.boxName()).start(this::sampleLoop);
        this.shutdownHook = new Thread(
                () -> {
                    closed = true; // before the kills: a process started meanwhile kills itself in run
                    killAll();
                    onJvmExit.run();
                },
                "voidbox-" + backend + "-shutdown-" + request.boxName());
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /**
     * Starts {@code builder} (its command, directory and environment already set) and runs it to
     * completion as {@link io.voidbox.spi.Sandbox#exec} promises: stdin from {@code spec}, output
     * line by line to {@code sink}, the tree killed on timeout ({@link ExecResult#timedOut()}) or
     * interruption (rethrown).
     */
    public ExecResult run(ProcessBuilder builder, ExecSpec spec, OutputSink sink)
            throws IOException, InterruptedException {
        if (closed) throw new IOException("sandbox of box " + request.boxName() + " is closed");
        Process process = builder.start();
        running.add(process);
        if (closed) { // closed (or the JVM exiting) while it started: the closer may have missed it
            ProcessTrees.killTree(process.toHandle(), KILL_WAIT);
            running.remove(process);
            throw new IOException("sandbox of box " + request.boxName() + " is closed");
        }
        try {
            Thread in = feed(process.getOutputStream(), spec.stdin());
            Thread out = pump(process.getInputStream(), sink::stdout, "out");
            Thread err = pump(process.getErrorStream(), sink::stderr, "err");
            boolean finished = process.waitFor(spec.timeout().toMillis(), TimeUnit.MILLISECONDS);
            if (!finished) ProcessTrees.killTree(process.toHandle(), KILL_WAIT);
            out.join(KILL_WAIT);
            err.join(KILL_WAIT);
            in.join(KILL_WAIT);
            return finished ? new ExecResult(process.exitValue(), false) : new ExecResult(-1, true);
        } catch (InterruptedException e) {
            ProcessTrees.killTree(process.toHandle(), KILL_WAIT);
            throw e;
        } finally {
            running.remove(process);
        }
    }

    /**
     * Writes the command's stdin on its own thread (a command may read it only after writing more
     * output than a pipe holds), then closes it; with no input it is closed at once.
     */
    private Thread feed(OutputStream stdin, byte[] input) {
        return Thread.ofVirtual().name(request.boxName() + "-in").start(() -> {
            try (stdin) {
                stdin.write(input);
            } catch (IOException ignored) {
                // the command exited without reading all of it: that is its choice
            }
        });
    }

    private Thread pump(InputStream in, Consumer<String> lines, String name) {
        return Thread.ofVirtual().name(request.boxName() + "-" + name).start(() -> {
            LineSplitter splitter = new LineSplitter(lines, 1 << 20);
            byte[] buf = new byte[8192];
            try (in) {
                int n;
                while ((n = in.read(buf)) > 0) splitter.accept(buf, 0, n);
            } catch (IOException ignored) {
                // stream closed by a kill: what was read is flushed below
            }
            splitter.finish();
        });
    }

    private void sampleLoop() {
        Consumer<TelemetryBatch> out = request.telemetry();
        long seq = 0;
        try {
            while (!closed) {
                Thread.sleep(request.options().telemetryIntervalMs());
                if (closed) break;
                var sample = sampler.sample();
                if (sample != null && out != null) out.accept(new TelemetryBatch(seq++, List.of(sample)));
            }
        } catch (InterruptedException e) {
            // closing
        } catch (RuntimeException e) {
            request.scope().warning("process telemetry stopped: " + e.getMessage());
        }
    }

    private void killAll() {
        for (Process p : running) ProcessTrees.killTree(p.toHandle(), KILL_WAIT);
    }

    /** Kills every running tree and stops the sampler. Idempotent. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        samplerThread.interrupt();
        killAll();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // the JVM is already shutting down: the hook runs (or ran) killAll itself
        }
        try {
            samplerThread.join(KILL_WAIT);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
