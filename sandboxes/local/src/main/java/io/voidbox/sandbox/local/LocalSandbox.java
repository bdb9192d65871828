package io.voidbox.sandbox.local;

import io.voidbox.spi.ExecResult;
import io.voidbox.spi.ExecSpec;
import io.voidbox.spi.FileTooLargeException;
import io.voidbox.spi.OutputSink;
import io.voidbox.spi.Sandbox;
import io.voidbox.spi.SandboxEnvironment;
import io.voidbox.spi.SandboxRequest;
import io.voidbox.spi.support.FileTrees;
import io.voidbox.spi.support.HostProcesses;
import io.voidbox.spi.support.WorkspacePaths;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/** One box's local workspace and the processes started in it. Owns both; {@link #close()} removes them. */
final class LocalSandbox implements Sandbox {
    private static final boolean HAVE_SETSID = Files.isExecutable(Path.of("/usr/bin/setsid"));

    private final SandboxRequest request;
    private final Path root;
    private final Path workspace;
    private final Path home;
    private final Path tmp;
    private final Supplier<Path> claudeExecutable;
    /** Runs the commands; kills the agent's process groups on close and if the JVM exits mid-run (Ctrl-C). */
    private final HostProcesses processes;

    private volatile boolean closed;

    private LocalSandbox(SandboxRequest request, Path root, Supplier<Path> claudeExecutable) throws IOException {
        this.request = request;
        this.root = root;
        this.workspace = Files.createDirectories(root.resolve("workspace"));
        this.home = Files.createDirectories(root.resolve("home"));
        this.tmp = Files.createDirectories(root.resolve("tmp"));
        this.claudeExecutable = claudeExecutable;
        this.processes = new HostProcesses(request, "local", () -> deleteTree(root));
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
        env.putAll(request.options().env());
        env.putAll(spec.env());
        return processes.run(pb, spec, sink);
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        processes.close();
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
