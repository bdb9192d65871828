package io.voidbox.cli;

import io.voidbox.event.RunEvent;
import io.voidbox.event.RunEventListener;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The one writer of human output during a run (stderr): every box line as {@code [vm:NAME] ...},
 * stage transitions, and on a terminal a live block with one line per stage (state, elapsed,
 * tool calls, tokens, cost) that is redrawn below the log lines.
 */
final class ConsoleReporter implements RunEventListener {
    private final PrintStream out;
    private final boolean tty;
    private final boolean verbose;
    private final Map<String, Row> rows = new LinkedHashMap<>();
    private int drawnLines;
    /** A workflow's stages are steps: programs, without tokens or tools. */
    private boolean workflow;

    private Thread ticker;

    ConsoleReporter(PrintStream out, boolean tty, boolean verbose) {
        this.out = out;
        this.tty = tty;
        this.verbose = verbose;
    }

    private static final class Row {
        final String box;
        String state = "pending";
        long startMs;
        long endMs;
        long queuedMs;
        int tools;
        long in;
        long out;
        double cost;

        Row(String box) {
            this.box = box;
        }
    }

    @Override
    public synchronized void onEvent(RunEvent e) {
        switch (e) {
            case RunEvent.RunStarted s -> {
                s.stages().forEach(b -> rows.put(b, new Row(b)));
                if (tty && ticker == null)
                    ticker = Thread.ofVirtual().name("progress").start(this::tick);
                workflow = s.kind() == RunEvent.RunKind.WORKFLOW;
                print("voidbox: run " + s.runId() + " of " + s.kind().id() + " " + s.pipeline() + " ("
                        + s.stages().size() + (workflow ? " steps)" : " boxes)"));
            }
            case RunEvent.StageStarted s -> {
                Row r = row(s.box());
                r.state = "running";
                r.startMs = s.ts().toEpochMilli();
                r.queuedMs = s.queuedMs();
                if (!tty)
                    print("[vm:" + s.box() + "] stage started"
                            + (s.queuedMs() > 0 ? " (queued " + secs(s.queuedMs()) + ")" : ""));
            }
            case RunEvent.BoxReady b -> {
                // a workflow's shared box is not a row of its own: its steps are
                Row r = rows.get(b.box());
                if (r != null) r.state = "running";
            }
            case RunEvent.AgentToolCall t -> {
                row(t.box()).tools++;
                print("[vm:" + t.box() + "] tool " + t.tool() + " " + oneLine(t.input(), 120));
            }
            case RunEvent.AgentToolResult t ->
                print("[vm:" + t.box() + "] tool " + t.tool() + (t.isError() ? " FAILED" : " ok") + " in "
                        + t.durationMs() + " ms: " + oneLine(t.output(), 120));
            case RunEvent.AgentToolNotRun t ->
                print("[vm:" + t.box() + "] tool " + t.tool() + " not run (" + t.reason() + ")");
            // agent.permission_denied: the box's own WARNING log line says it already
            case RunEvent.AgentRetry a ->
                print("[vm:" + a.box() + "] model API "
                        + (a.httpStatus() == null ? "connection failed" : "answered " + a.httpStatus())
                        + (a.reason() == null ? "" : " (" + a.reason() + ")") + ": retry " + a.attempt() + "/"
                        + a.maxRetries() + " in " + secs(a.delayMs()));
            case RunEvent.AgentSubagentStarted a ->
                print("[vm:" + a.box() + "] subagent " + a.subagentType() + " started in the background: "
                        + oneLine(a.description(), 120));
            case RunEvent.AgentSubagentCompleted a ->
                print("[vm:" + a.box() + "] subagent " + a.status() + " after " + secs(a.durationMs()) + " ("
                        + a.toolUses() + " tool calls, " + a.totalTokens() + " tokens)");
            case RunEvent.AgentResult a -> {
                Row r = row(a.box());
                r.in = a.usage().inputTokens();
                r.out = a.usage().outputTokens();
                r.cost = a.usage().costUsd();
            }
            case RunEvent.StageCompleted s -> {
                Row r = row(s.box());
                r.state = "done";
                r.endMs = s.ts().toEpochMilli();
                if (!tty && workflow) print("[vm:" + s.box() + "] step completed in " + secs(s.durationMs()));
                else if (!tty)
                    print("[vm:" + s.box() + "] stage completed in " + secs(s.durationMs()) + " (tokens "
                            + s.usage().inputTokens() + "/" + s.usage().outputTokens() + ", $"
                            + money(s.usage().costUsd()) + ", "
                            + s.usage().toolCalls() + " tool calls)");
            }
            case RunEvent.StageFailed s -> {
                Row r = row(s.box());
                r.state = s.failure().type();
                r.endMs = s.ts().toEpochMilli();
                if (!tty)
                    print("[vm:" + s.box() + "] " + (workflow ? "step" : "stage") + " failed after "
                            + secs(s.durationMs()) + ": " + s.failure().type() + ": "
                            + s.failure().message());
            }
            case RunEvent.Log l -> {
                if (verbose || !l.stream().equals("stdout")) print("[vm:" + l.vm() + "] " + l.line());
            }
            case RunEvent.TelemetryWarning w -> print("[vm:" + w.vm() + "] WARNING: " + w.warning());
            default -> {}
        }
        if (tty) redraw();
    }

    /** How long each box waited for its slot ({@code queued_ms} of {@code stage.started}), by box. */
    synchronized Map<String, Long> queuedMs() {
        Map<String, Long> m = new LinkedHashMap<>();
        rows.values().forEach(r -> m.put(r.box, r.queuedMs));
        return m;
    }

    private Row row(String box) {
        return rows.computeIfAbsent(box, Row::new);
    }

    private void print(String line) {
        if (tty) clearBlock();
        out.println(line);
    }

    private void clearBlock() {
        for (int i = 0; i < drawnLines; i++) out.print("\033[1A\033[2K");
        drawnLines = 0;
    }

    private void redraw() {
        clearBlock();
        long now = System.currentTimeMillis();
        for (Row r : rows.values()) {
            long elapsed = r.startMs == 0 ? 0 : (r.endMs == 0 ? now : r.endMs) - r.startMs;
            out.printf(
                    Locale.ROOT,
                    "  %-17s %-20s %7s  tools %-3d tokens %d/%d  $%s%n",
                    r.state,
                    r.box,
                    secs(elapsed),
                    r.tools,
                    r.in,
                    r.out,
                    money(r.cost));
            drawnLines++;
        }
        out.flush();
    }

    /** Keeps elapsed times moving on a terminal between events. */
    private void tick() {
        try {
            while (true) {
                Thread.sleep(1000);
                synchronized (this) {
                    redraw();
                }
            }
        } catch (InterruptedException e) {
            // run over
        }
    }

    @Override
    public synchronized void onClose() {
        if (ticker != null) ticker.interrupt();
        if (tty) redraw();
        drawnLines = 0;
        out.flush();
    }

    static String oneLine(String s, int max) {
        String one = s == null ? "" : s.replaceAll("\\s+", " ").strip();
        return one.length() <= max ? one : one.substring(0, max - 3) + "...";
    }

    static String secs(long ms) {
        return String.format(Locale.ROOT, "%.1fs", ms / 1000.0);
    }

    static String money(double usd) {
        return String.format(Locale.ROOT, "%.4f", usd);
    }
}
