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
            case Log e -> same(e.line(), r.redact(e.line())) ? e : new Log(e.header(), e.stream(), r.redact(e.line()));
            case AgentToolCall e -> {
                String in = r.redact(e.input());
                yield same(e.input(), in)
                        ? e
                        : new AgentToolCall(
                                e.header(), e.tool(), e.toolUseId(), in, e.inputTruncated(), e.parentToolUseId());
            }
            case AgentToolResult e -> {
                String out = r.redact(e.output());
                yield same(e.output(), out)
                        ? e
                        : new AgentToolResult(
                                e.header(),
                                e.tool(),
                                e.toolUseId(),
                                e.isError(),
                                e.durationMs(),
                                out,
                                e.outputTruncated(),
                                e.parentToolUseId());
            }
            case AgentToolNotRun e -> {
                String reason = r.redact(e.reason());
                yield same(e.reason(), reason)
                        ? e
                        : new AgentToolNotRun(e.header(), e.tool(), e.toolUseId(), reason, e.parentToolUseId());
            }
            case AgentPermissionDenied e -> {
                String reason = r.redact(e.reason());
                yield same(e.reason(), reason)
                        ? e
                        : new AgentPermissionDenied(e.header(), e.tool(), e.toolUseId(), reason);
            }
            case AgentSubagentStarted e -> {
                String d = r.redact(e.description());
                yield same(e.description(), d)
                        ? e
                        : new AgentSubagentStarted(e.header(), e.taskId(), e.toolUseId(), d, e.subagentType());
            }
            case TelemetryWarning e -> {
                String w = r.redact(e.warning());
                yield same(e.warning(), w) ? e : new TelemetryWarning(e.header(), w);
            }
            case RunFailed e -> {
                String error = r.redact(e.error());
                yield same(e.error(), error)
                        ? e
                        : new RunFailed(e.header(), e.durationMs(), e.usage(), error, e.failure());
            }
            default -> event;
        };
    }

    private static boolean same(String a, String b) {
        return Objects.equals(a, b);
    }
}
