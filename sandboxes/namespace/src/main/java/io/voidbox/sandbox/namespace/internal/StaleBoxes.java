package io.voidbox.sandbox.namespace.internal;

import io.voidbox.spi.support.FileTrees;
import io.voidbox.spi.support.SandboxUser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * What a killed JVM's namespace boxes left behind: their staging directories ({@code
 * voidbox-ns-<pid>-...} in the temp dir) and empty cgroups ({@code voidbox-<box>-<pid>-<n>}).
 * Their processes are already gone (each command's pid namespace died with its bubblewrap, which
 * dies with the JVM); the directories stay until a later run removes them. Only entries whose
 * owner pid is dead are touched; staging directories only when they are real directories owned
 * by this user, deleted without following links (the temp dir is shared with other users).
 */
public final class StaleBoxes {
    private static final Pattern STAGING = Pattern.compile("voidbox-ns-(\\d+)-.*");
    private static final Pattern CGROUP = Pattern.compile("voidbox-.+-(\\d+)-\\d+");
    private static final int CGROUP_DEPTH = 6;

    private StaleBoxes() {}

    /** Sweeps the default places ({@code java.io.tmpdir}, {@code /sys/fs/cgroup}); returns what it removed. */
    public static int sweep() {
        return sweep(Path.of(System.getProperty("java.io.tmpdir")), Path.of("/sys/fs/cgroup"));
    }

    static int sweep(Path tmp, Path cgroupRoot) {
        int removed = 0;
        int uid = SandboxUser.currentUid();
        try (var dirs = Files.newDirectoryStream(tmp, "voidbox-ns-*")) {
            for (Path d : dirs) {
                if (deadOwner(STAGING, d) && ownDirectory(d, uid)) {
                    try {
                        FileTrees.delete(d);
                        removed++;
                    } catch (IOException e) {
                        // best effort; tried again by the next run
                    }
                }
            }
        } catch (IOException e) {
            // no temp dir to sweep
        }
        if (uid != 0) return removed; // cgroups are only made by root
        try (Stream<Path> cgroups =
                Files.find(cgroupRoot, CGROUP_DEPTH, (p, a) -> a.isDirectory() && deadOwner(CGROUP, p))) {
            for (Path c : cgroups.toList()) {
                try {
                    if (Files.deleteIfExists(c)) removed++;
                } catch (IOException e) {
                    // still has processes (pid reused by a live cgroup member): leave it
                }
            }
        } catch (IOException | RuntimeException e) {
            // no cgroup file system
        }
        return removed;
    }

    private static boolean deadOwner(Pattern name, Path p) {
        Matcher m = name.matcher(p.getFileName().toString());
        if (!m.matches()) return false;
        try {
            return ProcessHandle.of(Long.parseLong(m.group(1))).isEmpty();
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static boolean ownDirectory(Path d, int uid) {
        try {
            return FileTrees.isOwnDirectory(d, uid);
        } catch (IOException e) {
            return false;
        }
    }
}
