package io.voidbox.protocol;

import java.util.List;

/**
 * Guest resource samples sent to the host in one message. Batching lets a guest that samples
 * every 100 ms still send few frames, and lets the host detect gaps by {@code seq}.
 *
 * @param seq     monotonically increasing per boot; a jump means batches were lost
 * @param samples oldest first, never empty
 */
public record TelemetryBatch(long seq, List<Sample> samples) {
    public TelemetryBatch {
        samples = List.copyOf(samples);
    }

    /** One reading of the guest (or, for the local sandbox, of the agent's process tree). */
    public record Sample(
            long timestampMs,
            double cpuPercent,
            long memUsedBytes,
            long memTotalBytes,
            int procsRunning,
            int openFds,
            List<ProcessSample> topProcesses) {
        public Sample {
            topProcesses = List.copyOf(topProcesses);
        }
    }

    /** Per-process reading for the heaviest processes of the sample. */
    public record ProcessSample(int pid, String comm, long rssBytes, long cpuJiffies) {}
}
