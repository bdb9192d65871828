package io.voidbox.internal.otel;

import static io.opentelemetry.semconv.ErrorAttributes.ERROR_TYPE;
import static io.opentelemetry.semconv.incubating.GenAiIncubatingAttributes.GEN_AI_REQUEST_MODEL;
import static io.opentelemetry.semconv.incubating.GenAiIncubatingAttributes.GEN_AI_USAGE_INPUT_TOKENS;
import static io.opentelemetry.semconv.incubating.GenAiIncubatingAttributes.GEN_AI_USAGE_OUTPUT_TOKENS;
import static io.voidbox.internal.otel.SpanState.at;
import static io.voidbox.internal.otel.SpanState.child;
import static io.voidbox.internal.otel.SpanState.clamp;
import static io.voidbox.internal.otel.SpanState.setError;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.metrics.LongCounter;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.voidbox.Failure;
import io.voidbox.Usage;
import io.voidbox.event.RunEvent;
import io.voidbox.event.RunEvent.AgentEvent;
import io.voidbox.event.RunEvent.BoxBooting;
import io.voidbox.event.RunEvent.BoxReady;
import io.voidbox.event.RunEvent.BoxStopped;
import io.voidbox.event.RunEvent.GuestTelemetry;
import io.voidbox.event.RunEvent.Log;
import io.voidbox.event.RunEvent.NetDenied;
import io.voidbox.event.RunEvent.RunCompleted;
import io.voidbox.event.RunEvent.RunFailed;
import io.voidbox.event.RunEvent.RunKind;
import io.voidbox.event.RunEvent.RunStarted;
import io.voidbox.event.RunEvent.StageCompleted;
import io.voidbox.event.RunEvent.StageFailed;
import io.voidbox.event.RunEvent.StageStarted;
import io.voidbox.event.RunEvent.TelemetryWarning;
import io.voidbox.event.RunEvent.UsageCounted;
import io.voidbox.event.RunEventListener;
import io.voidbox.internal.engine.RunScope;
import io.voidbox.internal.otel.SpanState.Stage;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns run events into OpenTelemetry spans and metrics <em>live</em>, as they arrive, using the
 * OpenTelemetry API only: whoever embeds the runtime decides on the SDK and exporters (the CLI
 * uses {@code io.voidbox.observability.OtelSetup}); with the default noop instance every call
 * is cheap and nothing is exported.
 *
 * <p>Span tree (contract section 2): {@code pipeline:<name>} &gt; {@code stage:<box>} &gt;
 * {@code claude.exec} (or {@code codex.exec}) &gt; {@code claude.tool.<Tool>}; subagent tool calls
 * nest under the {@code Agent}/{@code Task} tool span that spawned them, or, for a background
 * subagent, under its {@code claude.subagent} span (from {@code agent.subagent_started} to
 * {@code agent.subagent_completed}). Retries and permission denials are span events of the exec
 * span. A workflow run ({@code run.started} of kind {@code workflow}) is {@code workflow:<name>}
 * &gt; {@code step:<step>}; the backend of the box its steps share is on the workflow span. Span
 * start and end times are the event timestamps, so the trace shows when things happened, not when
 * the listener ran.
 *
 * <p>Threading: {@link #onEvent} is called on the publishing thread (a synchronous listener of
 * the bus); {@link #stageStarted} is called by the run scope when a box's stage starts, so the
 * stage span exists before its agent does and its {@code TRACEPARENT} is handed over directly.
 * All span state is guarded by one lock.
 */
public final class OtelRunInstrumentation implements RunEventListener, RunScope.StageTracing, AutoCloseable {
    /** Instrumentation scope name for the tracer and meter. */
    public static final String SCOPE = "io.voidbox.runtime";

    private static final String RUN_ENDED = "run ended";
    private static final Logger LOG = LoggerFactory.getLogger(OtelRunInstrumentation.class);

    private final Tracer tracer;
    private final Context parent;
    private final StageMetrics stageMetrics;
    private final GuestGauges guestGauges;
    /** {@code voidbox.net.denied}: refused connection attempts and name lookups, from {@link NetDenied}. */
    private final LongCounter netDenied;

    private final ReentrantLock lock = new ReentrantLock();
    private final Map<String, RunState> runs = new LinkedHashMap<>();
    private final AgentSpans agentSpans;

    /** No export: spans and metrics go to the noop implementation. */
    public OtelRunInstrumentation() {
        this(OpenTelemetry.noop());
    }

    /**
     * Captures {@link Context#current()} of the calling thread as the parent of pipeline spans,
     * so an application that has a span active when it creates the instrumentation gets the
     * pipeline span as its child.
     */
    public OtelRunInstrumentation(OpenTelemetry openTelemetry) {
        this(openTelemetry, Context.current());
    }

    /**
     * @param openTelemetry API entry point (SDK-backed or noop)
     * @param parent        parent of every {@code pipeline:} span; {@link Context#root()} for a new trace
     */
    public OtelRunInstrumentation(OpenTelemetry openTelemetry, Context parent) {
        Objects.requireNonNull(openTelemetry, "openTelemetry");
        this.parent = Objects.requireNonNull(parent, "parent");
        this.tracer = openTelemetry.getTracer(SCOPE);
        var meter = openTelemetry.getMeter(SCOPE);
        this.stageMetrics = new StageMetrics(meter);
        this.guestGauges = new GuestGauges(meter);
        this.agentSpans = new AgentSpans(
                tracer,
                stageMetrics,
                e -> stage(e.runId(), e.pipeline(), e.stage(), e.box(), e.ts()),
                e -> stageOf(e.runId(), e.box(), e.stage()));
        this.netDenied = meter.counterBuilder("voidbox.net.denied")
                .setUnit("{attempt}")
                .setDescription("Connection attempts and name lookups refused by a box's network policy")
                .build();
    }

    // ------------------------------------------------------------------ context for boxes

    /** The context of the stage span of {@code box} in run {@code runId}, if that stage has started and not ended. */
    public Optional<Context> stageContext(String runId, String box) {
        lock.lock();
        try {
            return Optional.ofNullable(findStage(runId, box)).map(s -> s.context);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Opens the stage span as the stage starts (called by the run scope before the box's agent
     * starts) and returns the environment that carries it into the box.
     */
    @Override
    public Map<String, String> stageStarted(StageStarted started) {
        lock.lock();
        try {
            openStage(started);
        } finally {
            lock.unlock();
        }
        return stageEnvironment(started.runId(), started.box());
    }

    /**
     * Environment variables that carry the stage span into the box ({@code TRACEPARENT} and, when
     * present, {@code TRACESTATE}). Empty when the stage is unknown or tracing is a noop (no valid
     * span context).
     */
    public Map<String, String> stageEnvironment(String runId, String box) {
        Map<String, String> env = new LinkedHashMap<>();
        stageContext(runId, box)
                .ifPresent(ctx -> W3CTraceContextPropagator.getInstance()
                        .inject(ctx, env, (carrier, key, value) -> carrier.put(key.toUpperCase(Locale.ROOT), value)));
        return Map.copyOf(env);
    }

    /** The W3C {@code traceparent} of the stage span. */
    public Optional<String> traceparent(String runId, String box) {
        return Optional.ofNullable(stageEnvironment(runId, box).get("TRACEPARENT"));
    }

    // ------------------------------------------------------------------ events

    @Override
    public void onEvent(RunEvent event) {
        if (event == null) {
            return;
        }
        try {
            dispatch(event);
        } catch (RuntimeException e) {
            // Telemetry must never break the bus or the run.
            LOG.warn("OpenTelemetry instrumentation failed on a {} event: {}", event.type(), e.toString());
        }
    }

    private void dispatch(RunEvent event) {
        switch (event) {
            case GuestTelemetry t -> guestGauges.record(t);
            case BoxStopped b -> {
                guestGauges.retireBox(b.runId(), b.vm() != null ? b.vm() : b.box());
                withLock(() -> boxStopped(b));
            }
            case Log ignored -> {}
            case TelemetryWarning ignored -> {}
            case NetDenied d -> netDenied.add(d.count(), netDeniedAttributes(d));
            default -> withLock(() -> spanEvent(event));
        }
    }

    /** Ends every span still open with status ERROR ("run ended"), at the current time. */
    @Override
    public void onClose() {
        withLock(() -> {
            Instant now = Instant.now();
            for (RunState run : List.copyOf(runs.values())) {
                endRun(run, now, StatusCode.ERROR, RUN_ENDED);
                guestGauges.retireRun(run.runId);
            }
            runs.clear();
        });
    }

    /**
     * Unregisters the guest gauge callback. Call after the last metric collection (after the
     * SDK's final flush), not from {@link #onClose}: the final flush must still see the gauges.
     */
    @Override
    public void close() {
        onClose();
        guestGauges.close();
    }

    private void withLock(Runnable r) {
        lock.lock();
        try {
            r.run();
        } finally {
            lock.unlock();
        }
    }

    private void spanEvent(RunEvent event) {
        switch (event) {
            case RunStarted e -> runStarted(e);
            case RunCompleted e -> runEnded(e.runId(), e.ts(), e.usage(), null, null);
            case RunFailed e -> runFailed(e);
            case StageStarted e -> openStage(e);
            case StageCompleted e -> stageEnded(e, e.durationMs(), e.usage(), e.backend(), e.accel(), null);
            case StageFailed e -> stageEnded(e, e.durationMs(), e.usage(), e.backend(), e.accel(), e.failure());
            case BoxBooting e ->
                boxBackend(e.runId(), e.pipeline(), e.stage(), e.box(), e.ts(), e.backend(), e.accel());
            case BoxReady e -> boxReady(e);
            case AgentEvent e -> agentSpans.on(e);
            case UsageCounted e -> agentSpans.usageCounted(e);
            case BoxStopped e -> boxStopped(e);
            case GuestTelemetry ignored -> {}
            case TelemetryWarning ignored -> {}
            case Log ignored -> {}
            case NetDenied ignored -> {}
        }
    }

    /**
     * Bounded cardinality: a box publishes at most {@code BoxScope.NET_DENIED_EVENTS}
     * events, so at most that many ports per box; the summed rest has port 0 and protocol "".
     */
    private static Attributes netDeniedAttributes(NetDenied d) {
        AttributesBuilder a = Attributes.builder()
                .put("stage", d.box() != null ? d.box() : "")
                .put("net.protocol", d.protocol())
                .put("net.peer.port", d.port())
                .put("reason", d.reason());
        if (d.pipeline() != null) a.put("pipeline", d.pipeline());
        return a.build();
    }

    // ------------------------------------------------------------------ run

    private void runStarted(RunStarted e) {
        RunState existing = runs.get(e.runId());
        if (existing != null) {
            return;
        }
        openRun(e.runId(), e.pipeline(), e.ts(), e.kind(), e.stages());
    }

    private RunState openRun(String runId, String pipeline, Instant ts) {
        return openRun(runId, pipeline, ts, RunKind.PIPELINE, List.of());
    }

    /** A workflow's root span is {@code workflow:<name>} and its steps' spans {@code step:<name>}. */
    private RunState openRun(String runId, String pipeline, Instant ts, RunKind kind, List<String> steps) {
        String name = pipeline != null ? pipeline : "pipeline";
        SpanBuilder b = child(tracer, kind.id() + ":" + name, parent, SpanKind.INTERNAL, ts)
                .setAttribute(Keys.VOIDBOX_PIPELINE, name);
        if (runId != null) {
            b.setAttribute(Keys.VOIDBOX_RUN_ID, runId);
        }
        Span span = b.startSpan();
        RunState run = new RunState(runId, name, kind, Set.copyOf(steps), span, parent, ts);
        runs.put(runId, run);
        return run;
    }

    /** Events that arrive for a run whose run.started was not seen still get a root span. */
    private RunState run(String runId, String pipeline, Instant ts) {
        RunState run = runs.get(runId);
        return run != null ? run : openRun(runId, pipeline, ts);
    }

    private void runFailed(RunFailed e) {
        runEnded(
                e.runId(),
                e.ts(),
                e.usage(),
                e.error() != null ? e.error() : "run failed",
                e.failure() != null ? e.failure().type() : "internal");
    }

    private void runEnded(String runId, Instant ts, Usage usage, String error, String errorType) {
        RunState run = runs.remove(runId);
        if (run == null) {
            return;
        }
        run.span.setAttribute(GEN_AI_USAGE_INPUT_TOKENS, usage.inputTokens());
        run.span.setAttribute(GEN_AI_USAGE_OUTPUT_TOKENS, usage.outputTokens());
        run.span.setAttribute(Keys.CLAUDE_TOTAL_COST_USD, usage.costUsd());
        if (error != null) {
            run.span.setAttribute(ERROR_TYPE, errorType);
            endRun(run, at(ts), StatusCode.ERROR, error);
        } else {
            endRun(run, at(ts), StatusCode.UNSET, null);
        }
        guestGauges.retireRun(runId);
    }

    private void endRun(RunState run, Instant ts, StatusCode status, String description) {
        for (Stage stage : run.stages.values()) {
            stage.endChildren(ts, RUN_ENDED);
            setError(stage.span, RUN_ENDED, null);
            stage.span.end(clamp(ts, stage.start));
        }
        run.stages.clear();
        if (status == StatusCode.ERROR) {
            run.span.setStatus(StatusCode.ERROR, description);
        }
        run.span.end(clamp(ts, run.start));
    }

    // ------------------------------------------------------------------ stage

    private void openStage(StageStarted e) {
        RunState run = run(e.runId(), e.pipeline(), e.ts());
        String box = boxName(e.box(), e.stage());
        if (run.stages.containsKey(box)) {
            return;
        }
        openStage(run, e.stage(), box, e.ts());
    }

    private Stage openStage(RunState run, String stageName, String box, Instant ts) {
        SpanBuilder b = child(
                        tracer,
                        (run.kind == RunKind.WORKFLOW ? "step:" : "stage:") + box,
                        run.context,
                        SpanKind.INTERNAL,
                        ts)
                .setAttribute(Keys.VOIDBOX_BOX, box);
        if (stageName != null) {
            b.setAttribute(Keys.VOIDBOX_STAGE, stageName);
        }
        Span span = b.startSpan();
        Stage s = new Stage(box, span, run.context, ts);
        run.stages.put(box, s);
        return s;
    }

    /** The stage of an event, opened on the fly if its stage.started was not seen. */
    private Stage stage(String runId, String pipeline, String stageName, String box, Instant ts) {
        RunState run = run(runId, pipeline, ts);
        String key = boxName(box, stageName);
        Stage s = run.stages.get(key);
        return s != null ? s : openStage(run, stageName, key, ts);
    }

    private Stage findStage(String runId, String box) {
        RunState run = runs.get(runId);
        return run == null ? null : run.stages.get(box);
    }

    private void boxBackend(
            String runId, String pipeline, String stageName, String box, Instant ts, String backend, String accel) {
        RunState run = runs.get(runId);
        if (run != null && run.kind == RunKind.WORKFLOW && !run.steps.contains(box)) {
            // the one box a workflow's steps share: its backend belongs to the workflow span
            if (backend != null) run.span.setAttribute(Keys.VOIDBOX_BACKEND, backend);
            if (accel != null && "vm".equals(backend)) run.span.setAttribute(Keys.VOIDBOX_ACCEL, accel);
            return;
        }
        Stage s = stage(runId, pipeline, stageName, box, ts);
        setBackend(s, backend, accel);
    }

    /** The backend as for {@code box.booting}, plus whether a VM box was restored from a snapshot. */
    private void boxReady(BoxReady e) {
        boxBackend(e.runId(), e.pipeline(), e.stage(), e.box(), e.ts(), e.backend(), e.accel());
        if (!"vm".equals(e.backend())) return;
        RunState run = runs.get(e.runId());
        if (run != null && run.kind == RunKind.WORKFLOW && !run.steps.contains(e.box())) {
            run.span.setAttribute(Keys.VOIDBOX_RESTORED, e.restored());
            return;
        }
        stage(e.runId(), e.pipeline(), e.stage(), e.box(), e.ts())
                .span
                .setAttribute(Keys.VOIDBOX_RESTORED, e.restored());
    }

    private void setBackend(Stage s, String backend, String accel) {
        if (backend != null) {
            s.span.setAttribute(Keys.VOIDBOX_BACKEND, backend);
            s.backend = backend;
        }
        if (accel != null && "vm".equals(s.backend)) {
            s.span.setAttribute(Keys.VOIDBOX_ACCEL, accel);
        }
    }

    private void boxStopped(BoxStopped e) {
        // Nothing to end: the stage span ends with stage.completed/failed. Record the backend if
        // this is the first we hear of it.
        RunState run = runs.get(e.runId());
        if (run != null) {
            Stage s = run.stages.get(boxName(e.box(), e.stage()));
            if (s != null && s.backend == null) {
                setBackend(s, e.backend(), e.accel());
            }
        }
    }

    private void stageEnded(RunEvent e, long duration, Usage usage, String backend, String accel, Failure failure) {
        String key = boxName(e.box(), e.stage());
        stageMetrics.stageEnded(e.pipeline(), key, duration, usage, failure);
        RunState run = runs.get(e.runId());
        Stage s = run == null ? null : run.stages.remove(key);
        if (s == null) {
            return;
        }
        Span span = s.span;
        span.setAttribute(GEN_AI_USAGE_INPUT_TOKENS, usage.inputTokens());
        span.setAttribute(GEN_AI_USAGE_OUTPUT_TOKENS, usage.outputTokens());
        span.setAttribute(GEN_AI_REQUEST_MODEL, usage.model());
        span.setAttribute(Keys.CLAUDE_TOTAL_COST_USD, usage.costUsd());
        span.setAttribute(Keys.CLAUDE_TOOLS_COUNT, (long) usage.toolCalls());
        if (usage.permissionDenials() > 0) {
            span.setAttribute(Keys.CLAUDE_PERMISSION_DENIALS, (long) usage.permissionDenials());
        }
        if (usage.estimated()) {
            span.setAttribute(Keys.VOIDBOX_USAGE_ESTIMATED, true);
        }
        setBackend(s, backend, accel);
        Instant end = clamp(at(e.ts()), s.start);
        s.endChildren(end, failure != null ? "stage ended: " + failure.message() : "stage ended");
        if (failure != null) {
            setError(span, failure.message(), failure.type());
        }
        span.end(end);
    }

    // ------------------------------------------------------------------ helpers

    private static String boxName(String box, String stage) {
        if (box != null) {
            return box;
        }
        return stage != null ? stage : "unknown";
    }

    /** The open stage of {@code box} in run {@code runId}, or null. */
    private Stage stageOf(String runId, String box, String stage) {
        RunState run = runs.get(runId);
        return run == null ? null : run.stages.get(boxName(box, stage));
    }

    // ------------------------------------------------------------------ state

    private static final class RunState extends SpanState {
        final String runId;
        final String pipeline;
        final Map<String, Stage> stages = new LinkedHashMap<>();
        final RunKind kind;
        /** A workflow's step names; box events of any other box concern the sandbox they share. */
        final Set<String> steps;

        RunState(
                String runId, String pipeline, RunKind kind, Set<String> steps, Span span, Context parent, Instant ts) {
            super(span, parent, ts);
            this.runId = runId;
            this.pipeline = pipeline;
            this.kind = kind;
            this.steps = steps;
        }
    }
}
