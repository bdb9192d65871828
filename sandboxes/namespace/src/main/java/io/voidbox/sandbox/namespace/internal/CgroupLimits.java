package io.voidbox.sandbox.namespace.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A namespace box's memory and process limits: its own cgroup (v1 {@code memory} and {@code pids}
 * hierarchies, or v2), created below voidbox's own, so a memory hog or a fork bomb in the box is
 * stopped there and not on the host or in sibling boxes. Needs root (voidbox as a normal user
 * gets no limits: cgroups are not delegated to it). Each command's outer shell moves itself in
 * before anything of the box starts, so nothing escapes the limits.
 */
final class CgroupLimits implements AutoCloseable {
    /** Processes and threads a box may have at once (the agent CLI alone runs a few dozen threads). */
    static final int PIDS_MAX = 1024;

    private static final Path ROOT = Path.of("/sys/fs/cgroup");

    private final List<Path> dirs;
    private final Path memory;
    private final Path pids;
    private final boolean v2;
    private long oomKills;
    private long forksRefused;

    private CgroupLimits(List<Path> dirs, Path memory, Path pids, boolean v2) {
        this.dirs = dirs;
        this.memory = memory;
        this.pids = pids;
        this.v2 = v2;
    }

    /**
     * The cgroup(s) of box {@code name} limited to {@code memoryBytes} and {@link #PIDS_MAX}, or
     * empty with the reason in {@code why} when this host or user cannot have them.
     */
    static Optional<CgroupLimits> create(String name, long memoryBytes, StringBuilder why) {
        List<Path> created = new ArrayList<>();
        try {
            if (Files.isRegularFile(ROOT.resolve("cgroup.controllers"))) {
                Path dir = make(ROOT.resolve(own("")).resolve(name), created);
                Files.writeString(dir.resolve("memory.max"), String.valueOf(memoryBytes));
                Files.writeString(dir.resolve("pids.max"), String.valueOf(PIDS_MAX));
                return Optional.of(new CgroupLimits(created, dir, dir, true));
            }
            Path mem = make(ROOT.resolve("memory").resolve(own("memory")).resolve(name), created);
            Path pid = make(ROOT.resolve("pids").resolve(own("pids")).resolve(name), created);
            Files.writeString(mem.resolve("memory.limit_in_bytes"), String.valueOf(memoryBytes));
            Files.writeString(pid.resolve("pids.max"), String.valueOf(PIDS_MAX));
            return Optional.of(new CgroupLimits(created, mem, pid, false));
        } catch (IOException | RuntimeException e) {
            new CgroupLimits(created, null, null, false).close();
            why.append(e.getClass().getSimpleName()).append(": ").append(e.getMessage());
            return Optional.empty();
        }
    }

    private static Path make(Path dir, List<Path> created) throws IOException {
        created.add(Files.createDirectory(dir));
        return dir;
    }

    /** This process's cgroup path (relative) in the v1 hierarchy of {@code controller}, or v2's with "". */
    private static String own(String controller) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/cgroup"))) {
            String[] f = line.split(":", 3);
            if (f.length == 3
                    && (controller.isEmpty()
                            ? f[0].equals("0")
                            : List.of(f[1].split(",")).contains(controller)))
                return f[2].startsWith("/") ? f[2].substring(1) : f[2];
        }
        throw new IOException(
                "no " + (controller.isEmpty() ? "cgroup v2" : controller + " cgroup") + " in /proc/self/cgroup");
    }

    /** The files a command's outer shell writes its pid to. */
    List<String> procsFiles() {
        List<String> files = new ArrayList<>();
        for (Path d : dirs) files.add(d.resolve("cgroup.procs").toString());
        return files;
    }

    /** A limit the box hit: {@code resource} as the VM backend names it ({@code memory}, {@code processes}). */
    record Reached(String resource, String message) {}

    /**
     * What the limits refused since the last call, one entry per limit reached, memory first (empty
     * when none): the box's user sees why a process died or could not start.
     */
    synchronized List<Reached> newlyReached(long memoryBytes) {
        List<Reached> out = new ArrayList<>();
        long ooms = counter(v2 ? memory.resolve("memory.events") : memory.resolve("memory.oom_control"), "oom_kill");
        long forks = counter(pids.resolve("pids.events"), "max");
        if (ooms > oomKills)
            out.add(new Reached(
                    "memory",
                    "memory limit reached (" + (memoryBytes >> 20) + " MB, sandbox.memory_mb): " + (ooms - oomKills)
                            + " process(es) killed"));
        if (forks > forksRefused)
            out.add(new Reached(
                    "processes",
                    "process limit reached (" + PIDS_MAX + " processes and threads): " + (forks - forksRefused)
                            + " fork(s) refused"));
        oomKills = ooms;
        forksRefused = forks;
        return out;
    }

    private static long counter(Path file, String key) {
        try {
            for (String line : Files.readAllLines(file)) {
                String[] f = line.strip().split("\\s+");
                if (f.length == 2 && f[0].equals(key)) return Long.parseLong(f[1]);
            }
        } catch (IOException | RuntimeException e) {
            // not offered by this kernel: nothing to report
        }
        return 0;
    }

    /** Removes the cgroups (their processes are gone: each command's pid namespace ended with it). */
    @Override
    public void close() {
        for (Path d : dirs) {
            try {
                Files.deleteIfExists(d);
            } catch (IOException e) {
                // still busy for a moment after the last process exited: one retry
                try {
                    Thread.sleep(100);
                    Files.deleteIfExists(d);
                } catch (IOException ignored) {
                    // left behind empty; harmless
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }
}
