package io.voidbox.observability;

import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.export.MemoryMode;
import io.opentelemetry.sdk.metrics.Aggregation;
import io.opentelemetry.sdk.metrics.InstrumentType;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.export.MetricExporter;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.util.Collection;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * Counts what happens to spans and metric batches on their way to the collector. Wraps the real
 * exporters (so the counts are what the exporter reported, not what we hoped) and watches ended
 * sampled spans (so spans the batch processor dropped show up as the difference).
 */
final class ExportCounters {
    private final AtomicLong endedSpans = new AtomicLong();
    private final AtomicLong exportedSpans = new AtomicLong();
    private final AtomicLong failedSpans = new AtomicLong();
    private final AtomicLong exportedMetricBatches = new AtomicLong();
    private final AtomicLong failedMetricBatches = new AtomicLong();
    private final AtomicLong exportFailures = new AtomicLong();
    private final AtomicReference<String> firstError = new AtomicReference<>();

    ExportStats snapshot() {
        long exported = exportedSpans.get();
        long failed = failedSpans.get();
        long dropped = Math.max(0, endedSpans.get() - exported - failed);
        return new ExportStats(
                exported,
                failed,
                dropped,
                exportedMetricBatches.get(),
                failedMetricBatches.get(),
                exportFailures.get(),
                firstError.get());
    }

    private void failure(CompletableResultCode result) {
        exportFailures.incrementAndGet();
        Throwable t = result.getFailureThrowable();
        String message = t == null
                ? "collector rejected the export"
                : t.getMessage() != null
                        ? t.getMessage().lines().findFirst().orElse(t.getClass().getSimpleName())
                        : t.getClass().getSimpleName();
        if (message.length() > 200) {
            message = message.substring(0, 200) + "...";
        }
        firstError.compareAndSet(null, message);
    }

    /** Registered before the batch processor: counts every sampled span that ended. */
    SpanProcessor endedSpanCounter() {
        return new SpanProcessor() {
            @Override
            public void onStart(Context parentContext, ReadWriteSpan span) {}

            @Override
            public boolean isStartRequired() {
                return false;
            }

            @Override
            public void onEnd(ReadableSpan span) {
                if (span.getSpanContext().isSampled()) {
                    endedSpans.incrementAndGet();
                }
            }

            @Override
            public boolean isEndRequired() {
                return true;
            }
        };
    }

    /** Runs one export (a throwing exporter counts as a failed one) and counts how it ended. */
    private CompletableResultCode tracked(Supplier<CompletableResultCode> export, Runnable ok, Runnable failed) {
        CompletableResultCode result;
        try {
            result = export.get();
        } catch (RuntimeException e) {
            result = CompletableResultCode.ofExceptionalFailure(e);
        }
        CompletableResultCode r = result;
        return r.whenComplete(() -> {
            if (r.isSuccess()) {
                ok.run();
            } else {
                failed.run();
                failure(r);
            }
        });
    }

    SpanExporter counting(SpanExporter delegate) {
        return new SpanExporter() {
            @Override
            public CompletableResultCode export(Collection<SpanData> spans) {
                int n = spans.size();
                return tracked(
                        () -> delegate.export(spans), () -> exportedSpans.addAndGet(n), () -> failedSpans.addAndGet(n));
            }

            @Override
            public CompletableResultCode flush() {
                return delegate.flush();
            }

            @Override
            public CompletableResultCode shutdown() {
                return delegate.shutdown();
            }
        };
    }

    MetricExporter counting(MetricExporter delegate) {
        return new MetricExporter() {
            @Override
            public AggregationTemporality getAggregationTemporality(InstrumentType instrumentType) {
                return delegate.getAggregationTemporality(instrumentType);
            }

            @Override
            public Aggregation getDefaultAggregation(InstrumentType instrumentType) {
                return delegate.getDefaultAggregation(instrumentType);
            }

            @Override
            public MemoryMode getMemoryMode() {
                return delegate.getMemoryMode();
            }

            @Override
            public CompletableResultCode export(Collection<MetricData> metrics) {
                return tracked(
                        () -> delegate.export(metrics),
                        exportedMetricBatches::incrementAndGet,
                        failedMetricBatches::incrementAndGet);
            }

            @Override
            public CompletableResultCode flush() {
                return delegate.flush();
            }

            @Override
            public CompletableResultCode shutdown() {
                return delegate.shutdown();
            }
        };
    }
}
