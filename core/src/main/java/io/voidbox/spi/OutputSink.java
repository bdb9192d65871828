package io.voidbox.spi;

/** Receives a command's output, one complete line at a time (without the newline). */
public interface OutputSink {
    void stdout(String line);

    void stderr(String line);
}
