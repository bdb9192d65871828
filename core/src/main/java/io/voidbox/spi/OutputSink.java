package io.voidbox.spi;

import java.util.function.Consumer;

/** Receives a command's output, one complete line at a time (without the newline). */
public interface OutputSink {
    void stdout(String line);

    void stderr(String line);

    /** Drops all output (a command run only for its exit code). */
    OutputSink DISCARD = stdoutTo(line -> {});

    /** A sink that hands stdout lines to {@code stdout} and drops stderr (e.g. for a listing command). */
    static OutputSink stdoutTo(Consumer<String> stdout) {
        return new OutputSink() {
            @Override
            public void stdout(String line) {
                stdout.accept(line);
            }

            @Override
            public void stderr(String line) {}
        };
    }
}
