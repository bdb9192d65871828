package io.voidbox.spi.support;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * Turns output chunks into complete lines. A line longer than the bound is emitted in pieces, so
 * a misbehaving agent cannot make the host buffer without limit.
 */
public final class LineSplitter {
    private final Consumer<String> lines;
    private final int maxLineBytes;
    private final ByteArrayOutputStream buf = new ByteArrayOutputStream();

    public LineSplitter(Consumer<String> lines, int maxLineBytes) {
        this.lines = lines;
        this.maxLineBytes = maxLineBytes;
    }

    public void accept(byte[] chunk, int off, int len) {
        for (int i = off; i < off + len; i++) {
            byte b = chunk[i];
            if (b == '\n') {
                emit();
            } else {
                buf.write(b);
                if (buf.size() >= maxLineBytes) emit();
            }
        }
    }

    /** Emits a trailing partial line, if any. */
    public void finish() {
        if (buf.size() > 0) emit();
    }

    private void emit() {
        String s = buf.toString(StandardCharsets.UTF_8);
        buf.reset();
        if (s.endsWith("\r")) s = s.substring(0, s.length() - 1);
        lines.accept(s);
    }
}
