package io.voidbox.internal.engine;

import io.voidbox.event.RunEvent;
import io.voidbox.event.RunEvent.AgentPermissionDenied;
import io.voidbox.event.RunEvent.AgentSubagentStarted;
import io.voidbox.event.RunEvent.AgentToolCall;
import io.voidbox.event.RunEvent.AgentToolNotRun;
import io.voidbox.event.RunEvent.AgentToolResult;
import io.voidbox.event.RunEvent.Log;
import io.voidbox.event.RunEvent.RunFailed;
import io.voidbox.event.RunEvent.TelemetryWarning;
import io.voidbox.spi.support.Redactor;
import java.util.Objects;
import java.util.function.Function;

/**
 * Applies a run's {@link Redactor} to the free-text fields of an event (output lines, tool input
 * and output, reasons, warnings): the ones a box's own output can reach. Events without a secret
 * are returned as they are (no copy).
 */
final class EventRedaction {
    private EventRedaction() {}

    static RunEvent apply(Redactor r, RunEvent event) {
        if (r.isEmpty()) return event;
        return switch (event) {
            case Log e -> redacted(r, e.line(), e, s -> new Log(e.header(), e.stream(), s));
            case AgentToolCall e ->
                redacted(
                        r,
                        e.input(),
                        e,
                        s -> new AgentToolCall(
                                e.header(), e.tool(), e.toolUseId(), s, e.inputTruncated(), e.parentToolUseId()));
            case AgentToolResult e ->
                redacted(
                        r,
                        e.output(),
                        e,
                        s -> new AgentToolResult(
                                e.header(),
                                e.tool(),
                                e.toolUseId(),
                                e.isError(),
                                e.durationMs(),
                                s,
                                e.outputTruncated(),
                                e.parentToolUseId()));
            case AgentToolNotRun e ->
                redacted(
                        r,
                        e.reason(),
                        e,
                        s -> new AgentToolNotRun(e.header(), e.tool(), e.toolUseId(), s, e.parentToolUseId()));
            case AgentPermissionDenied e ->
                redacted(r, e.reason(), e, s -> new AgentPermissionDenied(e.header(), e.tool(), e.toolUseId(), s));
            case AgentSubagentStarted e ->
                redacted(
                        r,
                        e.description(),
                        e,
                        s -> new AgentSubagentStarted(e.header(), e.taskId(), e.toolUseId(), s, e.subagentType()));
            case TelemetryWarning e -> redacted(r, e.warning(), e, s -> new TelemetryWarning(e.header(), s));
            case RunFailed e ->
                redacted(r, e.error(), e, s -> new RunFailed(e.header(), e.durationMs(), e.usage(), s, e.failure()));
            default -> event;
        };
    }

    /** {@code event} itself when {@code text} holds no secret, else its copy with the redacted text. */
    private static RunEvent redacted(Redactor r, String text, RunEvent event, Function<String, RunEvent> copy) {
        String red = r.redact(text);
        return Objects.equals(text, red) ? event : copy.apply(red);
    }
}
