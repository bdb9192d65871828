package io.voidbox.internal.engine;

import io.voidbox.event.RunEvent;
import io.voidbox.event.RunEventListener;
import io.voidbox.spi.support.Redactor;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers run events to listeners on one dispatcher thread, in publish order. Publishing never
 * blocks the run: when the bounded queue is full the event is dropped and counted, as
 * OpenTelemetry's batch processors do.
 */
public final class EventBus implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EventBus.class);
    private static final Object POISON = new Object();

    private final List<RunEventListener> listeners = new CopyOnWriteArrayList<>();
    private final List<RunEventListener> syncListeners = new CopyOnWriteArrayList<>();
    private final BlockingQueue<Object> queue;
    /** Queue slots only events other than process output lines may take. */
    private final int reserved;

    private final AtomicLong dropped = new AtomicLong();
    private final Thread dispatcher;
    private final Redactor redactor = new Redactor();
    private volatile boolean closed;

    public EventBus(int capacity) {
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.reserved = capacity / 8;
        this.dispatcher = Thread.ofPlatform().daemon().name("voidbox-events").start(this::dispatch);
    }

    public EventBus() {
        this(65_536);
    }

    public void addListener(RunEventListener listener) {
        listeners.add(listener);
    }

    /**
     * Adds a listener called on the publishing thread, before queueing. Only for cheap,
     * non-blocking, thread-safe listeners that must see events as they happen (tracing needs the
     * stage span before the agent starts, to hand its {@code traceparent} into the box).
     */
    public void addSyncListener(RunEventListener listener) {
        syncListeners.add(listener);
    }

    /**
     * Queues an event; returns false (and counts a drop) when the queue is full or closed. Process
     * output lines go first: the last eighth of the queue is kept for everything else, so a box
     * that floods its output cannot push out the lifecycle events and warnings of a run.
     */
    public boolean publish(RunEvent raw) {
        RunEvent event = EventRedaction.apply(redactor, raw);
        callEach(syncListeners, event.type(), l -> l.onEvent(event));
        boolean outputLine = event instanceof RunEvent.Log l && !l.stream().equals("runtime");
        if (closed || (outputLine && queue.remainingCapacity() < reserved) || !queue.offer(event)) {
            dropped.incrementAndGet();
            return false;
        }
        return true;
    }

    /**
     * The run's known secrets: every event is published with them replaced by
     * {@value Redactor#MASK} in its free-text fields (output lines, tool input and output, reasons).
     */
    public Redactor redactor() {
        return redactor;
    }

    public long droppedCount() {
        return dropped.get();
    }

    private void dispatch() {
        try {
            while (true) {
                Object next = queue.take();
                if (next == POISON) break;
                RunEvent event = (RunEvent) next;
                callEach(listeners, event.type(), l -> l.onEvent(event));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            callEach(syncListeners, "close", RunEventListener::onClose);
            callEach(listeners, "close", RunEventListener::onClose);
        }
    }

    /** Calls every listener in turn; one that throws is logged and does not stop the others. */
    private static void callEach(List<RunEventListener> targets, String on, Consumer<RunEventListener> call) {
        for (RunEventListener l : targets) {
            try {
                call.accept(l);
            } catch (RuntimeException e) {
                LOG.warn("event listener {} failed on {}: {}", l.getClass().getSimpleName(), on, e.toString());
            }
        }
    }

    /** Delivers what is queued (bounded by {@code timeout}), then stops the dispatcher. */
    public void close(Duration timeout) {
        if (closed) return;
        closed = true;
        try {
            if (!queue.offer(POISON, timeout.toMillis(), TimeUnit.MILLISECONDS)) dispatcher.interrupt();
            dispatcher.join(timeout);
            if (dispatcher.isAlive()) {
                dispatcher.interrupt();
                LOG.warn(
                        "event delivery did not finish within {} ms; {} events left undelivered",
                        timeout.toMillis(),
                        queue.size());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        long lost = dropped.get();
        if (lost > 0) LOG.warn("{} run events were dropped: the listeners did not keep up", lost);
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(10));
    }
}
