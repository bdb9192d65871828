package io.voidbox.guest;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Reads the agent CLI's files into the page cache before the agent reports ready
 * ({@code voidbox.prewarm=PATH:PATH...}): a snapshot taken at that point carries the pages, so a
 * box restored from it starts the CLI without reading it off the compressed root disk again.
 */
final class Prewarm {
    private Prewarm() {}

    /** Reads every regular file named (links resolved) or below a named directory; returns the bytes read. */
    static long read(String paths) {
        long t0 = System.nanoTime();
        long total = 0;
        byte[] buf = new byte[1 << 20];
        for (String p : paths.split(":")) {
            if (p.isEmpty()) continue;
            List<Path> files = new ArrayList<>();
            try {
                Path real = Path.of(p).toRealPath();
                if (Files.isDirectory(real)) {
                    try (Stream<Path> walk = Files.walk(real)) {
                        walk.filter(Files::isRegularFile).forEach(files::add);
                    }
                } else {
                    files.add(real);
                }
                for (Path f : files) {
                    try (InputStream in = Files.newInputStream(f)) {
                        for (int n; (n = in.read(buf)) > 0; ) total += n;
                    }
                }
            } catch (IOException | RuntimeException e) {
                Log.warn("prewarm " + p + ": " + e.getMessage());
            }
        }
        Log.info("prewarm " + (total >> 20) + " MiB in " + (System.nanoTime() - t0) / 1_000_000 + " ms");
        return total;
    }
}
