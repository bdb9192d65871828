package io.voidbox.internal.engine;

import io.voidbox.SandboxOptions.Mount;
import io.voidbox.spi.ExecResult;
import io.voidbox.spi.ExecSpec;
import io.voidbox.spi.OutputSink;
import io.voidbox.spi.Sandbox;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Host directories for a box on a backend that cannot show them live ({@code local}, which has no
 * isolation to enforce {@code ro} with): copied in through the sandbox's file API before the agent
 * starts, and for {@code rw} mounts copied back out after it ends. The {@code vm} and
 * {@code namespace} sandboxes show mounts live ({@link Sandbox#mountsLive()}) and never come here.
 */
final class Mounts {
    static final long MAX_FILE_BYTES = 4L << 20;
    static final long MAX_TOTAL_BYTES = 256L << 20;

    private Mounts() {}

    /**
     * The mount's guest path relative to the workspace; mounts must live inside it. Specs say
     * {@code /workspace/...} as the agent in a VM sees it; the local sandbox maps that onto its
     * own workspace directory.
     */
    static String relative(Mount m, String workspace) throws IOException {
        return relative(m.guest(), workspace, "mount " + m.host() + " -> " + m.guest());
    }

    /** {@code guest} relative to the workspace ({@code what} names it in the error when it is not below it). */
    static String relative(String guestPath, String workspace, String what) throws IOException {
        Path guest = Path.of(guestPath).normalize();
        for (Path ws : List.of(Path.of("/workspace"), Path.of(workspace)))
            if (guest.startsWith(ws) && !guest.equals(ws))
                return ws.relativize(guest).toString();
        throw new IOException(what + ": the guest path must be below /workspace");
    }

    static void copyIn(List<Mount> mounts, Sandbox sandbox) throws IOException {
        long total = 0;
        for (Mount m : mounts) {
            String rel = relative(m, sandbox.environment().workspace());
            Path host = m.host();
            if (!Files.isDirectory(host)) throw new IOException("mount " + host + ": not a directory on the host");
            try (Stream<Path> files = Files.walk(host)) {
                for (Path f : files.filter(Files::isRegularFile).toList()) {
                    long size = Files.size(f);
                    if (size > MAX_FILE_BYTES)
                        throw new IOException(
                                "mount " + host + ": " + f + " is larger than " + (MAX_FILE_BYTES >> 20) + " MB");
                    if ((total += size) > MAX_TOTAL_BYTES)
                        throw new IOException(
                                "mount " + host + ": more than " + (MAX_TOTAL_BYTES >> 20) + " MB in mounts");
                    sandbox.writeFile(rel + "/" + host.relativize(f), Files.readAllBytes(f));
                }
            }
        }
    }

    /** Copies every file below each rw mount's guest path back to its host directory. */
    static void copyOut(List<Mount> mounts, Sandbox sandbox) throws IOException, InterruptedException {
        for (Mount m : mounts) {
            if (m.readOnly()) continue;
            String rel = relative(m, sandbox.environment().workspace());
            String guestDir = sandbox.environment().workspace() + "/" + rel;
            List<String> files = new ArrayList<>();
            ExecResult r = sandbox.exec(
                    new ExecSpec(List.of("find", guestDir, "-type", "f"), Map.of(), null, Duration.ofSeconds(60)),
                    new OutputSink() {
                        @Override
                        public void stdout(String line) {
                            files.add(line);
                        }

                        @Override
                        public void stderr(String line) {}
                    });
            if (r.exitCode() != 0)
                throw new IOException("mount " + m.host() + ": cannot list " + guestDir + " in the box");
            Path host = m.host();
            for (String f : files) {
                if (!f.startsWith(guestDir + "/")) continue;
                String inner = f.substring(guestDir.length() + 1);
                Path target = host.resolve(inner).normalize();
                if (!target.startsWith(host)) continue;
                var content = sandbox.readFile(rel + "/" + inner);
                if (content.isEmpty()) continue;
                Files.createDirectories(target.getParent());
                Files.write(target, content.get());
            }
        }
    }
}
