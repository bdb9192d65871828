package io.voidbox.internal.engine;

import io.voidbox.Box;
import io.voidbox.BoxFiles;
import io.voidbox.spi.ExecResult;
import io.voidbox.spi.ExecSpec;
import io.voidbox.spi.OutputSink;
import io.voidbox.spi.Sandbox;
import io.voidbox.spi.SandboxException;
import io.voidbox.spi.support.FileTrees;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * The named directories boxes hand to later boxes ({@link BoxFiles#outputs()} and
 * {@link BoxFiles#inputs()}), for one run. After a box's agent succeeds, each output directory is
 * copied out of its sandbox through the file API into a per-run host directory; before a later
 * box's agent starts, the inputs it names are copied into its guest paths. Works the same on every
 * backend and is bounded like mounts (per file and in total, with an error naming the box, the
 * output and the file). {@link #close()} removes the host copies.
 */
final class Handoff implements AutoCloseable {
    static final Duration LIST_TIMEOUT = Duration.ofSeconds(60);

    /** Lists the regular files below {@code $1} as {@code SIZE PATH} lines; nothing when it does not exist. */
    private static final String LIST = "[ -d \"$1\" ] || exit 0; find \"$1\" -type f | "
            + "while IFS= read -r f; do printf '%s %s\\n' \"$(wc -c < \"$f\")\" \"$f\"; done";

    private final Map<String, Path> outputs = new ConcurrentHashMap<>();
    private Path runDir;

    /** Copies the inputs of {@code box} in and creates its output directories (so they exist even if unused). */
    void prepare(Box box, Sandbox sandbox) throws IOException, InterruptedException, SandboxException {
        String workspace = sandbox.environment().workspace();
        List<String> dirs = new ArrayList<>();
        for (BoxFiles.Output o : box.files().outputs())
            dirs.add(workspace + "/" + Mounts.relative(o.guest(), workspace, what(box, "output", o.name())));
        for (BoxFiles.Input in : box.files().inputs())
            dirs.add(workspace + "/" + Mounts.relative(in.guest(), workspace, what(box, "input", in.from())));
        if (!dirs.isEmpty()) mkdirs(box, sandbox, dirs);
        for (BoxFiles.Input in : box.files().inputs()) {
            Path host = outputs.get(in.from());
            if (host == null)
                throw new SandboxException(what(box, "input", in.from())
                        + ": no earlier box handed on an output of that name (outputs so far: "
                        + String.join(", ", outputs.keySet().stream().sorted().toList()) + ")");
            String rel = Mounts.relative(in.guest(), workspace, what(box, "input", in.from()));
            try (Stream<Path> files = Files.walk(host)) {
                for (Path f : files.filter(Files::isRegularFile).toList())
                    sandbox.writeFile(rel + "/" + host.relativize(f), Files.readAllBytes(f));
            }
        }
    }

    /** Copies every output directory of {@code box} out of its sandbox; call after its agent succeeded. */
    void collect(Box box, Sandbox sandbox) throws IOException, InterruptedException, SandboxException {
        String workspace = sandbox.environment().workspace();
        for (BoxFiles.Output o : box.files().outputs()) {
            String what = what(box, "output", o.name());
            String rel = Mounts.relative(o.guest(), workspace, what);
            String guestDir = workspace + "/" + rel;
            Path host = Files.createDirectories(runDir().resolve(o.name()));
            long total = 0;
            for (String line : list(box, sandbox, guestDir, what)) {
                int space = line.indexOf(' ');
                if (space < 0) continue;
                long size;
                try {
                    size = Long.parseLong(line.substring(0, space).strip());
                } catch (NumberFormatException e) {
                    continue; // not a line of ours
                }
                String file = line.substring(space + 1);
                if (!file.startsWith(guestDir + "/")) continue;
                String inner = file.substring(guestDir.length() + 1);
                Path target = host.resolve(inner).normalize();
                if (!target.startsWith(host)) continue;
                if (size > Mounts.MAX_FILE_BYTES)
                    throw new SandboxException(what + ": " + file + " has " + size + " bytes, more than the "
                            + (Mounts.MAX_FILE_BYTES >> 20) + " MB a handed-on file may have");
                if ((total += size) > Mounts.MAX_TOTAL_BYTES)
                    throw new SandboxException(
                            what + ": more than " + (Mounts.MAX_TOTAL_BYTES >> 20) + " MB in " + o.guest());
                Optional<byte[]> content = sandbox.readFile(rel + "/" + inner);
                if (content.isEmpty()) continue;
                Files.createDirectories(target.getParent());
                Files.write(target, content.get());
            }
            outputs.put(o.name(), host);
        }
    }

    private static List<String> list(Box box, Sandbox sandbox, String guestDir, String what)
            throws IOException, InterruptedException, SandboxException {
        List<String> lines = new ArrayList<>();
        ExecResult r = sandbox.exec(
                new ExecSpec(List.of("sh", "-c", LIST, "sh", guestDir), Map.of(), null, LIST_TIMEOUT),
                OutputSink.stdoutTo(lines::add));
        if (r.timedOut() || r.exitCode() != 0)
            throw new SandboxException(what + ": cannot list " + guestDir + " in box " + box.name());
        return lines;
    }

    private static void mkdirs(Box box, Sandbox sandbox, List<String> dirs)
            throws IOException, InterruptedException, SandboxException {
        List<String> argv = new ArrayList<>(List.of("mkdir", "-p"));
        argv.addAll(dirs);
        ExecResult r = sandbox.exec(new ExecSpec(argv, Map.of(), null, LIST_TIMEOUT), OutputSink.DISCARD);
        if (r.timedOut() || r.exitCode() != 0)
            throw new SandboxException("box " + box.name() + ": cannot create " + String.join(", ", dirs));
    }

    private static String what(Box box, String kind, String name) {
        return "box " + box.name() + " " + kind + " '" + name + "'";
    }

    private synchronized Path runDir() throws IOException {
        if (runDir == null) runDir = Files.createTempDirectory("voidbox-handoff-");
        return runDir;
    }

    @Override
    public synchronized void close() {
        if (runDir == null) return;
        try {
            FileTrees.delete(runDir);
        } catch (IOException e) {
            // best effort: a leftover temp directory is not worth failing a finished run
        }
        runDir = null;
    }
}
