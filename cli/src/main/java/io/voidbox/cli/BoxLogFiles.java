package io.voidbox.cli;

import io.voidbox.event.RunEvent;
import io.voidbox.event.RunEventJson;
import io.voidbox.event.RunEventListener;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * {@code --log-dir DIR}: every box's lines also go to {@code DIR/<run id>/<box>.log}, one file
 * per {@code [vm:NAME]}, so one box's story can be read (or attached to a bug) on its own. Lines
 * are {@code TS [stream] line} plus the stage transitions. Runs on the event thread; a write
 * error is reported once and ends the file logging, never the run.
 */
final class BoxLogFiles implements RunEventListener {
    private final Path dir;
    private final PrintStream err;
    private final Map<String, BufferedWriter> files = new HashMap<>();
    private boolean broken;

    BoxLogFiles(Path dir, PrintStream err) {
        this.dir = dir;
        this.err = err;
    }

    Path runDir(String runId) {
        return dir.resolve(runId);
    }

    @Override
    public void onEvent(RunEvent e) {
        switch (e) {
            case RunEvent.Log l -> write(l, "[" + l.stream() + "] " + l.line());
            case RunEvent.StageStarted s -> write(s, "[runtime] stage started");
            case RunEvent.StageCompleted s -> write(s, "[runtime] stage completed in " + s.durationMs() + " ms");
            case RunEvent.StageFailed s ->
                write(
                        s,
                        "[runtime] stage failed after " + s.durationMs() + " ms: "
                                + s.failure().message());
            case RunEvent.TelemetryWarning w -> write(w, "[runtime] WARNING: " + w.warning());
            default -> {}
        }
    }

    private void write(RunEvent e, String line) {
        String vm = e.vm() != null ? e.vm() : e.box();
        if (broken || vm == null) return;
        try {
            BufferedWriter w = files.get(vm);
            if (w == null) {
                Path runDir = Files.createDirectories(runDir(e.runId()));
                w = Files.newBufferedWriter(runDir.resolve(vm + ".log"), StandardCharsets.UTF_8);
                files.put(vm, w);
            }
            w.write(RunEventJson.formatTs(e.ts()) + " " + line);
            w.newLine();
        } catch (IOException ex) {
            broken = true;
            err.println("voidbox: box logs are no longer written to " + dir + ": " + ex.getMessage());
        }
    }

    @Override
    public void onClose() {
        for (BufferedWriter w : files.values()) {
            try {
                w.close();
            } catch (IOException ex) {
                err.println("voidbox: cannot finish a box log in " + dir + ": " + ex.getMessage());
            }
        }
        files.clear();
    }
}
