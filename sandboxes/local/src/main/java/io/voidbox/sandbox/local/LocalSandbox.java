package io.voidbox.sandbox.local;

import io.voidbox.protocol.TelemetryBatch;
import io.voidbox.spi.ExecResult;
import io.voidbox.spi.ExecSpec;
import io.voidbox.spi.FileTooLargeException;
import io.voidbox.spi.OutputSink;
import io.voidbox.spi.Sandbox;
import io.voidbox.spi.SandboxEnvironment;
import io.voidbox.spi.SandboxRequest;
import io.voidbox.spi.support.FileTrees;
import io.voidbox.spi.support.LineSplitter;
import io.voidbox.spi.support.ProcessTrees;
import io.voidbox.spi.support.WorkspacePaths;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

/** One box's local workspace and the processes started in it. Owns both; {@link #close()} removes them. */
final class LocalSandbox implements Sandbox {
    private static final Duration KILL_WAIT = Duration.ofSeconds(5);
    private static final boolean HAVE_SETSID = Files.isExecutable(Path.of("/usr/bin/setsid"));

    private final SandboxRequest request;
    private final Path root;
    private final Path workspace;
    private final Path home;
    private final Path tmp;
    private final Supplier<Path> claudeExecutable;
    private final Set<Process> running = ConcurrentHashMap.newKeySet();
    private final ProcessTreeSampler sampler;
    private final Thread samplerThread;
    /** Kills the agent's process groups if the JVM exits mid-run (Ctrl-C): they are not our children's children otherwise. */
    private final Thread shutdownHook;

    private volatile boolean closed;

    private LocalSandbox(SandboxRequest request, Path root, Supplier<Path> claudeExecutable) throws IOException {
        this.request = request;
        this.root = root;
        this.workspace = Files.createDirectories(root.resolve("workspace"));
        this.home = Files.createDirectories(root.resolve("home"));
        this.tmp = Files.createDirectories(root.resolve("tmp"));
        this.claudeExecutable = claudeExecutable;
        this.sampler = new ProcessTreeSampler(
                Path.of("/proc"), () -> running.stream().map(Process::toHandle).toList());
        this.samplerThread =
                Thread.ofVirtual().name("telemetry-" + request.boxName()).start(this::sampleLoop);
        this.shutdownHook = new Thread(
                () -> {
                    killAll();
                    deleteTree(root);
                },
                "voidbox-local-shutdown-" + request.boxName());
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    private void killAll() {
        for (Process p : running) ProcessTrees.killTree(p.toHandle(), KILL_WAIT);
    }

    static LocalSandbox start(SandboxRequest request, Supplier<Path> claudeExecutable) throws IOException {
        long t0 = System.nanoTime();
        request.scope().booting("local", null);
        Path root = Files.createTempDirectory("voidbox-" + request.boxName() + "-");
        LocalSandbox sb = new LocalSandbox(request, root, claudeExecutable);
        request.scope().line("runtime", "local sandbox workspace " + sb.workspace);
        request.scope().ready("local", null, (System.nanoTime() - t0) / 1_000_000, null);
        return sb;
    }

    @Override
    public SandboxEnvironment environment() {
        return new SandboxEnvironment(
                "local",
                Optional.empty(),
                workspace.toString(),
                "127.0.0.1",
                claudeExecutable.get().toString(),
                home.toString(),
                Optional.empty());
    }

    @Override
    public void writeFile(String relativePath, byte[] content) throws IOException {
        Path p = WorkspacePaths.resolve(workspace, relativePath);
        Files.createDirectories(p.getParent());
        Files.write(p, content);
    }

    @Override
    public Optional<byte[]> readFile(String relativePath) throws IOException {
        Path p = WorkspacePaths.resolve(workspace, relativePath);
        if (!Files.isRegularFile(p)) return Optional.empty();
        try (InputStream in = Files.newInputStream(p)) {
            byte[] content = in.readNBytes(MAX_READ_BYTES + 1);
            if (content.length > MAX_READ_BYTES) throw new FileTooLargeException(relativePath, Files.size(p));
            return Optional.of(content);
        }
    }

    @Override
    public ExecResult exec(ExecSpec spec, OutputSink sink) throws IOException, InterruptedException {
        if (closed) throw new IOException("sandbox of box " + request.boxName() + " is closed");
        List<String> argv = new ArrayList<>();
        if (HAVE_SETSID) argv.add("/usr/bin/setsid"); // own process group: a timeout kills the whole tree
        argv.addAll(spec.argv());
        ProcessBuilder pb = new ProcessBuilder(argv)
                .directory(
                        spec.workingDir() == null
                                ? workspace.toFile()
                                : Path.of(spec.workingDir()).toFile());
        Map<String, String> env = pb.environment();
        env.clear();
        env.put("PATH", System.getenv().getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin"));
        env.put("HOME", home.toString());
        env.put("LANG", "C.UTF-8");
        env.put("TMPDIR", tmp.toString()); // agents keep per-session state there: it goes away with the box
        env.putAll(request.env());
        env.putAll(spec.env());
        Process process = pb.start();
        running.add(process);
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
                Thread.sleep(request.telemetryIntervalMs());
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
        deleteTree(root);
        request.scope().stopped("local", null, "closed");
    }

    static void deleteTree(Path dir) {
        try {
            FileTrees.delete(dir);
        } catch (IOException e) {
            // best effort; leave a trace rather than fail the run
            System.err.println("voidbox: could not remove " + dir + ": " + e.getMessage());
        }
    }
}
