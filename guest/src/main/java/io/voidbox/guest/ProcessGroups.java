package io.voidbox.guest;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Kills an exec's whole process group. Each exec is started through {@code setsid}, so its pid is
 * also its session and process group id; grandchildren that were reparented (e.g. the
 * {@code sleep} behind {@code sh -c 'sleep 30 &'}) are still found by their group in
 * {@code /proc}. Descendants known through {@link ProcessHandle} are killed as well, in case
 * one changed group. Never touches the agent's own group.
 */
final class ProcessGroups {
    private static final Path PROC = Path.of("/proc");

    private ProcessGroups() {}

    /** SIGKILLs every member of group {@code pgid} and every descendant of {@code root}, then the root. */
    static void killGroup(ProcessHandle root) {
        long pgid = root.pid();
        Set<ProcessHandle> known = new HashSet<>();
        root.descendants().forEach(known::add);
        boolean groupIsOurs = pgid == ownGroup();
        for (int pass = 0; pass < 50; pass++) {
            List<ProcessHandle> targets = new ArrayList<>();
            if (root.isAlive()) targets.add(root);
            if (!groupIsOurs) targets.addAll(members(pgid));
            targets.addAll(known);
            if (root.isAlive()) root.descendants().forEach(targets::add);
            targets.removeIf(h -> h.pid() == ProcessHandle.current().pid() || !running(h));
            if (targets.isEmpty()) return;
            for (ProcessHandle h : targets) {
                known.add(h);
                h.destroyForcibly();
            }
            sleep(pass < 5 ? 5 : 20);
        }
        Log.warn("process group " + pgid + " still has members after repeated SIGKILL");
    }

    /** Live processes whose process group is {@code pgid} (zombies excluded). */
    static List<ProcessHandle> members(long pgid) {
        List<ProcessHandle> out = new ArrayList<>();
        try (DirectoryStream<Path> dirs =
                Files.newDirectoryStream(PROC, p -> isPid(p.getFileName().toString()))) {
            for (Path dir : dirs) {
                try {
                    ProcStat st = ProcStat.parse(Files.readString(dir.resolve("stat")));
                    if (st.pgrp() == pgid && st.state() != 'Z')
                        ProcessHandle.of(st.pid()).ifPresent(out::add);
                } catch (IOException | RuntimeException e) {
                    // the process exited while we looked
                }
            }
        } catch (IOException e) {
            Log.warn("cannot list " + PROC + ": " + e.getMessage());
        }
        return out;
    }

    /** Alive and not a zombie (zombies may never be reaped when pid 1 does not reap). */
    static boolean running(ProcessHandle h) {
        if (!h.isAlive()) return false;
        try {
            char state = ProcStat.parse(Files.readString(PROC.resolve(h.pid() + "/stat")))
                    .state();
            return state != 'Z' && state != 'X';
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    static long ownGroup() {
        try {
            return ProcStat.parse(Files.readString(PROC.resolve("self/stat"))).pgrp();
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    static boolean isPid(String name) {
        if (name.isEmpty()) return false;
        for (int i = 0; i < name.length(); i++) if (name.charAt(i) < '0' || name.charAt(i) > '9') return false;
        return true;
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
