package io.voidbox.guest;

import io.voidbox.protocol.Bytes;
import io.voidbox.protocol.Connection;
import io.voidbox.protocol.Message.ExecExit;
import io.voidbox.protocol.Message.ExecOutput;
import io.voidbox.protocol.Message.ExecRequest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs exec requests: each command gets its own session and process group (through
 * {@code setsid}), optionally under an unprivileged user, with stdin closed. Output is streamed
 * in chunks as it arrives. An exec owns its process group: on timeout, cancel, connection loss,
 * and also after the main process exited (once its output drained or {@code drainGraceMs}
 * passed), everything left in the group is SIGKILLed, so nothing outlives the exec.
 */
final class ExecRunner {
    private static final int CHUNK = 32 * 1024;
    private static final long LIMIT_POLL_MS = 200;

    private final GuestConfig config;
    private final UserSwitch users;
    private final Optional<AgentLimits> limits;
    private final Map<Long, Running> running = new ConcurrentHashMap<>();

    private static final class Running {
        final Process process;
        final Optional<AgentLimits.Scope> limits;
        volatile boolean cancelled;

        Running(Process process, Optional<AgentLimits.Scope> limits) {
            this.process = process;
            this.limits = limits;
        }

        /** Everything the exec started: its cgroup at once (fork bombs included), then its process group. */
        void kill() {
            limits.ifPresent(AgentLimits.Scope::kill);
            ProcessGroups.killGroup(process.toHandle());
        }
    }

    ExecRunner(GuestConfig config) {
        this.config = config;
        this.users = new UserSwitch(config.host().passwdFile(), config.exec().userWrapper());
        this.limits = AgentLimits.under(config.host().sysRoot());
    }

    /** Runs the request on its own virtual thread; replies with output frames and one ExecExit. */
    void start(ExecRequest request, Connection connection) {
        Thread.ofVirtual().name("exec-" + request.requestId()).start(() -> {
            ExecExit exit;
            try {
                exit = execute(request, connection);
            } catch (ExecSetupException e) {
                exit = new ExecExit(request.requestId(), -1, false, e.getMessage());
            } catch (IOException | RuntimeException e) {
                exit = new ExecExit(
                        request.requestId(),
                        -1,
                        false,
                        "exec of " + request.argv().getFirst() + " failed: " + e.getMessage());
            } catch (InterruptedException e) {
                exit = new ExecExit(request.requestId(), -1, false, "interrupted");
            }
            try {
                connection.send(exit);
            } catch (IOException e) {
                // connection gone; the host fails its pending exec itself
            }
        });
    }

    /** Kills the process group of exec {@code id}; its ExecExit reports "cancelled". Unknown ids are ignored. */
    void cancel(long id) {
        Running r = running.get(id);
        if (r != null) {
            r.cancelled = true;
            r.kill();
        }
    }

    /** Kills every running exec (shutdown, connection loss) and waits up to {@code waitMs} for them to end. */
    void cancelAll(long waitMs) {
        running.keySet().forEach(this::cancel);
        long deadline = System.currentTimeMillis() + waitMs;
        while (!running.isEmpty() && System.currentTimeMillis() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    int runningCount() {
        return running.size();
    }

    private ExecExit execute(ExecRequest r, Connection c) throws ExecSetupException, IOException, InterruptedException {
        long id = r.requestId();
        if (r.argv().isEmpty()) throw new ExecSetupException("argv is empty");
        Path cwd = r.cwd() == null || r.cwd().isEmpty() ? config.defaultCwd() : Path.of(r.cwd());
        if (!Files.isDirectory(cwd)) {
            if (r.cwd() == null || r.cwd().isEmpty()) cwd = Path.of("/");
            else throw new ExecSetupException("cwd is not a directory: " + r.cwd());
        }
        UserSwitch.Prepared prepared = users.prepare(r.user(), r.argv());
        List<String> command = new ArrayList<>();
        if (!config.exec().setsidCommand().isEmpty()) command.add(config.exec().setsidCommand());
        Optional<AgentLimits.Scope> scope =
                limits.isPresent() ? Optional.of(limits.get().enter(id)) : Optional.empty();
        scope.ifPresent(l -> command.addAll(l.prefix()));
        command.addAll(prepared.command());
        try {
            return runCommand(r, c, command, prepared, cwd, scope);
        } finally {
            scope.ifPresent(AgentLimits.Scope::close);
        }
    }

    private ExecExit runCommand(
            ExecRequest r,
            Connection c,
            List<String> command,
            UserSwitch.Prepared prepared,
            Path cwd,
            Optional<AgentLimits.Scope> scope)
            throws ExecSetupException, IOException, InterruptedException {
        long id = r.requestId();

        var pb = new ProcessBuilder(command).directory(cwd.toFile());
        pb.environment().putAll(prepared.env());
        pb.environment().putAll(r.env());
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new ExecSetupException("cannot start " + command.getFirst() + ": " + e.getMessage());
        }
        var run = new Running(p, scope);
        if (running.putIfAbsent(id, run) != null) {
            run.kill();
            throw new ExecSetupException("requestId " + id + " is already running");
        }
        try {
            p.getOutputStream().close();
            var done = new AtomicBoolean();
            Thread out = pump(p.getInputStream(), ExecOutput.STDOUT, id, c, p, done);
            Thread err = pump(p.getErrorStream(), ExecOutput.STDERR, id, c, p, done);

            boolean timedOut = false;
            // a command that hits a box limit (a fork bomb, a memory hog) is ended at once: its stage fails anyway
            Optional<String> limit = Optional.empty();
            long deadline = System.nanoTime() + Math.max(0, r.timeoutMs()) * 1_000_000;
            while (!p.waitFor(LIMIT_POLL_MS, TimeUnit.MILLISECONDS)) {
                limit = scope.flatMap(AgentLimits.Scope::hit);
                if (limit.isPresent()) {
                    run.kill();
                    break;
                }
                if (r.timeoutMs() > 0 && System.nanoTime() - deadline > 0) {
                    timedOut = !run.cancelled;
                    run.kill();
                    break;
                }
            }
            p.waitFor();
            // Leader is gone: let the output drain briefly, then nothing of the group may outlive the exec.
            out.join(config.exec().drainGraceMs());
            err.join(Math.max(1, config.exec().drainGraceMs() / 2));
            // a limit hit is the cause even when the command then ran into its timeout
            if (limit.isEmpty()) limit = scope.flatMap(AgentLimits.Scope::hit);
            run.kill();
            out.join(2000);
            err.join(2000);
            done.set(true);
            String error = run.cancelled
                    ? "cancelled"
                    : limit.isPresent() ? limit.get() : timedOut ? "timed out after " + r.timeoutMs() + " ms" : null;
            return new ExecExit(id, p.exitValue(), timedOut, error);
        } finally {
            running.remove(id);
            if (p.isAlive()) run.kill();
        }
    }

    /** Copies a process stream to the connection chunk by chunk; on connection loss kills the exec. */
    private Thread pump(InputStream in, int stream, long id, Connection c, Process p, AtomicBoolean done) {
        return Thread.ofPlatform()
                .daemon()
                .name("exec-" + id + (stream == ExecOutput.STDOUT ? "-out" : "-err"))
                .start(() -> {
                    byte[] buf = new byte[CHUNK];
                    try (in) {
                        int n;
                        while ((n = in.read(buf)) > 0) {
                            if (done.get()) return;
                            c.send(new ExecOutput(id, stream, Bytes.of(buf, n)));
                        }
                    } catch (IOException e) {
                        if (!c.isOpen()) ProcessGroups.killGroup(p.toHandle());
                    }
                });
    }
}
