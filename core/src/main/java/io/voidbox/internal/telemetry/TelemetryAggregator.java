package io.voidbox.internal.telemetry;

import io.voidbox.event.RunEvent;
import io.voidbox.event.RunEvent.Header;
import io.voidbox.event.RunEvent.ProcessSample;
import io.voidbox.protocol.TelemetryBatch;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Host-side owner of guest telemetry, whatever the backend: attributes each sample to its box and
 * the stage running at that time, publishes {@code guest.telemetry} events, keeps a bounded ring
 * buffer per box, and notices guests that stop sending (gap) or send nonsense (dropped, counted).
 */
public final class TelemetryAggregator implements AutoCloseable {
    private final Consumer<RunEvent> publish;
    private final Clock clock;
    private final int ringCapacity;
    private final Map<String, Feed> feeds = new ConcurrentHashMap<>();
    private final AtomicLong malformed = new AtomicLong();
    private final AtomicLong gaps = new AtomicLong();
    private final Thread watchdog;
    private volatile boolean closed;

    public TelemetryAggregator(Consumer<RunEvent> publish, Clock clock, int ringCapacity) {
        this.publish = publish;
        this.clock = clock;
        this.ringCapacity = ringCapacity;
        this.watchdog = Thread.ofVirtual().name("telemetry-watchdog").start(this::watch);
    }

    /**
     * Starts accepting batches for the box of {@code header} (its box scope's stamp, which every
     * sample's event carries, re-timed); the returned consumer is handed to the sandbox.
     */
    public Consumer<TelemetryBatch> register(Header header, String vmCid, long intervalMs) {
        Feed feed = new Feed(header, vmCid, intervalMs, clock.millis());
        feeds.put(header.box(), feed);
        return batch -> ingest(feed, batch);
    }

    public void unregister(String box) {
        feeds.remove(box);
    }

    /** The most recent samples of a box, oldest first (empty once unregistered). */
    public List<TelemetryBatch.Sample> recent(String box) {
        Feed f = feeds.get(box);
        if (f == null) return List.of();
        synchronized (f) {
            return List.copyOf(f.ring);
        }
    }

    public long malformedDropped() {
        return malformed.get();
    }

    public long gapsReported() {
        return gaps.get();
    }

    private void ingest(Feed f, TelemetryBatch batch) {
        String problem = validate(batch);
        if (problem != null) {
            if (malformed.incrementAndGet() <= 3) warn(f, "dropped malformed telemetry batch: " + problem);
            if (batch != null) {
                synchronized (f) {
                    f.lastSeq = Math.max(f.lastSeq, batch.seq()); // received, so not part of a later gap
                }
            }
            return;
        }
        synchronized (f) {
            if (f.lastSeq >= 0 && batch.seq() > f.lastSeq + 1) {
                gaps.incrementAndGet();
                warn(
                        f,
                        "telemetry gap: " + (batch.seq() - f.lastSeq - 1) + " batch(es) missing before seq "
                                + batch.seq());
            }
            f.lastSeq = Math.max(f.lastSeq, batch.seq());
            f.lastArrivalMs = clock.millis();
            f.stale = false;
            for (TelemetryBatch.Sample s : batch.samples()) {
                if (f.ring.size() == ringCapacity) f.ring.removeFirst();
                f.ring.addLast(s);
            }
        }
        for (TelemetryBatch.Sample s : batch.samples()) {
            List<ProcessSample> top = s.topProcesses().stream()
                    .map(p -> new ProcessSample(p.pid(), p.comm(), p.rssBytes(), p.cpuJiffies()))
                    .toList();
            publish.accept(new RunEvent.GuestTelemetry(
                    f.header(Instant.ofEpochMilli(s.timestampMs())),
                    f.vmCid,
                    s.cpuPercent(),
                    s.memUsedBytes(),
                    s.memTotalBytes(),
                    s.procsRunning(),
                    s.openFds(),
                    top));
        }
    }

    private static String validate(TelemetryBatch b) {
        if (b == null || b.samples().isEmpty()) return "no samples";
        for (TelemetryBatch.Sample s : b.samples()) {
            if (Double.isNaN(s.cpuPercent()) || s.cpuPercent() < 0 || s.cpuPercent() > 100)
                return "cpu_percent " + s.cpuPercent() + " out of 0..100";
            if (s.memUsedBytes() < 0
                    || s.memTotalBytes() < 0
                    || (s.memTotalBytes() > 0 && s.memUsedBytes() > s.memTotalBytes()))
                return "memory used " + s.memUsedBytes() + " / total " + s.memTotalBytes() + " inconsistent";
            if (s.procsRunning() < 0 || s.openFds() < 0) return "negative counter";
        }
        return null;
    }

    private void warn(Feed f, String message) {
        publish.accept(new RunEvent.TelemetryWarning(f.header(clock.instant()), message));
    }

    private void watch() {
        while (!closed) {
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                return;
            }
            long now = clock.millis();
            for (Feed f : feeds.values()) {
                long silentFor;
                synchronized (f) {
                    silentFor = now - f.lastArrivalMs;
                    // silence only counts once the guest has spoken: boot time is not a gap
                    if (f.stale || f.lastSeq < 0 || silentFor <= Math.max(3 * f.intervalMs, 3000)) continue;
                    f.stale = true;
                }
                gaps.incrementAndGet();
                warn(f, "no telemetry from the guest for " + silentFor + " ms (interval " + f.intervalMs + " ms)");
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        watchdog.interrupt();
        feeds.clear();
    }

    private static final class Feed {
        /** The box's header, re-stamped with each sample's time. */
        final Header template;

        final String vmCid;
        final long intervalMs;
        final ArrayDeque<TelemetryBatch.Sample> ring = new ArrayDeque<>();
        long lastSeq = -1;
        long lastArrivalMs;
        boolean stale;

        Feed(Header template, String vmCid, long intervalMs, long now) {
            this.template = template;
            this.vmCid = vmCid;
            this.intervalMs = intervalMs;
            this.lastArrivalMs = now;
        }

        Header header(Instant ts) {
            return template.at(ts);
        }
    }
}
