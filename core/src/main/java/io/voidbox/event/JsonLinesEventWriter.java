package io.voidbox.event;

import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;

/** Writes events as JSON Lines ({@code voidbox run --events FILE|-}), flushed per event. */
public final class JsonLinesEventWriter implements RunEventListener {
    private final Writer out;
    private final boolean closeStream;
    private final RunEventJson json = new RunEventJson();

    public JsonLinesEventWriter(OutputStream out, boolean closeStream) {
        this.out = new OutputStreamWriter(out, StandardCharsets.UTF_8);
        this.closeStream = closeStream;
    }

    @Override
    public void onEvent(RunEvent event) {
        try {
            out.write(json.toJson(event));
            out.write('\n');
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void onClose() {
        try {
            out.flush();
            if (closeStream) out.close();
        } catch (IOException ignored) {
            // nothing left to report to
        }
    }
}
