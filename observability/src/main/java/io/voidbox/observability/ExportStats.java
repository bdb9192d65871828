package io.voidbox.observability;

/**
 * What the OTLP export did during a run, for the one summary line printed at the end (a
 * collector that is down never fails a run; this is how the user learns about it).
 *
 * @param exportedSpans         spans the collector accepted
 * @param failedSpans           spans in export calls that failed (refused, timed out, error status)
 * @param droppedSpans          ended spans that were never handed to an export call
 *                              (queue full, or still queued when the bounded flush gave up)
 * @param exportedMetricBatches metric export calls the collector accepted
 * @param failedMetricBatches   metric export calls that failed
 * @param firstError            message of the first export failure, or null
 */
public record ExportStats(
        long exportedSpans,
        long failedSpans,
        long droppedSpans,
        long exportedMetricBatches,
        long failedMetricBatches,
        long exportFailures,
        String firstError) {
    public static final ExportStats NONE = new ExportStats(0, 0, 0, 0, 0, 0, null);
}
