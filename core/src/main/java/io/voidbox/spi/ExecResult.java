package io.voidbox.spi;

/** How a command ended. {@code exitCode} is -1 when it was killed on timeout. */
public record ExecResult(int exitCode, boolean timedOut) {}
