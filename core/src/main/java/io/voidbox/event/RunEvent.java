package io.voidbox.event;

import com.fasterxml.jackson.annotation.JsonValue;
import io.voidbox.Failure;
import io.voidbox.Usage;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Everything observable about a run, as one closed family so listeners can switch over it
 * exhaustively. Serialized as JSON Lines with snake_case names that are part of the contract
 * ({@code docs/observability.md}, section 1); the {@link Header} and {@link Usage} fields appear
 * flat on the wire.
 */
public sealed interface RunEvent {
    /** When, in which run, and which stage, box and VM the event concerns. */
    Header header();

    /** Contract name, e.g. {@code stage.completed}. */
    default String type() {
        return switch (this) {
            case RunStarted e -> "run.started";
            case RunCompleted e -> "run.completed";
            case RunFailed e -> "run.failed";
            case StageStarted e -> "stage.started";
            case StageCompleted e -> "stage.completed";
            case StageFailed e -> "stage.failed";
            case BoxBooting e -> "box.booting";
            case BoxReady e -> "box.ready";
            case BoxStopped e -> "box.stopped";
            case AgentStarted e -> "agent.started";
            case AgentToolCall e -> "agent.tool_call";
            case AgentToolResult e -> "agent.tool_result";
            case AgentToolNotRun e -> "agent.tool_not_run";
            case AgentPermissionDenied e -> "agent.permission_denied";
            case AgentRetry e -> "agent.retry";
            case AgentSubagentStarted e -> "agent.subagent_started";
            case AgentSubagentCompleted e -> "agent.subagent_completed";
            case AgentResult e -> "agent.result";
            case UsageCounted e -> "usage.counted";
            case GuestTelemetry e -> "guest.telemetry";
            case TelemetryWarning e -> "guest.telemetry_warning";
            case Log e -> "log";
            case NetDenied e -> "net.denied";
        };
    }

    default Instant ts() {
        return header().ts();
    }

    default String runId() {
        return header().runId();
    }

    default String pipeline() {
        return header().pipeline();
    }

    /** The stage the event concerns; null for run-level events. */
    default String stage() {
        return header().stage();
    }

    /** The box the event concerns; null for run-level events. */
    default String box() {
        return header().box();
    }

    /** The {@code [vm:NAME]} of the box; null for run-level events. */
    default String vm() {
        return header().vm();
    }

    /**
     * Stamped on every event by the run or box scope that publishes it, so publishers supply
     * only their own data.
     *
     * @param stage the stage (the box name) or null for run-level events
     * @param box   the box or null for run-level events
     * @param vm    the {@code [vm:NAME]} of the box or null for run-level events
     */
    record Header(Instant ts, String runId, String pipeline, String stage, String box, String vm) {
        /** A run-level header. */
        public static Header run(Instant ts, String runId, String pipeline) {
            return new Header(ts, runId, pipeline, null, null, null);
        }

        /** The header of a box's events: stage, box and VM all carry the box name. */
        public static Header box(Instant ts, String runId, String pipeline, String box) {
            return new Header(ts, runId, pipeline, box, box, box);
        }

        /** The same header at another time. */
        public Header at(Instant time) {
            return new Header(time, runId, pipeline, stage, box, vm);
        }
    }

    /**
     * @param stages the boxes of a pipeline in stage order, or the steps of a workflow in
     *               declaration order
     * @param kind   what runs: a pipeline of agent boxes or a workflow of programs in one box
     *               ({@code kind} on the wire); decides the span names ({@code pipeline:}/{@code stage:}
     *               or {@code workflow:}/{@code step:})
     */
    record RunStarted(Header header, List<String> stages, RunKind kind) implements RunEvent {
        public RunStarted {
            stages = List.copyOf(stages);
            Objects.requireNonNull(kind, "kind");
        }

        /** A pipeline run. */
        public RunStarted(Header header, List<String> stages) {
            this(header, stages, RunKind.PIPELINE);
        }
    }

    /** What a run runs; its {@link #id()} is the spelling on the wire and in spec files. */
    enum RunKind {
        PIPELINE,
        WORKFLOW;

        @JsonValue
        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    record RunCompleted(Header header, long durationMs, Usage usage) implements RunEvent {}

    /**
     * On the wire {@code error} is the run's message (naming the stage that failed first) and the
     * failure of that stage is flattened beside it ({@code error_type} and its details).
     */
    record RunFailed(Header header, long durationMs, Usage usage, String error, Failure failure) implements RunEvent {}

    /**
     * A box's stage started: it was admitted by the run's scheduler after waiting {@code queuedMs}
     * for a slot (0 when it did not wait; see {@code max_parallel}).
     */
    record StageStarted(Header header, int stageIndex, long queuedMs) implements RunEvent {
        public StageStarted(Header header, int stageIndex) {
            this(header, stageIndex, 0);
        }
    }

    record StageCompleted(Header header, long durationMs, Usage usage, String backend, String accel)
            implements RunEvent {}

    /** On the wire the failure is {@code error} (message) and {@code error_type} (kind). */
    record StageFailed(Header header, long durationMs, Usage usage, String backend, String accel, Failure failure)
            implements RunEvent {}

    record BoxBooting(Header header, String backend, String accel) implements RunEvent {}

    /** {@code restored}: the VM was restored from a snapshot instead of booted ({@code bootMs} is to ready either way). */
    record BoxReady(Header header, String backend, String accel, long bootMs, String guestKernel, boolean restored)
            implements RunEvent {
        /** A box that booted (not restored from a snapshot). */
        public BoxReady(Header header, String backend, String accel, long bootMs, String guestKernel) {
            this(header, backend, accel, bootMs, guestKernel, false);
        }
    }

    record BoxStopped(Header header, String backend, String accel, String exitReason) implements RunEvent {}

    /**
     * What the agent in a box reported of its own work, read from its CLI's event stream: the
     * {@code claude.exec} (or {@code codex.exec}) span and the tool and subagent spans below it are
     * made of these alone. Only as trustworthy as the agent: the host's own figures are
     * {@link UsageCounted} and the box and stage events.
     */
    sealed interface AgentEvent extends RunEvent {}

    /** The agent CLI was launched inside the box: start of a {@code claude.exec} span. */
    record AgentStarted(Header header, String agent, String provider, String model) implements AgentEvent {}

    record AgentToolCall(
            Header header, String tool, String toolUseId, String input, boolean inputTruncated, String parentToolUseId)
            implements AgentEvent {}

    record AgentToolResult(
            Header header,
            String tool,
            String toolUseId,
            boolean isError,
            long durationMs,
            String output,
            boolean outputTruncated,
            String parentToolUseId)
            implements AgentEvent {}

    /**
     * A tool call the agent announced but never ran, because it stopped first (turn or budget
     * limit reached right after the model asked for the tool). Not an error of the tool.
     *
     * @param reason why it did not run, e.g. {@code the agent stopped: max_turns}
     */
    record AgentToolNotRun(Header header, String tool, String toolUseId, String reason, String parentToolUseId)
            implements AgentEvent {}

    /**
     * The agent's own permission checks refused a tool call; the model was told and went on.
     *
     * @param reason what the agent said, when it said anything
     */
    record AgentPermissionDenied(Header header, String tool, String toolUseId, String reason) implements AgentEvent {}

    /**
     * The agent retries a failed model API call.
     *
     * @param attempt    the retry about to be made (1 for the first retry)
     * @param maxRetries the retries the agent allows itself
     * @param httpStatus the status of the failed call; null when the connection broke
     * @param delayMs    how long the agent waits before retrying
     * @param reason     the agent's name for the error ({@code server_error}, {@code rate_limit}, ...)
     */
    record AgentRetry(Header header, int attempt, int maxRetries, Integer httpStatus, long delayMs, String reason)
            implements AgentEvent {}

    /**
     * A background subagent started: it runs beside the main agent, launched by the tool call
     * {@code toolUseId}; its own tool calls carry that id as {@code parent_tool_use_id}.
     */
    record AgentSubagentStarted(Header header, String taskId, String toolUseId, String description, String subagentType)
            implements AgentEvent {}

    /**
     * A background subagent ended.
     *
     * @param status      the agent's word for how it ended ({@code completed}, {@code failed}, {@code killed})
     * @param totalTokens tokens the subagent used, as the agent reports them
     * @param toolUses    tool calls the subagent made
     * @param durationMs  how long it ran, as the agent reports it
     */
    record AgentSubagentCompleted(
            Header header,
            String taskId,
            String toolUseId,
            String status,
            long totalTokens,
            int toolUses,
            long durationMs)
            implements AgentEvent {}

    /**
     * The agent's final report. On the wire {@code is_error} is true when {@code failure} is set,
     * which is flattened like on {@code stage.failed} ({@code error}, {@code error_type}, details).
     *
     * @param durationMs    the agent's own run time
     * @param durationApiMs time spent waiting for the model API
     * @param failure       why the agent run failed; null when it succeeded
     */
    record AgentResult(
            Header header,
            String agent,
            String provider,
            String sessionId,
            Usage usage,
            long durationMs,
            long durationApiMs,
            Failure failure)
            implements AgentEvent {

        /** Whether the agent run failed (the contract's {@code is_error}). */
        public boolean failed() {
            return failure != null;
        }
    }

    /**
     * The tokens the host's credential proxy counted in the model responses it relayed for the
     * box's agent run, published just before {@code agent.result}. {@code mismatch} is true when
     * they differ from what the agent reports (input tokens, cache included, or output tokens):
     * the agent's account cannot be trusted (e.g. code in the box printed a forged result line).
     *
     * @param responses model responses that carried a usage
     */
    record UsageCounted(
            Header header,
            long hostInputTokens,
            long hostOutputTokens,
            long hostCacheReadTokens,
            long hostCacheCreationTokens,
            int responses,
            boolean mismatch)
            implements RunEvent {}

    record GuestTelemetry(
            Header header,
            String vmCid,
            double cpuPercent,
            long memUsedBytes,
            long memTotalBytes,
            int procsRunning,
            int openFds,
            List<ProcessSample> processes)
            implements RunEvent {}

    /** One of the heaviest processes of a telemetry sample. */
    record ProcessSample(int pid, String comm, long rssBytes, long cpuJiffies) {}

    /** Something the telemetry path noticed: a gap in guest batches, a dropped malformed batch. */
    record TelemetryWarning(Header header, String warning) implements RunEvent {}

    record Log(Header header, String stream, String line) implements RunEvent {}

    /**
     * The box's network policy refused a connection attempt or a name lookup: who tried what is the
     * question a security review asks first. {@code destination} is the address or name, {@code
     * port} 0 for a name lookup; {@code protocol} {@code tcp}, {@code udp} or {@code dns}; {@code
     * reason} who refused and why ({@code not_allowed}: nothing allowed there, refused by the guest
     * kernel or the host; {@code unreachable}: allowed, but the host could not connect); {@code
     * count} how many attempts the event stands for (a box's events are bounded: past the bound the
     * rest are summed into one event with an empty destination when the box stops).
     */
    record NetDenied(Header header, String destination, int port, String protocol, String reason, long count)
            implements RunEvent {
        /** Who refused and why. */
        public static final String NOT_ALLOWED = "not_allowed";
        /** Allowed, but the host could not connect to it. */
        public static final String UNREACHABLE = "unreachable";
    }
}
