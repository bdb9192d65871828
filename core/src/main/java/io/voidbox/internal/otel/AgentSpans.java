package io.voidbox.internal.otel;

import static io.opentelemetry.semconv.HttpAttributes.HTTP_RESPONSE_STATUS_CODE;
import static io.opentelemetry.semconv.incubating.GenAiIncubatingAttributes.GEN_AI_CONVERSATION_ID;
import static io.opentelemetry.semconv.incubating.GenAiIncubatingAttributes.GEN_AI_OPERATION_NAME;
import static io.opentelemetry.semconv.incubating.GenAiIncubatingAttributes.GEN_AI_PROVIDER_NAME;
import static io.opentelemetry.semconv.incubating.GenAiIncubatingAttributes.GEN_AI_REQUEST_MODEL;
import static io.opentelemetry.semconv.incubating.GenAiIncubatingAttributes.GEN_AI_RESPONSE_MODEL;
import static io.opentelemetry.semconv.incubating.GenAiIncubatingAttributes.GEN_AI_TOOL_CALL_ID;
import static io.opentelemetry.semconv.incubating.GenAiIncubatingAttributes.GEN_AI_TOOL_NAME;
import static io.opentelemetry.semconv.incubating.GenAiIncubatingAttributes.GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS;
import static io.opentelemetry.semconv.incubating.GenAiIncubatingAttributes.GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS;
import static io.opentelemetry.semconv.incubating.GenAiIncubatingAttributes.GEN_AI_USAGE_INPUT_TOKENS;
import static io.opentelemetry.semconv.incubating.GenAiIncubatingAttributes.GEN_AI_USAGE_OUTPUT_TOKENS;
import static io.voidbox.internal.otel.SpanState.at;
import static io.voidbox.internal.otel.SpanState.child;
import static io.voidbox.internal.otel.SpanState.clamp;
import static io.voidbox.internal.otel.SpanState.setError;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.voidbox.AgentOptions.Runner;
import io.voidbox.Usage;
import io.voidbox.event.RunEvent;
import io.voidbox.event.RunEvent.AgentEvent;
import io.voidbox.event.RunEvent.AgentPermissionDenied;
import io.voidbox.event.RunEvent.AgentResult;
import io.voidbox.event.RunEvent.AgentRetry;
import io.voidbox.event.RunEvent.AgentStarted;
import io.voidbox.event.RunEvent.AgentSubagentCompleted;
import io.voidbox.event.RunEvent.AgentSubagentStarted;
import io.voidbox.event.RunEvent.AgentToolCall;
import io.voidbox.event.RunEvent.AgentToolNotRun;
import io.voidbox.event.RunEvent.AgentToolResult;
import io.voidbox.event.RunEvent.UsageCounted;
import io.voidbox.internal.otel.SpanState.Exec;
import io.voidbox.internal.otel.SpanState.Stage;
import io.voidbox.internal.otel.SpanState.Tool;
import io.voidbox.spi.support.Text;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * The spans of the agent in a stage, made from its {@link AgentEvent}s alone: {@code claude.exec}
 * (or {@code codex.exec}), background {@code claude.subagent} spans and {@code claude.tool.<Tool>},
 * with retries and permission denials as events of the exec span. A tool call of a subagent nests
 * under the tool or subagent span that spawned it. Called by {@link OtelRunInstrumentation} under
 * its lock.
 */
final class AgentSpans {
    private final Tracer tracer;
    private final StageMetrics stageMetrics;
    private final Function<RunEvent, Stage> open;
    private final Function<RunEvent, Stage> find;

    /**
     * @param open the event's stage, opened on the fly when its {@code stage.started} was not seen
     * @param find the event's open stage, or null (for events that only end a span)
     */
    AgentSpans(
            Tracer tracer, StageMetrics stageMetrics, Function<RunEvent, Stage> open, Function<RunEvent, Stage> find) {
        this.tracer = tracer;
        this.stageMetrics = stageMetrics;
        this.open = open;
        this.find = find;
    }

    void on(AgentEvent event) {
        switch (event) {
            case AgentStarted e -> agentStarted(e);
            case AgentToolCall e -> toolCall(e);
            case AgentToolResult e -> toolResult(e);
            case AgentToolNotRun e -> toolNotRun(e);
            case AgentPermissionDenied e -> permissionDenied(e);
            case AgentRetry e -> retry(e);
            case AgentSubagentStarted e -> subagentStarted(e);
            case AgentSubagentCompleted e -> subagentCompleted(e);
            case AgentResult e -> agentResult(e);
        }
    }

    private void agentStarted(AgentStarted e) {
        Stage s = open.apply(e);
        // a new invocation while the previous one never reported a result
        s.endAgent(at(e.ts()), "agent restarted");
        s.exec = openExec(s, e.agent(), e.provider(), e.model(), e.ts());
    }

    private Exec openExec(Stage s, String agent, String provider, String model, Instant ts) {
        boolean codex = Runner.CODEX.agent().equalsIgnoreCase(agent);
        String prefix = codex ? "codex" : "claude";
        String system = codex ? "openai" : "anthropic";
        SpanBuilder b = child(tracer, prefix + ".exec", s.context, SpanKind.CLIENT, ts)
                .setAttribute(GEN_AI_OPERATION_NAME, "invoke_agent")
                .setAttribute(Keys.GEN_AI_SYSTEM, system)
                .setAttribute(GEN_AI_PROVIDER_NAME, provider != null && !provider.isBlank() ? provider : system);
        if (model != null) {
            b.setAttribute(GEN_AI_REQUEST_MODEL, model);
        }
        Span span = b.startSpan();
        return new Exec(prefix, system, model, span, s.context, ts);
    }

    /** The host-counted tokens go on the agent's span (still open) and on the stage span. */
    void usageCounted(UsageCounted e) {
        Stage s = open.apply(e);
        List<Span> spans = s.agentRunning() ? List.of(s.span, s.exec.span) : List.of(s.span);
        for (Span span : spans) {
            span.setAttribute(Keys.VOIDBOX_USAGE_HOST_INPUT_TOKENS, e.hostInputTokens());
            span.setAttribute(Keys.VOIDBOX_USAGE_HOST_OUTPUT_TOKENS, e.hostOutputTokens());
            if (e.mismatch()) span.setAttribute(Keys.VOIDBOX_USAGE_MISMATCH, true);
        }
    }

    private void agentResult(AgentResult e) {
        Stage s = open.apply(e);
        String model = e.usage().model().isBlank() ? null : e.usage().model();
        Exec x = s.exec;
        if (x == null || x.ended) {
            // No agent.started seen: the invocation still gets a span, zero-length at the result.
            x = openExec(s, e.agent(), e.provider(), model, e.ts());
            s.exec = x;
        }
        String requestModel = x.requestModel != null ? x.requestModel : model;
        stageMetrics.agentResult(e, x.system, requestModel);
        Span span = x.span;
        if (x.requestModel == null && model != null) {
            span.setAttribute(GEN_AI_REQUEST_MODEL, model);
        }
        if (model != null) {
            span.setAttribute(GEN_AI_RESPONSE_MODEL, model);
        }
        if (e.sessionId() != null) {
            span.setAttribute(GEN_AI_CONVERSATION_ID, e.sessionId());
        }
        Usage usage = e.usage();
        span.setAttribute(GEN_AI_USAGE_INPUT_TOKENS, usage.inputTokens());
        span.setAttribute(GEN_AI_USAGE_OUTPUT_TOKENS, usage.outputTokens());
        span.setAttribute(GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS, usage.tokens().cacheReadTokens());
        span.setAttribute(
                GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS, usage.tokens().cacheCreationTokens());
        span.setAttribute(Keys.CLAUDE_TOTAL_COST_USD, usage.costUsd());
        Set<String> used = new LinkedHashSet<>(usage.toolsUsed().isEmpty() ? x.toolsUsed : usage.toolsUsed());
        long toolCount = usage.toolCalls() > 0 || x.toolCalls == 0 ? usage.toolCalls() : x.toolCalls;
        span.setAttribute(Keys.CLAUDE_TOOLS_COUNT, toolCount);
        span.setAttribute(Keys.CLAUDE_TOOLS_USED, String.join(",", used));
        span.setAttribute(Keys.CLAUDE_NUM_TURNS, (long) usage.numTurns());
        span.setAttribute(Keys.CLAUDE_DURATION_MS, e.durationMs());
        span.setAttribute(Keys.CLAUDE_DURATION_API_MS, e.durationApiMs());
        if (usage.permissionDenials() > 0) {
            span.setAttribute(Keys.CLAUDE_PERMISSION_DENIALS, (long) usage.permissionDenials());
        }
        if (usage.estimated()) {
            span.setAttribute(Keys.VOIDBOX_USAGE_ESTIMATED, true);
        }
        Instant end = clamp(at(e.ts()), x.start);
        s.endOpenTools(end, "agent ended before the tool result");
        if (e.failed()) {
            setError(span, e.failure().message(), e.failure().type());
        }
        span.end(end);
        x.ended = true;
    }

    private void permissionDenied(AgentPermissionDenied e) {
        Stage s = open.apply(e);
        AttributesBuilder a = Attributes.builder();
        if (e.tool() != null) a.put(Keys.TOOL_NAME, e.tool());
        if (e.toolUseId() != null) a.put(Keys.TOOL_USE_ID, e.toolUseId());
        if (e.reason() != null)
            a.put(Keys.VOIDBOX_REASON, Text.cut(e.reason(), Keys.MAX_TOOL_TEXT).text());
        s.addEvent("agent.permission_denied", e.ts(), a.build());
        Tool t = e.toolUseId() == null ? null : s.tools.get(e.toolUseId());
        if (t != null) {
            t.denied = true;
            t.span.setAttribute(Keys.TOOL_PERMISSION_DENIED, true);
        }
    }

    private void retry(AgentRetry e) {
        Stage s = open.apply(e);
        AttributesBuilder a = Attributes.builder()
                .put(Keys.RETRY_ATTEMPT, (long) e.attempt())
                .put(Keys.RETRY_MAX, (long) e.maxRetries())
                .put(Keys.RETRY_DELAY_MS, e.delayMs());
        if (e.httpStatus() != null) a.put(HTTP_RESPONSE_STATUS_CODE, (long) e.httpStatus());
        if (e.reason() != null) a.put(Keys.VOIDBOX_REASON, e.reason());
        s.addEvent("agent.retry", e.ts(), a.build());
    }

    private void subagentStarted(AgentSubagentStarted e) {
        Stage s = open.apply(e);
        if (e.toolUseId() == null || s.subagents.containsKey(e.toolUseId())) {
            return;
        }
        Context parentCtx = s.agentContext();
        String prefix = s.exec != null ? s.exec.prefix : "claude";
        SpanBuilder b = child(tracer, prefix + ".subagent", parentCtx, SpanKind.INTERNAL, e.ts())
                .setAttribute(GEN_AI_OPERATION_NAME, "invoke_agent")
                .setAttribute(Keys.TOOL_PARENT_USE_ID, e.toolUseId());
        if (e.taskId() != null) b.setAttribute(Keys.SUBAGENT_TASK_ID, e.taskId());
        if (e.subagentType() != null) b.setAttribute(Keys.SUBAGENT_TYPE, e.subagentType());
        if (e.description() != null) b.setAttribute(Keys.SUBAGENT_DESCRIPTION, e.description());
        Span span = b.startSpan();
        s.subagents.put(e.toolUseId(), new Tool(span, parentCtx, e.ts()));
    }

    private void subagentCompleted(AgentSubagentCompleted e) {
        Stage s = find.apply(e);
        Tool a = s == null || e.toolUseId() == null ? null : s.subagents.get(e.toolUseId());
        if (a == null || a.ended) {
            return;
        }
        if (e.status() != null) a.span.setAttribute(Keys.SUBAGENT_STATUS, e.status());
        a.span.setAttribute(Keys.SUBAGENT_TOTAL_TOKENS, e.totalTokens());
        a.span.setAttribute(Keys.CLAUDE_TOOLS_COUNT, (long) e.toolUses());
        a.span.setAttribute(Keys.CLAUDE_DURATION_MS, e.durationMs());
        if (e.status() != null && !e.status().equals("completed")) {
            a.span.setStatus(StatusCode.ERROR, "subagent " + e.status());
        }
        a.span.end(clamp(at(e.ts()), a.start));
        a.ended = true;
    }

    private void toolCall(AgentToolCall e) {
        Stage s = open.apply(e);
        if (e.toolUseId() != null && s.tools.containsKey(e.toolUseId())) {
            return; // duplicate delivery of the same tool_use
        }
        Context parentCtx = s.agentContext();
        if (e.parentToolUseId() != null) {
            Tool subagent = s.subagents.get(e.parentToolUseId());
            Tool spawner = subagent != null ? subagent : s.tools.get(e.parentToolUseId());
            if (spawner != null) {
                parentCtx = spawner.context;
            }
        }
        String prefix = s.exec != null ? s.exec.prefix : "claude";
        String tool = e.tool() != null ? e.tool() : "unknown";
        Text.Cut in = Text.cut(e.input(), Keys.MAX_TOOL_TEXT);
        String input = e.input() == null ? null : in.text();
        boolean inputCut = e.inputTruncated() || in.truncated();
        SpanBuilder b = child(tracer, prefix + ".tool." + tool, parentCtx, SpanKind.INTERNAL, e.ts())
                .setAttribute(GEN_AI_OPERATION_NAME, "execute_tool")
                .setAttribute(GEN_AI_TOOL_NAME, tool)
                .setAttribute(Keys.TOOL_NAME, tool);
        if (e.toolUseId() != null) {
            b.setAttribute(GEN_AI_TOOL_CALL_ID, e.toolUseId());
            b.setAttribute(Keys.TOOL_USE_ID, e.toolUseId());
        }
        if (e.parentToolUseId() != null) {
            b.setAttribute(Keys.TOOL_PARENT_USE_ID, e.parentToolUseId());
        }
        if (input != null) {
            b.setAttribute(Keys.TOOL_INPUT, input);
        }
        if (inputCut) {
            b.setAttribute(Keys.TOOL_INPUT_TRUNCATED, true);
        }
        Span span = b.startSpan();
        String id = e.toolUseId() != null ? e.toolUseId() : "anonymous-" + s.tools.size();
        s.tools.put(id, new Tool(span, parentCtx, e.ts()));
        if (s.agentRunning()) {
            s.exec.toolsUsed.add(tool);
            s.exec.toolCalls++;
        }
    }

    private void toolResult(AgentToolResult e) {
        Stage s = find.apply(e);
        Tool t = s == null || e.toolUseId() == null ? null : s.tools.get(e.toolUseId());
        if (t == null || t.ended) {
            return; // a result without its call: nothing to end
        }
        Text.Cut out = Text.cut(e.output(), Keys.MAX_TOOL_TEXT);
        String output = e.output() == null ? null : out.text();
        boolean outputCut = e.outputTruncated() || out.truncated();
        if (output != null) {
            t.span.setAttribute(Keys.TOOL_OUTPUT, output);
        }
        if (outputCut) {
            t.span.setAttribute(Keys.TOOL_OUTPUT_TRUNCATED, true);
        }
        if (e.isError()) {
            if (t.denied) {
                setError(t.span, "refused by the agent's permission checks", "permission_denied");
            } else {
                setError(t.span, "tool returned an error", "tool_error");
            }
        }
        t.span.end(clamp(at(e.ts()), t.start));
        t.ended = true;
    }

    /** A tool the agent never ran because it stopped first: ended without error, marked not run. */
    private void toolNotRun(AgentToolNotRun e) {
        Stage s = find.apply(e);
        Tool t = s == null || e.toolUseId() == null ? null : s.tools.get(e.toolUseId());
        if (t == null || t.ended) {
            return;
        }
        t.span.setAttribute(Keys.TOOL_STATUS, "not_run");
        if (e.reason() != null) t.span.setAttribute(Keys.VOIDBOX_REASON, e.reason());
        t.span.end(clamp(at(e.ts()), t.start));
        t.ended = true;
    }
}
