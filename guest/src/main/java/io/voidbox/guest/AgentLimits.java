package io.voidbox.guest;

import io.voidbox.protocol.Message.ExecExit;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The cgroup v2 that bounds every command of the box ({@code /sys/fs/cgroup/agent}, made by
 * {@code /init} with {@code memory.max} and {@code pids.max}). Each exec gets its own child
 * cgroup, entered before the command drops privileges (its {@code oom_score_adj} goes back to 0:
 * the guest agent itself runs at -1000, so the OOM killer takes the agent's processes, never the
 * guest agent). The parent's counters, read before and after, say whether the command hit a
 * limit (two commands at once share them), and
 * {@code cgroup.kill} ends everything it started at once, however fast it forks.
 */
final class AgentLimits {
    /** Runs as root before the user switch: leaves the agent's OOM immunity, enters the cgroup ($1), execs the rest. */
    static final String ENTER =
            "echo 0 > /proc/self/oom_score_adj 2>/dev/null; echo 0 > \"$1/cgroup.procs\" && shift && exec \"$@\"";

    private final Path agent;

    AgentLimits(Path agent) {
        this.agent = agent;
    }

    /** The limits under {@code sysRoot}, when {@code /init} made them (not on a host running the agent for tests). */
    static Optional<AgentLimits> under(Path sysRoot) {
        Path cg = sysRoot.resolve("fs/cgroup/agent");
        return Files.isWritable(cg.resolve("cgroup.procs")) ? Optional.of(new AgentLimits(cg)) : Optional.empty();
    }

    /** Makes the child cgroup of exec {@code id}. */
    Scope enter(long id) throws IOException {
        Path dir = agent.resolve("exec-" + id);
        Files.createDirectories(dir);
        return new Scope(
                dir, field(agent.resolve("memory.events"), "oom_kill"), field(agent.resolve("pids.events"), "max"));
    }

    /**
     * One exec's cgroup, a child of the agent cgroup, with the agent cgroup's counters as they were
     * when the exec started.
     */
    record Scope(Path dir, long oomKillsBefore, long refusedBefore) {

        /** The argv prefix that puts the command into this cgroup. */
        List<String> prefix() {
            return List.of("/bin/sh", "-c", ENTER, "voidbox-limits", dir.toString());
        }

        /** The {@link ExecExit#RESOURCE_LIMIT} error when the command hit a limit, else empty. */
        Optional<String> hit() {
            // the limits and their counters live on the parent "agent" (events count where a limit was hit)
            Path agent = dir.getParent();
            long oomKills = field(agent.resolve("memory.events"), "oom_kill") - oomKillsBefore;
            if (oomKills > 0)
                return Optional.of(ExecExit.RESOURCE_LIMIT + "the box's processes hit memory.max ("
                        + mib(read(agent.resolve("memory.max"))) + "): the kernel's OOM killer ended " + oomKills
                        + " of them");
            long refused = field(agent.resolve("pids.events"), "max") - refusedBefore;
            if (refused > 0)
                return Optional.of(ExecExit.RESOURCE_LIMIT + "the box's processes hit pids.max ("
                        + read(agent.resolve("pids.max")) + " processes and threads): " + refused
                        + " fork(s) refused");
            return Optional.empty();
        }

        /** SIGKILLs every process of the command at once ({@code cgroup.kill}) and waits until none is left. */
        void kill() {
            try {
                Files.writeString(dir.resolve("cgroup.kill"), "1");
                for (int i = 0; i < 500 && populated(); i++) Thread.sleep(10);
            } catch (IOException e) {
                Log.warn("cannot kill cgroup " + dir + ": " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        /** Kills what is left and removes the cgroup. */
        void close() {
            if (populated()) kill();
            try {
                Files.deleteIfExists(dir);
            } catch (IOException e) {
                Log.warn("cannot remove cgroup " + dir + ": " + e.getMessage());
            }
        }

        private boolean populated() {
            return field(dir.resolve("cgroup.events"), "populated") > 0;
        }
    }

    private static String mib(String bytes) {
        try {
            return Long.parseLong(bytes) / (1024 * 1024) + " MiB";
        } catch (NumberFormatException e) {
            return bytes;
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file).trim();
        } catch (IOException e) {
            return "?";
        }
    }

    /** {@code key N} from a flat-keyed cgroup file; 0 when unreadable. */
    static long field(Path file, String key) {
        try {
            for (String line : Files.readAllLines(file)) {
                String[] kv = line.trim().split("\\s+");
                if (kv.length == 2 && kv[0].equals(key)) return Long.parseLong(kv[1]);
            }
        } catch (IOException | NumberFormatException e) {
            // unreadable: no events seen
        }
        return 0;
    }
}
