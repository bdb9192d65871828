package io.voidbox.internal.otel;

import io.voidbox.Failure;
import io.voidbox.Usage;
import io.voidbox.event.RunEvent;
import io.voidbox.event.RunEvent.AgentPermissionDenied;
import io.voidbox.event.RunEvent.AgentResult;
import io.voidbox.event.RunEvent.AgentRetry;
import io.voidbox.event.RunEvent.AgentStarted;
import io.voidbox.event.RunEvent.AgentSubagentCompleted;
import io.voidbox.event.RunEvent.AgentSubagentStarted;
import io.voidbox.event.RunEvent.AgentToolCall;
import io.voidbox.event.RunEvent.AgentToolNotRun;
import io.voidbox.event.RunEvent.AgentToolResult;
import io.voidbox.event.RunEvent.BoxBooting;
import io.voidbox.event.RunEvent.BoxReady;
import io.voidbox.event.RunEvent.BoxStopped;
import io.voidbox.event.RunEvent.GuestTelemetry;
import io.voidbox.event.RunEvent.Header;
import io.voidbox.event.RunEvent.ProcessSample;
import io.voidbox.event.RunEvent.RunCompleted;
import io.voidbox.event.RunEvent.RunFailed;
import io.voidbox.event.RunEvent.RunStarted;
import io.voidbox.event.RunEvent.StageCompleted;
import io.voidbox.event.RunEvent.StageFailed;
import io.voidbox.event.RunEvent.StageStarted;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds synthetic run event sequences for tests, each event one second after the previous
 * (so span timestamps are easy to assert: {@code start(n)} is the n-th event's time). Shared
 * through the runtime test-jar with the observability tests.
 */
public final class SyntheticRun {
    public static final Instant T0 = Instant.parse("2026-01-02T03:04:05.123Z");
    public static final String MODEL = "claude-sonnet-4-5";

    private final String runId;
    private final String pipeline;
    private final List<RunEvent> events = new ArrayList<>();

    public SyntheticRun(String runId, String pipeline) {
        this.runId = runId;
        this.pipeline = pipeline;
    }

    public List<RunEvent> events() {
        return List.copyOf(events);
    }

    /** Time of the next event. */
    public Instant now() {
        return T0.plusSeconds(events.size());
    }

    /** Time of the event at {@code index}. */
    public static Instant at(int index) {
        return T0.plusSeconds(index);
    }

    public int size() {
        return events.size();
    }

    private Header run() {
        return Header.run(now(), runId, pipeline);
    }

    private Header box(String box) {
        return Header.box(now(), runId, pipeline, box);
    }

    private static Usage usage(long in, long out, double cost, int tools, List<String> toolsUsed) {
        return new Usage(new Usage.Tokens(in, out, 0, 0), cost, 0, tools, toolsUsed, MODEL, false, 0);
    }

    private SyntheticRun add(RunEvent e) {
        events.add(e);
        return this;
    }

    public SyntheticRun runStarted(String... stages) {
        return add(new RunStarted(run(), List.of(stages)));
    }

    public SyntheticRun runCompleted(long in, long out, double cost) {
        return add(new RunCompleted(run(), 1000, usage(in, out, cost, 0, List.of())));
    }

    public SyntheticRun runFailed(String error, Failure failure) {
        return add(new RunFailed(run(), 1000, Usage.NONE, error, failure));
    }

    public SyntheticRun stageStarted(String box) {
        return add(new StageStarted(box(box), 0));
    }

    public SyntheticRun boxBooting(String box, String backend, String accel) {
        return add(new BoxBooting(box(box), backend, accel));
    }

    public SyntheticRun boxReady(String box, String backend, String accel) {
        return add(new BoxReady(box(box), backend, accel, 150, "6.12"));
    }

    public SyntheticRun boxReady(String box, String backend, String accel, boolean restored) {
        return add(new BoxReady(box(box), backend, accel, 150, "6.12", restored));
    }

    public SyntheticRun boxStopped(String box, String backend, String accel) {
        return add(new BoxStopped(box(box), backend, accel, "exited"));
    }

    public SyntheticRun agentStarted(String box) {
        return agentStarted(box, "claude", "anthropic");
    }

    public SyntheticRun agentStarted(String box, String agent, String provider) {
        return add(new AgentStarted(box(box), agent, provider, MODEL));
    }

    public SyntheticRun toolCall(String box, String tool, String id, String input) {
        return toolCall(box, tool, id, input, null);
    }

    public SyntheticRun toolCall(String box, String tool, String id, String input, String parentId) {
        boolean cut = input.length() > 2000;
        return add(new AgentToolCall(box(box), tool, id, cut ? input.substring(0, 2000) : input, cut, parentId));
    }

    public SyntheticRun toolResult(String box, String tool, String id, String output, boolean isError) {
        boolean cut = output.length() > 2000;
        return add(new AgentToolResult(
                box(box), tool, id, isError, 1000, cut ? output.substring(0, 2000) : output, cut, null));
    }

    public SyntheticRun toolNotRun(String box, String tool, String id, String reason) {
        return add(new AgentToolNotRun(box(box), tool, id, reason, null));
    }

    public SyntheticRun permissionDenied(String box, String tool, String id, String reason) {
        return add(new AgentPermissionDenied(box(box), tool, id, reason));
    }

    public SyntheticRun retry(String box, int attempt, int max, Integer status, long delayMs) {
        return add(new AgentRetry(box(box), attempt, max, status, delayMs, "server_error"));
    }

    public SyntheticRun subagentStarted(String box, String taskId, String toolUseId) {
        return add(new AgentSubagentStarted(box(box), taskId, toolUseId, "List files", "general-purpose"));
    }

    public SyntheticRun subagentCompleted(String box, String taskId, String toolUseId, String status) {
        return add(new AgentSubagentCompleted(box(box), taskId, toolUseId, status, 15, 1, 337));
    }

    /** An agent result with a failure (null: success). */
    public SyntheticRun agentResult(String box, Usage usage, Failure failure) {
        return add(new AgentResult(box(box), "claude", "anthropic", "session-" + box, usage, 2500, 2000, failure));
    }

    public SyntheticRun agentResult(
            String box, long in, long out, double cost, List<String> toolsUsed, int toolCalls, boolean isError) {
        return add(new AgentResult(
                box(box),
                "claude",
                "anthropic",
                "session-" + box,
                new Usage(new Usage.Tokens(in, out, 7, 3), cost, 4, toolCalls, toolsUsed, MODEL, false, 0),
                2500,
                2000,
                isError ? new Failure.ApiError("agent failed", 400, false) : null));
    }

    public SyntheticRun stageCompleted(
            String box, long in, long out, double cost, int tools, String backend, String accel) {
        return add(new StageCompleted(box(box), 4000, usage(in, out, cost, tools, List.of()), backend, accel));
    }

    public SyntheticRun stageFailed(String box, Failure failure, String backend, String accel) {
        return add(new StageFailed(box(box), 3000, usage(10, 20, 0.5, 1, List.of()), backend, accel, failure));
    }

    public SyntheticRun telemetry(
            String box, String vmCid, double cpuPercent, long used, long total, ProcessSample... processes) {
        return add(new GuestTelemetry(box(box), vmCid, cpuPercent, used, total, 2, 42, List.of(processes)));
    }

    /** A complete one-stage run: vm box with two tool calls (Bash, Read). 14 events. */
    public static SyntheticRun sequentialTwoTools(String runId, String pipeline, String box) {
        return new SyntheticRun(runId, pipeline)
                .runStarted(box) // 0
                .stageStarted(box) // 1
                .boxBooting(box, "vm", "kvm") // 2
                .boxReady(box, "vm", "kvm") // 3
                .agentStarted(box) // 4
                .toolCall(box, "Bash", "toolu_1", "{\"command\":\"ls\"}") // 5
                .toolResult(box, "Bash", "toolu_1", "a.txt", false) // 6
                .toolCall(box, "Read", "toolu_2", "{\"file_path\":\"a.txt\"}") // 7
                .toolResult(box, "Read", "toolu_2", "hello", false) // 8
                .telemetry(
                        box,
                        "3",
                        25.0,
                        100_000_000L,
                        512_000_000L,
                        new ProcessSample(42, "claude", 90_000_000L, 1234)) // 9
                .agentResult(box, 1200, 340, 0.0123, List.of("Bash", "Read"), 2, false) // 10
                .boxStopped(box, "vm", "kvm") // 11
                .stageCompleted(box, 1200, 340, 0.0123, 2, "vm", "kvm") // 12
                .runCompleted(1200, 340, 0.0123); // 13
    }
}
