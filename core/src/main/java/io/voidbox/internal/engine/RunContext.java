package io.voidbox.internal.engine;

import io.voidbox.event.RunEvent;
import java.time.Clock;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/** Per-run facts and the one way engine code publishes events and box log lines. */
public record RunContext(String runId, String pipeline, EventBus bus, Clock clock) {
    private static final Logger BOX_LOG = LoggerFactory.getLogger("voidbox.box");

    Instant now() {
        return clock.instant();
    }

    void publish(RunEvent event) {
        bus.publish(event);
    }

    /** Logs a box line as {@code [vm:NAME] line} with MDC {@code vm}, and publishes it as a {@code log} event. */
    void boxLine(String stage, String box, String stream, String line) {
        MDC.put("vm", box);
        try {
            if (stream.equals("runtime") || stream.equals("console")) BOX_LOG.info("[vm:{}] {}", box, line);
            else BOX_LOG.info("[vm:{}] [{}] {}", box, stream, line);
        } finally {
            MDC.remove("vm");
        }
        publish(new RunEvent.Log(now(), runId, pipeline, stage, box, box, stream, line));
    }

    void boxWarning(String box, String line) {
        MDC.put("vm", box);
        try {
            BOX_LOG.warn("[vm:{}] {}", box, line);
        } finally {
            MDC.remove("vm");
        }
        publish(new RunEvent.Log(now(), runId, pipeline, box, box, box, "runtime", "WARNING: " + line));
    }
}
