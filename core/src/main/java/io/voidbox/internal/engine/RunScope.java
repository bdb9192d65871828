package io.voidbox.internal.engine;

import io.voidbox.event.RunEvent;
import io.voidbox.event.RunEvent.Header;
import io.voidbox.event.RunEvent.StageStarted;
import io.voidbox.spi.BoxScope;
import java.time.Clock;
import java.util.Map;

/**
 * One run: stamps run-level events and opens the scope of each box. Opening a box scope publishes
 * {@code stage.started} and starts the stage span directly (no listener round trip), so the
 * agent gets its {@code TRACEPARENT} before it starts.
 */
public record RunScope(String runId, String pipeline, EventBus bus, Clock clock, StageTracing tracing) {

    public Header header() {
        return Header.run(clock.instant(), runId, pipeline);
    }

    public void publish(RunEvent event) {
        bus.publish(event);
    }

    /** The scope of a box whose stage never starts (a cancelled fan-out branch). */
    public BoxScope scopeOf(String box) {
        return new BoxScope(runId, pipeline, box, clock, bus::publish, Map.of(), bus.redactor());
    }

    /** Starts the stage of {@code box} (event and span) and returns the box's scope. */
    public BoxScope openBox(String box, int stageIndex) {
        return openBox(box, stageIndex, 0);
    }

    /** The same, for a box that waited {@code queuedMs} for a slot before it could start. */
    public BoxScope openBox(String box, int stageIndex, long queuedMs) {
        StageStarted started =
                new StageStarted(Header.box(clock.instant(), runId, pipeline, box), stageIndex, queuedMs);
        Map<String, String> traceEnvironment = tracing.stageStarted(started);
        bus.publish(started);
        return new BoxScope(runId, pipeline, box, clock, bus::publish, traceEnvironment, bus.redactor());
    }

    /** Starts the span of a stage as soon as it starts, and hands back its trace context. */
    @FunctionalInterface
    public interface StageTracing {
        StageTracing NONE = started -> Map.of();

        /** Opens the stage span; returns {@code TRACEPARENT}/{@code TRACESTATE} for the box (empty when not traced). */
        Map<String, String> stageStarted(StageStarted started);
    }
}
