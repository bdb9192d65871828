package io.voidbox.spi;

import io.voidbox.event.RunEvent;
import io.voidbox.event.RunEvent.AgentStarted;
import io.voidbox.event.RunEvent.AgentToolCall;
import io.voidbox.event.RunEvent.AgentToolResult;
import io.voidbox.event.RunEvent.BoxBooting;
import io.voidbox.event.RunEvent.BoxReady;
import io.voidbox.event.RunEvent.BoxStopped;
import io.voidbox.event.RunEvent.Header;
import io.voidbox.event.RunEvent.Log;
import io.voidbox.event.RunEvent.NetDenied;
import io.voidbox.spi.support.OutputBudget;
import io.voidbox.spi.support.Redactor;
import io.voidbox.spi.support.Text;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * One box of one run, as seen by the sandbox and the agent runner that serve it. The scope knows
 * the run, pipeline, stage and box, stamps them with the time on every event it publishes, and
 * logs every line as {@code [vm:NAME] ...}, so sandboxes and agents report only their own facts.
 * It also carries the trace context of the box's {@code stage:} span, started when the scope was
 * opened, for the agent's environment ({@code TRACEPARENT}).
 *
 * <p>Thread-safe: sandboxes and agents call it from their reader threads.
 */
public final class BoxScope {
    /** Longest tool input/output text carried by an event (contract: 2000 chars). */
    public static final int EVENT_TEXT_LIMIT = 2000;

    private static final Logger BOX_LOG = LoggerFactory.getLogger("voidbox.box");

    private final String runId;
    private final String pipeline;
    private final String box;
    private final Clock clock;
    private final Consumer<RunEvent> sink;
    private final Map<String, String> traceEnvironment;
    private final Redactor redactor;
    /** At most this many {@code net.denied} events per box; the rest are summed into one at its end. */
    public static final int NET_DENIED_EVENTS = 64;

    /** {@code net.denied} events published, and attempts past the bound (guarded by {@link #output}). */
    private int deniedEvents;

    private long deniedSuppressed;
    /** Bounds the process output lines of this box (guarded by itself). */
    private final OutputBudget output = OutputBudget.defaults();

    /**
     * An untraced scope of {@code box} in run {@code runId} on the system clock, without redaction:
     * for tools and tests that drive a sandbox or agent without a run.
     */
    public BoxScope(String runId, String pipeline, String box, Consumer<RunEvent> sink) {
        this(runId, pipeline, box, Clock.systemUTC(), sink, Map.of(), Redactor.NONE);
    }

    /**
     * The scope of {@code box} in run {@code runId}, with the run's {@link Redactor}: known secrets
     * are masked in the lines this scope logs (the events it publishes are masked by the run's
     * event bus).
     *
     * @param traceEnvironment {@code TRACEPARENT} (and {@code TRACESTATE}) of the box's stage span,
     *                         empty when not traced
     */
    public BoxScope(
            String runId,
            String pipeline,
            String box,
            Clock clock,
            Consumer<RunEvent> sink,
            Map<String, String> traceEnvironment,
            Redactor redactor) {
        this.redactor = Objects.requireNonNull(redactor, "redactor");
        this.runId = Objects.requireNonNull(runId, "runId");
        this.pipeline = pipeline;
        this.box = Objects.requireNonNull(box, "box");
        this.clock = clock;
        this.sink = sink;
        this.traceEnvironment = Map.copyOf(traceEnvironment);
    }

    public String box() {
        return box;
    }

    public String runId() {
        return runId;
    }

    /** Environment that carries the stage span into the box; empty when not traced. */
    public Map<String, String> traceEnvironment() {
        return traceEnvironment;
    }

    /** A fresh header: now, this run, this box. */
    public Header header() {
        return Header.box(clock.instant(), runId, pipeline, box);
    }

    /**
     * Registers a secret this box's sandbox made (e.g. a VM's channel secret): from now on the run
     * masks it in every event, line and exported attribute, like the run's API keys.
     */
    public void secret(String value) {
        redactor.addAll(List.of(value));
    }

    /** Publishes an event of this box (its header must come from {@link #header()}). */
    public void publish(RunEvent event) {
        sink.accept(event);
    }

    // ---------------------------------------------------------------- sandbox lifecycle

    /** The sandbox is being created or booted; {@code accel} is null for local. */
    public void booting(String backend, String accel) {
        publish(new BoxBooting(header(), backend, accel));
        line("runtime", "booting (" + backend + (accel == null ? "" : ", " + accel) + ")");
    }

    /** The first command round trip is possible. */
    public void ready(String backend, String accel, long bootMs, String guestKernel) {
        ready(backend, accel, bootMs, guestKernel, false);
    }

    /** As {@link #ready(String, String, long, String)}; {@code restored}: from a VM snapshot instead of a boot. */
    public void ready(String backend, String accel, long bootMs, String guestKernel, boolean restored) {
        publish(new BoxReady(header(), backend, accel, bootMs, guestKernel, restored));
        line(
                "runtime",
                "ready in " + bootMs + " ms" + (restored ? " (restored from a snapshot)" : "")
                        + (guestKernel == null ? "" : " (guest kernel " + guestKernel + ")"));
    }

    /** Everything is torn down. */
    public void stopped(String backend, String accel, String exitReason) {
        OutputBudget.Dropped dropped;
        long suppressed;
        synchronized (output) {
            dropped = output.dropped();
            suppressed = deniedSuppressed;
            deniedSuppressed = 0;
        }
        if (suppressed > 0) {
            publish(new NetDenied(header(), "", 0, "", NetDenied.NOT_ALLOWED, suppressed));
            warning(suppressed + " further refused connection attempts were not published one by one (more than "
                    + NET_DENIED_EVENTS + " net.denied events)");
        }
        if (dropped.lines() > 0)
            warning(dropped.lines() + " output lines (" + dropped.bytes()
                    + " bytes) were over the box's output budget (" + output.describe()
                    + ") and were dropped from events and logs");
        publish(new BoxStopped(header(), backend, accel, exitReason));
        line("runtime", "stopped (" + exitReason + ")");
    }

    // ---------------------------------------------------------------- network

    /**
     * A connection attempt or name lookup the box's network policy refused ({@link NetDenied}),
     * with a {@code net} line. At most {@link #NET_DENIED_EVENTS} per box: a hostile agent can
     * connect in a loop, so the rest are only counted and summed into one event when the box stops.
     */
    public void netDenied(String destination, int port, String protocol, String reason, long count) {
        synchronized (output) {
            if (deniedEvents >= NET_DENIED_EVENTS) {
                deniedSuppressed += count;
                return;
            }
            deniedEvents++;
        }
        publish(new NetDenied(header(), destination, port, protocol, reason, count));
        line(
                "net",
                "denied: " + protocol + " " + destination + (port > 0 ? ":" + port : "") + " (" + reason
                        + (count > 1 ? ", " + count + " attempts" : "") + ")");
    }

    // ---------------------------------------------------------------- agent

    /** The agent CLI was launched. */
    public void agentStarted(String agent, String provider, String model) {
        publish(new AgentStarted(header(), agent, provider, model));
    }

    /** A tool call, its input cut to {@link #EVENT_TEXT_LIMIT} characters. */
    public void toolCall(String tool, String toolUseId, String input, String parentToolUseId) {
        Text.Cut c = Text.cut(input, EVENT_TEXT_LIMIT);
        publish(new AgentToolCall(header(), tool, toolUseId, c.text(), c.truncated(), parentToolUseId));
    }

    /** A tool result, its output cut to {@link #EVENT_TEXT_LIMIT} characters. */
    public void toolResult(
            String tool, String toolUseId, boolean isError, long durationMs, String output, String parentToolUseId) {
        Text.Cut c = Text.cut(output, EVENT_TEXT_LIMIT);
        publish(new AgentToolResult(
                header(), tool, toolUseId, isError, durationMs, c.text(), c.truncated(), parentToolUseId));
    }

    // ---------------------------------------------------------------- lines

    /**
     * Logs a line of this box as {@code [vm:NAME] line} ({@code [vm:NAME] [stream] line} for
     * process output) with MDC {@code vm}, and publishes it as a {@code log} event.
     *
     * <p>Process output ({@code stdout}, {@code stderr}, {@code console}) is bounded by the box's
     * {@link OutputBudget}: lines past it are dropped and counted, and the count becomes one
     * warning when the box stops. The runtime's own lines are never dropped.
     *
     * @param stream {@code stdout}, {@code stderr}, {@code console} or {@code runtime}
     */
    public void line(String stream, String raw) {
        String line = redactor.redact(raw);
        if (!stream.equals("runtime")) {
            synchronized (output) {
                if (!output.admitLine(line.length())) return;
            }
        }
        MDC.put("vm", box);
        try {
            if (stream.equals("runtime") || stream.equals("console")) BOX_LOG.info("[vm:{}] {}", box, line);
            else BOX_LOG.info("[vm:{}] [{}] {}", box, stream, line);
        } finally {
            MDC.remove("vm");
        }
        publish(new Log(header(), stream, line));
    }

    /** Something the user must see once (a fallback, a garbage line from the agent, ...). */
    public void warning(String raw) {
        String message = redactor.redact(raw);
        MDC.put("vm", box);
        try {
            BOX_LOG.warn("[vm:{}] {}", box, message);
        } finally {
            MDC.remove("vm");
        }
        publish(new Log(header(), "runtime", "WARNING: " + message));
    }

    @Override
    public String toString() {
        return "BoxScope[" + runId + "/" + box + "]";
    }
}
