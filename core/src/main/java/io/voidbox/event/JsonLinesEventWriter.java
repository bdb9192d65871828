package io.voidbox.event;

import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Writes events as JSON Lines ({@code voidbox run --events FILE|-}), flushed per event. A write
 * that fails (a full disk, a closed pipe) is kept, with the count of events it lost, so the run
 * can fail with one message instead of ending "ok" with a truncated file.
 */
public final class JsonLinesEventWriter implements RunEventListener {
    private final Writer out;
    private final boolean closeStream;
    private final RunEventJson json = new RunEventJson();
    private IOException failure;
    private long lost;

    public JsonLinesEventWriter(OutputStream out, boolean closeStream) {
        this.out = new OutputStreamWriter(out, StandardCharsets.UTF_8);
        this.closeStream = closeStream;
    }

    @Override
    public synchronized void onEvent(RunEvent event) {
        if (failure != null) {
            lost++;
            return;
        }
        try {
            out.write(json.toJson(event));
            out.write('\n');
            out.flush();
        } catch (IOException e) {
            failure = e;
            lost++;
        }
    }

    /** Why events could not be written, with how many were lost; empty when every event was written. */
    public synchronized Optional<String> failure() {
        return Optional.ofNullable(failure)
                .map(e -> e.getMessage() + " (" + lost + " event" + (lost == 1 ? "" : "s") + " not written)");
    }

    @Override
    public synchronized void onClose() {
        try {
            out.flush();
            if (closeStream) out.close();
        } catch (IOException e) {
            if (failure == null) failure = e;
        }
    }
}
