package io.voidbox.event;

import java.time.Instant;
import java.util.List;

/**
 * Everything observable about a run, as one closed family so listeners can switch over it
 * exhaustively. Serialized as JSON Lines with snake_case names that are part of the contract
 * ({@code docs/observability.md}, section 1).
 */
public sealed interface RunEvent {
    Instant ts();

    String runId();

    String pipeline();

    /** Contract name, e.g. {@code stage.completed}. */
    String type();

    record RunStarted(Instant ts, String runId, String pipeline, List<String> stages) implements RunEvent {
        public String type() { return "run.started"; }
    }

    record RunCompleted(Instant ts, String runId, String pipeline, long durationMs,
                        long inputTokens, long outputTokens, double costUsd) implements RunEvent {
        public String type() { return "run.completed"; }
    }

    record RunFailed(Instant ts, String runId, String pipeline, long durationMs,
                     long inputTokens, long outputTokens, double costUsd, String error) implements RunEvent {
        public String type() { return "run.failed"; }
    }

    record StageStarted(Instant ts, String runId, String pipeline, String stage, String box,
                        int stageIndex) implements RunEvent {
        public String type() { return "stage.started"; }
    }

    record StageCompleted(Instant ts, String runId, String pipeline, String stage, String box,
                          long durationMs, long inputTokens, long outputTokens, double costUsd,
                          int toolCalls, String model, String backend, String accel) implements RunEvent {
        public String type() { return "stage.completed"; }
    }

    record StageFailed(Instant ts, String runId, String pipeline, String stage, String box,
                       long durationMs, long inputTokens, long outputTokens, double costUsd,
                       int toolCalls, String model, String backend, String accel,
                       String error, String errorType) implements RunEvent {
        public String type() { return "stage.failed"; }
    }

    record BoxBooting(Instant ts, String runId, String pipeline, String stage, String box, String vm,
                      String backend, String accel) implements RunEvent {
        public String type() { return "box.booting"; }
    }

    record BoxReady(Instant ts, String runId, String pipeline, String stage, String box, String vm,
                    String backend, String accel, long bootMs, String guestKernel) implements RunEvent {
        public String type() { return "box.ready"; }
    }

    record BoxStopped(Instant ts, String runId, String pipeline, String stage, String box, String vm,
                      String backend, String accel, String exitReason) implements RunEvent {
        public String type() { return "box.stopped"; }
    }

    /** The agent CLI was launched inside the box: start of a {@code claude.exec} span. */
    record AgentStarted(Instant ts, String runId, String pipeline, String stage, String box,
                        String agent, String provider, String model) implements RunEvent {
        public String type() { return "agent.started"; }
    }

    record AgentToolCall(Instant ts, String runId, String pipeline, String stage, String box,
                         String tool, String toolUseId, String input, boolean inputTruncated,
                         String parentToolUseId) implements RunEvent {
        public String type() { return "agent.tool_call"; }
    }

    record AgentToolResult(Instant ts, String runId, String pipeline, String stage, String box,
                           String tool, String toolUseId, boolean isError, long durationMs,
                           String output, boolean outputTruncated, String parentToolUseId) implements RunEvent {
        public String type() { return "agent.tool_result"; }
    }

    record AgentResult(Instant ts, String runId, String pipeline, String stage, String box,
                       String agent, String provider, String model, String sessionId,
                       long inputTokens, long outputTokens, long cacheReadTokens, long cacheCreationTokens,
                       double costUsd, int numTurns, long durationMs, long durationApiMs,
                       boolean isError, List<String> toolsUsed, int toolCalls, String error) implements RunEvent {
        public String type() { return "agent.result"; }
    }

    record GuestTelemetry(Instant ts, String runId, String pipeline, String stage, String box, String vm,
                          String vmCid, double cpuPercent, long memUsedBytes, long memTotalBytes,
                          int procsRunning, int openFds,
                          List<io.voidbox.protocol.TelemetryBatch.ProcessSample> processes) implements RunEvent {
        public String type() { return "guest.telemetry"; }
    }

    /** Something the telemetry path noticed: a gap in guest batches, a dropped malformed batch. */
    record TelemetryWarning(Instant ts, String runId, String pipeline, String stage, String box, String vm,
                            String warning) implements RunEvent {
        public String type() { return "guest.telemetry_warning"; }
    }

    record Log(Instant ts, String runId, String pipeline, String stage, String box, String vm,
               String stream, String line) implements RunEvent {
        public String type() { return "log"; }
    }
}
