package io.voidbox.bench.otel;

import io.voidbox.Usage;
import io.voidbox.event.RunEvent;
import io.voidbox.event.RunEvent.AgentResult;
import io.voidbox.event.RunEvent.AgentStarted;
import io.voidbox.event.RunEvent.AgentToolCall;
import io.voidbox.event.RunEvent.AgentToolResult;
import io.voidbox.event.RunEvent.GuestTelemetry;
import io.voidbox.event.RunEvent.Header;
import io.voidbox.event.RunEvent.ProcessSample;
import io.voidbox.event.RunEvent.RunCompleted;
import io.voidbox.event.RunEvent.RunStarted;
import io.voidbox.event.RunEvent.StageCompleted;
import io.voidbox.event.RunEvent.StageStarted;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The event sequence of one realistic stage, shaped like what a local-backend Claude Code stage
 * publishes: the stage and agent start, ten tool call/result pairs with inputs and outputs of
 * typical sizes, guest telemetry samples in between, the agent result and the stage end. Wrapped
 * in {@code run.started}/{@code run.completed} so the instrumentation's state is back to empty
 * after each sequence and the list can be replayed any number of times.
 */
final class StageEvents {
    static final String RUN_ID = "0123456789abcdef";
    static final String PIPELINE = "bench";
    static final String BOX = "analyze";
    static final int TOOL_PAIRS = 10;
    static final int TELEMETRY_SAMPLES = 5;
    /** Spans one replay produces: pipeline, stage, claude.exec and one per tool call. */
    static final int SPANS = 3 + TOOL_PAIRS;
    /** Events in one replay; keep in step with {@link #sequence()}. */
    static final int EVENTS = 2 + 2 + 2 * TOOL_PAIRS + 2 + TELEMETRY_SAMPLES;

    private static final String[] TOOLS = {
        "Bash", "Read", "Grep", "Write", "Bash", "Edit", "Read", "Bash", "Glob", "Write"
    };

    private StageEvents() {}

    static List<RunEvent> sequence() {
        Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
        List<RunEvent> out = new ArrayList<>(EVENTS);
        long ms = 0;
        out.add(new RunStarted(Header.run(t0, RUN_ID, PIPELINE), List.of(BOX)));
        out.add(new StageStarted(box(t0.plusMillis(ms += 5)), 0));
        out.add(new AgentStarted(box(t0.plusMillis(ms += 40)), "claude", "anthropic", "claude-sonnet-4-5"));
        int samples = 0;
        for (int i = 0; i < TOOL_PAIRS; i++) {
            String tool = TOOLS[i];
            String id = "toolu_01Bench" + i;
            out.add(new AgentToolCall(box(t0.plusMillis(ms += 700)), tool, id, input(tool, i), false, null));
            out.add(new AgentToolResult(
                    box(t0.plusMillis(ms += 150)), tool, id, false, 150, output(tool, i), false, null));
            if (i % 2 == 1 && samples < TELEMETRY_SAMPLES) {
                out.add(telemetry(t0.plusMillis(ms += 1), samples++));
            }
        }
        Usage usage = new Usage(
                new Usage.Tokens(4210, 1380, 12000, 2400),
                0.0421,
                11,
                TOOL_PAIRS,
                List.of("Bash", "Read", "Grep", "Write", "Edit", "Glob"),
                "claude-sonnet-4-5",
                false,
                0);
        out.add(new AgentResult(
                box(t0.plusMillis(ms += 900)),
                "claude",
                "anthropic",
                "3f0c2a8e-5b1d-4c7e-9a26-bench",
                usage,
                ms,
                ms - 2500,
                null));
        out.add(new StageCompleted(box(t0.plusMillis(ms += 30)), ms, usage, "local", null));
        out.add(new RunCompleted(Header.run(t0.plusMillis(ms + 5), RUN_ID, PIPELINE), ms + 5, usage));
        if (out.size() != EVENTS) {
            throw new IllegalStateException("sequence has " + out.size() + " events, EVENTS says " + EVENTS);
        }
        return List.copyOf(out);
    }

    private static Header box(Instant ts) {
        return Header.box(ts, RUN_ID, PIPELINE, BOX);
    }

    private static String input(String tool, int i) {
        return switch (tool) {
            case "Bash" ->
                "{\"command\":\"uname -a && cat /proc/1/comm && ls -la /etc/systemd/system | head -" + (20 + i)
                        + "\",\"description\":\"Record kernel and init\"}";
            case "Write" ->
                "{\"file_path\":\"/workspace/output.json\",\"content\":\"" + "{\\\"service\\\":\\\"x\\\"},".repeat(60)
                        + "\"}";
            case "Edit" ->
                "{\"file_path\":\"/workspace/report.md\",\"old_string\":\"TODO\",\"new_string\":\""
                        + "finding ".repeat(20) + "\"}";
            default -> "{\"pattern\":\"**/*.json\",\"path\":\"/workspace\",\"file_path\":\"/workspace/input.json\"}";
        };
    }

    private static String output(String tool, int i) {
        return switch (tool) {
            case "Write", "Edit" -> "File written successfully.";
            // long outputs are cut to 2000 characters by the instrumentation, as in real runs
            case "Read" ->
                "     1\t{\"services\": [\n" + "     2\t  {\"name\": \"sshd\", \"state\": \"running\"},\n".repeat(80);
            default ->
                ("Linux box 6.1.0 #1 SMP x86_64 GNU/Linux\ninit\n"
                                + "-rw-r--r-- 1 root root  512 Jan  1 00:00 unit.service\n".repeat(12))
                        + i;
        };
    }

    private static GuestTelemetry telemetry(Instant ts, int n) {
        List<ProcessSample> procs = List.of(
                new ProcessSample(1, "init", 4_000_000, 120 + n),
                new ProcessSample(42, "claude", 310_000_000L + n * 1_000_000L, 9000 + 200L * n),
                new ProcessSample(77, "bash", 3_500_000, 10 + n));
        return new GuestTelemetry(
                box(ts), null, 35.0 + n, 420_000_000L + n * 1_000_000L, 1_073_741_824L, 2, 40 + n, procs);
    }
}
