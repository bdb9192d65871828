package io.voidbox.sandbox.namespace.internal;

import io.voidbox.SandboxOptions.Mount;
import io.voidbox.spi.ExecResult;
import io.voidbox.spi.ExecSpec;
import io.voidbox.spi.OutputSink;
import io.voidbox.spi.ResourceLimitException;
import io.voidbox.spi.Sandbox;
import io.voidbox.spi.SandboxEnvironment;
import io.voidbox.spi.SandboxRequest;
import io.voidbox.spi.support.FileTrees;
import io.voidbox.spi.support.HostProcesses;
import io.voidbox.spi.support.SandboxUser;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * One namespace box: a staging directory on the host (workspace, model sockets, seccomp program,
 * mount points) and the bubblewrap commands started in it ({@link BwrapCommand}). Every command
 * gets its own pid namespace, so nothing it started (daemons, {@code setsid nohup} children)
 * outlives it. Mounts are bind-mounted live. Owns all of it; {@link #close()} removes it.
 */
public final class NamespaceSandbox implements Sandbox {
    private static final String BACKEND = "namespace";
    private static final long REPORT_MS = 500;

    private final SandboxRequest request;
    private final Path root;
    private final Path workspace;
    private final ConfinedFiles files;
    private final SandboxUser user;
    private final Staging staging;
    private final List<Mount> mounts;
    private final Supplier<Path> agentExecutable;
    /** Set once the runner asked for the agent ({@link #environment()}); a workflow box never installs it. */
    private volatile Path agent;

    private final NamespaceNetwork network;
    /** Commands running now: while any does, what the box's kernel refused is read every {@link #REPORT_MS} ms. */
    private final AtomicInteger running = new AtomicInteger();

    private final Optional<CgroupLimits> limits;
    private final List<SandboxUser.Lease> leases = new ArrayList<>();
    private final Set<String> warned = ConcurrentHashMap.newKeySet();
    private final HostProcesses processes;
    private volatile boolean closed;

    private NamespaceSandbox(SandboxRequest request, Staging staging, SandboxUser user, Supplier<Path> agentExecutable)
            throws IOException {
        this.request = request;
        this.root = staging.root();
        this.workspace = staging.workspace();
        this.files = new ConfinedFiles(workspace);
        this.user = user;
        this.staging = staging;
        this.agentExecutable = agentExecutable;
        List<Mount> mounts = new ArrayList<>();
        for (Mount m : request.options().mounts()) {
            Path host = m.host().toRealPath();
            if (!Files.isDirectory(host)) throw new IOException("mount " + m.host() + ": not a directory on the host");
            if (!Path.of(m.guest()).isAbsolute())
                throw new IOException("mount " + m.host() + " -> " + m.guest() + ": the guest path must be absolute");
            mounts.add(new Mount(host, m.guest(), m.readOnly()));
        }
        try {
            for (Mount m : mounts) if (!m.readOnly()) leases.add(user.lend(m.host()));
        } catch (IOException | RuntimeException e) {
            giveBack();
            throw e;
        }
        this.mounts = List.copyOf(mounts);
        try {
            this.network = NamespaceNetwork.start(request, user, staging.run(), root.resolve("net.log"));
        } catch (IOException | RuntimeException e) {
            giveBack();
            throw e;
        }
        this.limits = limits(request, user);
        this.processes = new HostProcesses(request, BACKEND, () -> {
            network.close();
            limits.ifPresent(CgroupLimits::close);
            giveBack();
            delete(root);
        });
    }

    /** The box's cgroups (root only); without them the box runs unbounded, said once. */
    private static Optional<CgroupLimits> limits(SandboxRequest request, SandboxUser user) {
        StringBuilder why = new StringBuilder();
        Optional<CgroupLimits> limits = user.dropFromRoot()
                ? CgroupLimits.create(
                        "voidbox-" + request.boxName() + "-"
                                + ProcessHandle.current().pid() + "-" + System.nanoTime(),
                        (long) request.options().memoryMb() << 20,
                        why)
                : Optional.empty();
        if (limits.isEmpty())
            request.scope()
                    .warning("no memory or process limits for this box ("
                            + (user.dropFromRoot() ? "cgroups unavailable: " + why : "voidbox runs unprivileged")
                            + "): a memory hog or fork bomb in it reaches the host");
        return limits;
    }

    /** Creates the box's staging directory and reports the box booting and ready. */
    public static NamespaceSandbox start(SandboxRequest request, SandboxUser user, Supplier<Path> agentExecutable)
            throws IOException {
        long t0 = System.nanoTime();
        request.scope().booting(BACKEND, null);
        Staging staging = Staging.create(request.boxName(), user);
        NamespaceSandbox sb;
        try {
            sb = new NamespaceSandbox(request, staging, user, agentExecutable);
        } catch (IOException | RuntimeException e) {
            delete(staging.root());
            throw e;
        }
        request.scope()
                .line(
                        "runtime",
                        "namespace sandbox (uid " + user.uid() + (user.dropFromRoot() ? ", dropped from root" : "")
                                + ", network: " + sb.network.describe() + ") workspace " + sb.workspace);
        request.scope().ready(BACKEND, null, (System.nanoTime() - t0) / 1_000_000, null);
        return sb;
    }

    @Override
    public SandboxEnvironment environment() {
        // host loopback URLs stay as they are: the box listens on the same ports and forwards them
        return new SandboxEnvironment(
                BACKEND,
                Optional.empty(),
                BwrapCommand.WORKSPACE,
                "127.0.0.1",
                BwrapCommand.AGENT_DIR + "/" + agent().getFileName(),
                BwrapCommand.HOME,
                Optional.empty());
    }

    /** The host's agent binary, installed on first use (the runner's first question). */
    private Path agent() {
        Path a = agent;
        if (a == null) agent = a = agentExecutable.get();
        return a;
    }

    @Override
    public boolean mountsLive() {
        return true;
    }

    @Override
    public void writeFile(String relativePath, byte[] content) throws IOException {
        Path p = files.write(relativePath, content);
        for (Path at = p; !at.equals(workspace); at = at.getParent()) user.own(at);
    }

    @Override
    public Optional<byte[]> readFile(String relativePath) throws IOException {
        return files.read(relativePath);
    }

    @Override
    public ExecResult exec(ExecSpec spec, OutputSink sink) throws IOException, InterruptedException {
        for (int port : modelPorts(spec.env())) network.exposeLoopback(port);
        ProcessBuilder pb = new ProcessBuilder(
                        BwrapCommand.argv(layout(), network.enter(), spec.argv(), spec.workingDir()))
                .directory(root.toFile());
        Map<String, String> env = pb.environment();
        env.clear();
        env.put("PATH", "/usr/local/bin:/usr/bin:/bin");
        env.put("HOME", BwrapCommand.HOME);
        env.put("LANG", "C.UTF-8");
        env.put("TMPDIR", "/tmp");
        env.putAll(request.options().env());
        env.putAll(spec.env());
        ExecResult result;
        List<CgroupLimits.Reached> reached;
        if (running.getAndIncrement() == 0)
            Thread.ofVirtual().name("net-denied-" + request.boxName()).start(this::watchRefused);
        try {
            result = processes.run(pb, spec, sink);
        } finally {
            running.decrementAndGet();
            reportRefused();
            reached = limitsReached();
        }
        // as on the VM backend: the stage fails as resource_limit, naming the limit (memory first)
        if (!reached.isEmpty())
            throw new ResourceLimitException(
                    reached.getFirst().resource(),
                    "box " + request.boxName() + ": " + reached.getFirst().message());
        return result;
    }

    /** Reports what the box's kernel refused while commands run (the last command's end reports the rest). */
    private void watchRefused() {
        while (running.get() > 0 && !closed) {
            try {
                Thread.sleep(REPORT_MS);
            } catch (InterruptedException e) {
                return;
            }
            reportRefused();
        }
    }

    /** Each refused destination since the last report becomes a {@code net.denied} event. */
    private void reportRefused() {
        try {
            network.report();
        } catch (IOException e) {
            if (warned.add("net.denied"))
                request.scope().warning("could not read the box's refused connections: " + e.getMessage());
        }
    }

    /** The limits the command just hit, each said in one warning. */
    private List<CgroupLimits.Reached> limitsReached() {
        List<CgroupLimits.Reached> reached = limits.map(
                        l -> l.newlyReached((long) request.options().memoryMb() << 20))
                .orElse(List.of());
        reached.forEach(r -> request.scope().warning(r.message()));
        return reached;
    }

    /** The command line's layout; the agent binary's directory is shown once the runner asked for it. */
    private BwrapCommand.Layout layout() {
        Path a = agent;
        return new BwrapCommand.Layout(
                user,
                root,
                workspace,
                Optional.ofNullable(a).map(p -> p.toAbsolutePath().getParent()),
                mounts,
                staging.run(),
                staging.seccomp(),
                limits.map(CgroupLimits::procsFiles).orElse(List.of()));
    }

    /**
     * The host loopback ports of the model endpoints the runner handed this command ({@code
     * *_BASE_URL} in its own environment, which the model resolver set; {@code sandbox.env} does not
     * count). Other endpoints are not reachable from the empty network namespace: said once.
     */
    private Set<Integer> modelPorts(Map<String, String> env) {
        Set<Integer> ports = new TreeSet<>();
        for (var e : env.entrySet()) {
            if (!e.getKey().endsWith("_BASE_URL")) continue;
            URI uri;
            try {
                uri = URI.create(e.getValue());
            } catch (IllegalArgumentException bad) {
                continue;
            }
            String host = uri.getHost();
            boolean loopback = host != null && (host.startsWith("127.") || host.equals("localhost"));
            if (loopback && uri.getPort() > 0) ports.add(uri.getPort());
            else if (warned.add(e.getKey()))
                request.scope()
                        .warning(
                                "backend namespace reaches only model endpoints on this host's loopback; "
                                        + e.getKey() + " points elsewhere (" + host
                                        + "), so the box cannot reach it: drop llm.credential_proxy: false (the proxy is on loopback) or use a local endpoint");
        }
        return ports;
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        processes.close();
        reportRefused();
        network.close();
        limits.ifPresent(CgroupLimits::close);
        giveBack();
        delete(root);
        request.scope().stopped(BACKEND, null, "closed");
    }

    /** Gives rw mounts back to their owners (root only lends them to the box's user). */
    private void giveBack() {
        synchronized (leases) {
            SandboxUser.giveBack(
                    leases, why -> request.scope().warning("could not restore the owners of a mount: " + why));
            leases.clear();
        }
    }

    private static void delete(Path dir) {
        try {
            FileTrees.delete(dir);
        } catch (IOException e) {
            System.err.println("voidbox: could not remove " + dir + ": " + e.getMessage());
        }
    }
}
