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
    String type();

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

        public String type() {
            return "run.started";
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

    record RunCompleted(Header header, long durationMs, Usage usage) implements RunEvent {
        public String type() {
            return "run.completed";
        }
    }

    record RunFailed(Header header, long durationMs, Usage usage, String error) implements RunEvent {
        public String type() {
            return "run.failed";
        }
    }

    /**
     * A box's stage started: it was admitted by the run's scheduler after waiting {@code queuedMs}
     * for a slot (0 when it did not wait; see {@code max_parallel}).
     */
    record StageStarted(Header header, int stageIndex, long queuedMs) implements RunEvent {
        public StageStarted(Header header, int stageIndex) {
            this(header, stageIndex, 0);
        }

        public String type() {
            return "stage.started";
        }
    }

    record StageCompleted(Header header, long durationMs, Usage usage, String backend, String accel)
            implements RunEvent {
        public String type() {
            return "stage.completed";
        }
    }

    /** On the wire the failure is {@code error} (message) and {@code error_type} (kind). */
    record StageFailed(Header header, long durationMs, Usage usage, String backend, String accel, Failure failure)
            implements RunEvent {
        public String type() {
            return "stage.failed";
        }
    }

    record BoxBooting(Header header, String backend, String accel) implements RunEvent {
        public String type() {
            return "box.booting";
        }
    }

    record BoxReady(Header header, String backend, String accel, long bootMs, String guestKernel) implements RunEvent {
        public String type() {
            return "box.ready";
        }
    }

    record BoxStopped(Header header, String backend, String accel, String exitReason) implements RunEvent {
        public String type() {
            return "box.stopped";
        }
    }

    /** The agent CLI was launched inside the box: start of a {@code claude.exec} span. */
    record AgentStarted(Header header, String agent, String provider, String model) implements RunEvent {
        public String type() {
            return "agent.started";
        }
    }

    record AgentToolCall(
            Header header, String tool, String toolUseId, String input, boolean inputTruncated, String parentToolUseId)
            implements RunEvent {
        public String type() {
            return "agent.tool_call";
        }
    }

    record AgentToolResult(
            Header header,
            String tool,
            String toolUseId,
            boolean isError,
            long durationMs,
            String output,
            boolean outputTruncated,
            String parentToolUseId)
            implements RunEvent {
        public String type() {
            return "agent.tool_result";
        }
    }

    /**
     * The agent's final report.
     *
     * @param durationMs    the agent's own run time
     * @param durationApiMs time spent waiting for the model API
     */
    record AgentResult(
            Header header,
            String agent,
            String provider,
            String sessionId,
            Usage usage,
            long durationMs,
            long durationApiMs,
            boolean isError,
            String error)
            implements RunEvent {
        public String type() {
            return "agent.result";
        }
    }

    record GuestTelemetry(
            Header header,
            String vmCid,
            double cpuPercent,
            long memUsedBytes,
            long memTotalBytes,
            int procsRunning,
            int openFds,
            List<ProcessSample> processes)
            implements RunEvent {
        public String type() {
            return "guest.telemetry";
        }
    }

    /** One of the heaviest processes of a telemetry sample. */
    record ProcessSample(int pid, String comm, long rssBytes, long cpuJiffies) {}

    /** Something the telemetry path noticed: a gap in guest batches, a dropped malformed batch. */
    record TelemetryWarning(Header header, String warning) implements RunEvent {
        public String type() {
            return "guest.telemetry_warning";
        }
    }

    record Log(Header header, String stream, String line) implements RunEvent {
        public String type() {
            return "log";
        }
    }
}
