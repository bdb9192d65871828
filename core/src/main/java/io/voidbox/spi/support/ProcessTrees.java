package io.voidbox.spi.support;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Kills a process together with everything it spawned, so a timeout leaves nothing behind. */
public final class ProcessTrees {
    private ProcessTrees() {}

    /** Kills {@code root}, its descendants and its process group (when it leads one), then waits up to {@code wait}. */
    public static void killTree(ProcessHandle root, Duration wait) {
        List<ProcessHandle> all = new ArrayList<>();
        root.descendants().forEach(all::add);
        all.add(root);
        // The process group catches children that were re-parented to init before we looked.
        try {
            new ProcessBuilder("kill", "-KILL", "--", "-" + root.pid())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start()
                    .waitFor();
        } catch (Exception ignored) {
            // not a group leader, or kill missing: the per-process kills below still apply
        }
        for (ProcessHandle p : all) p.destroyForcibly();
        long deadline = System.nanoTime() + wait.toNanos();
        for (ProcessHandle p : all) {
            while (p.isAlive() && System.nanoTime() < deadline) {
                try {
                    Thread.sleep(10);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }
}
