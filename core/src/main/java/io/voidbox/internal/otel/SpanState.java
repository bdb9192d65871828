package io.voidbox.internal.otel;

import static io.opentelemetry.semconv.ErrorAttributes.ERROR_TYPE;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * An open span of a run and what its children need: the span, the context they start under, when
 * it started. Guarded by {@link OtelRunInstrumentation}'s lock, like everything that touches it.
 */
abstract class SpanState {
    final Span span;
    final Context context;
    final Instant start;

    SpanState(Span span, Context parent, Instant ts) {
        this.span = span;
        this.context = parent.with(span);
        this.start = at(ts);
    }

    /** A span under {@code parent} starting at {@code ts} (now when unknown). */
    static SpanBuilder child(Tracer tracer, String name, Context parent, SpanKind kind, Instant ts) {
        return tracer.spanBuilder(name).setParent(parent).setSpanKind(kind).setStartTimestamp(at(ts));
    }

    static Instant at(Instant ts) {
        return ts != null ? ts : Instant.now();
    }

    /** Never end a span before it started (a clock step between events must not produce negative spans). */
    static Instant clamp(Instant end, Instant start) {
        return end.isBefore(start) ? start : end;
    }

    static void setError(Span span, String description, String errorType) {
        span.setStatus(StatusCode.ERROR, description);
        if (errorType != null) {
            span.setAttribute(ERROR_TYPE, errorType);
        }
    }

    /** A {@code stage:<box>} (or {@code step:}) span and the agent spans below it. */
    static final class Stage extends SpanState {
        final String box;
        /** Every tool span of the stage by tool_use_id, kept after it ends so late subagent calls still nest. */
        final Map<String, Tool> tools = new HashMap<>();
        /** Background subagent spans by the tool_use_id of the call that launched them. */
        final Map<String, Tool> subagents = new HashMap<>();

        Exec exec;
        String backend;

        Stage(String box, Span span, Context parent, Instant ts) {
            super(span, parent, ts);
            this.box = box;
        }

        /** Whether the agent's exec span is open. */
        boolean agentRunning() {
            return exec != null && !exec.ended;
        }

        /** Where the agent's children start: under its exec span while it runs, else under the stage. */
        Context agentContext() {
            return agentRunning() ? exec.context : context;
        }

        /** A span event on the open exec span (or on the stage span when no agent is running). */
        void addEvent(String name, Instant ts, Attributes attributes) {
            (agentRunning() ? exec.span : span).addEvent(name, attributes, at(ts));
        }

        /** Ends the open tool and subagent spans with status ERROR. */
        void endOpenTools(Instant ts, String reason) {
            for (Tool t : tools.values()) t.endWithError(ts, reason);
            for (Tool a : subagents.values()) a.endWithError(ts, reason);
        }

        /** While the agent runs: ends its open tool, subagent and exec spans with status ERROR. */
        void endAgent(Instant ts, String reason) {
            if (!agentRunning()) return;
            endOpenTools(ts, reason);
            setError(exec.span, reason, null);
            exec.span.end(clamp(ts, exec.start));
            exec.ended = true;
        }

        /** Ends every span below the stage's (the stage is ending). */
        void endChildren(Instant ts, String reason) {
            endOpenTools(ts, reason);
            endAgent(ts, reason);
            tools.clear();
            subagents.clear();
        }
    }

    /** A {@code claude.exec} or {@code codex.exec} span: one run of the agent CLI. */
    static final class Exec extends SpanState {
        final String prefix;
        final String system;
        final String requestModel;
        final Set<String> toolsUsed = new LinkedHashSet<>();
        int toolCalls;
        boolean ended;

        Exec(String prefix, String system, String requestModel, Span span, Context parent, Instant ts) {
            super(span, parent, ts);
            this.prefix = prefix;
            this.system = system;
            this.requestModel = requestModel;
        }
    }

    /** A tool call's span, or a background subagent's. */
    static final class Tool extends SpanState {
        boolean ended;
        boolean denied;

        Tool(Span span, Context parent, Instant ts) {
            super(span, parent, ts);
        }

        void endWithError(Instant ts, String reason) {
            if (ended) return;
            setError(span, reason, null);
            span.end(clamp(ts, start));
            ended = true;
        }
    }
}
