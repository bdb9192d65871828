package io.voidbox.spi.support;

import java.util.function.LongSupplier;

/**
 * How much process output one box may turn into events and log lines: a sustained rate with a
 * burst (a token bucket) and a total. A box that prints without end would otherwise fill the
 * events file, the console and the JVM heap; past the budget its lines are dropped and counted
 * (the agent runner still reads every line). Not thread-safe: the owner synchronizes.
 */
public final class OutputBudget {
    /** Sustained bytes per second of a box's output lines. */
    public static final long DEFAULT_BYTES_PER_SECOND = 512L << 10;
    /** Bytes a box may print at once before the rate applies. */
    public static final long DEFAULT_BURST_BYTES = 2L << 20;
    /** Bytes of output lines one box may print in all. */
    public static final long DEFAULT_TOTAL_BYTES = 32L << 20;
    /**
     * What a line costs beyond its characters: each line is an event, so short lines are not free
     * (a burst is then at most 32,768 events, half the event queue).
     */
    public static final int LINE_OVERHEAD_BYTES = 64;

    private final long bytesPerSecond;
    private final long burstBytes;
    private final long totalBytes;
    private final LongSupplier nanoTime;
    private double tokens;
    private long lastNanos;
    private long admittedBytes;
    private long droppedLines;
    private long droppedBytes;

    public OutputBudget(long bytesPerSecond, long burstBytes, long totalBytes, LongSupplier nanoTime) {
        if (bytesPerSecond <= 0 || burstBytes <= 0 || totalBytes <= 0)
            throw new IllegalArgumentException("output budget figures must be positive");
        this.bytesPerSecond = bytesPerSecond;
        this.burstBytes = burstBytes;
        this.totalBytes = totalBytes;
        this.nanoTime = nanoTime;
        this.tokens = burstBytes;
        this.lastNanos = nanoTime.getAsLong();
    }

    /** The defaults, on the system clock. */
    public static OutputBudget defaults() {
        return new OutputBudget(DEFAULT_BYTES_PER_SECOND, DEFAULT_BURST_BYTES, DEFAULT_TOTAL_BYTES, System::nanoTime);
    }

    /** Whether a line of {@code chars} characters still fits; a line that does not is counted as dropped. */
    public boolean admitLine(int chars) {
        return admit(chars + (long) LINE_OVERHEAD_BYTES);
    }

    /** Whether {@code bytes} more still fit; what does not is counted as one dropped line. */
    public boolean admit(long bytes) {
        long now = nanoTime.getAsLong();
        tokens = Math.min(burstBytes, tokens + (now - lastNanos) * (bytesPerSecond / 1e9));
        lastNanos = now;
        if (admittedBytes + bytes > totalBytes || tokens < bytes) {
            droppedLines++;
            droppedBytes += bytes;
            return false;
        }
        tokens -= bytes;
        admittedBytes += bytes;
        return true;
    }

    /** What was dropped so far. */
    public Dropped dropped() {
        return new Dropped(droppedLines, droppedBytes);
    }

    /** Lines dropped and what they would have cost. */
    public record Dropped(long lines, long bytes) {}

    /** The budget in words, for the warning that reports dropped lines. */
    public String describe() {
        return (bytesPerSecond >> 10) + " KiB/s after a burst of " + (burstBytes >> 10) + " KiB, at most "
                + (totalBytes >> 20) + " MiB in all, " + LINE_OVERHEAD_BYTES + " bytes a line";
    }
}
