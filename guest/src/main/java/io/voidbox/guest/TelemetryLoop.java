package io.voidbox.guest;

import io.voidbox.protocol.Connection;
import io.voidbox.protocol.Message.TelemetryBatchMessage;
import io.voidbox.protocol.TelemetryBatch;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.concurrent.locks.LockSupport;

/**
 * Samples every interval and sends what was sampled since the last send as one batch, so the
 * host gets a batch at least every interval. If a send is slow the samples queue up (at most
 * {@link #MAX_PENDING}, oldest dropped) and go out together. Stops when the connection is lost
 * or on {@link #close()}. Owns its one virtual thread.
 */
final class TelemetryLoop implements AutoCloseable {
    static final int MAX_PENDING = 60;

    private final ProcSampler sampler;
    private final long intervalMs;
    private final Connection connection;
    private final ArrayDeque<TelemetryBatch.Sample> pending = new ArrayDeque<>();
    private long seq;
    private volatile boolean stopped;
    private final Thread thread = Thread.ofVirtual().name("telemetry").unstarted(this::run);

    TelemetryLoop(ProcSampler sampler, long intervalMs, Connection connection) {
        this.sampler = sampler;
        this.intervalMs = intervalMs;
        this.connection = connection;
    }

    TelemetryLoop start() {
        thread.start();
        return this;
    }

    private void run() {
        long next = System.nanoTime();
        while (!stopped && connection.isOpen()) {
            long started = System.nanoTime();
            next += intervalMs * 1_000_000;
            try {
                pending.addLast(sampler.sample(System.currentTimeMillis()));
            } catch (RuntimeException e) {
                Log.warn("telemetry sample failed: " + e);
            }
            while (pending.size() > MAX_PENDING) pending.removeFirst();
            if (!pending.isEmpty()) {
                try {
                    connection.send(new TelemetryBatchMessage(new TelemetryBatch(++seq, new ArrayList<>(pending))));
                    pending.clear();
                } catch (IOException e) {
                    return; // connection gone
                }
            }
            // fell behind (sampling took longer than the interval: a slow or loaded guest): rest as long as it
            // took, so telemetry takes at most half of a CPU and never starves the commands it measures
            long now = System.nanoTime();
            if (next - now < 0) next = now + (now - started);
            // park, not sleep+interrupt: interrupting a thread inside a socket write would close the channel
            long left;
            while (!stopped && (left = next - System.nanoTime()) > 0) LockSupport.parkNanos(left);
        }
    }

    @Override
    public void close() {
        stopped = true;
        LockSupport.unpark(thread);
        try {
            thread.join(2000); // returns at once when never started
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
