package io.voidbox.cli;

import io.voidbox.PipelineResult;
import io.voidbox.StageResult;
import io.voidbox.Usage;
import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;

/** The table printed at the end of a run: one row per stage, then totals. */
final class SummaryTable {
    private SummaryTable() {}

    static void print(PipelineResult r, PrintStream out) {
        print(r, Map.of(), out);
    }

    /** With each box's wait for its slot ({@code queued_ms} of its {@code stage.started}) in a WAIT column. */
    static void print(PipelineResult r, Map<String, Long> queuedMs, PrintStream out) {
        String fmt = "%-20s %-8s %-10s %9s %7s %10s %10s %10s %6s%n";
        out.println();
        out.printf(
                Locale.ROOT,
                fmt,
                "STAGE",
                "STATUS",
                "BACKEND",
                "DURATION",
                "WAIT",
                "TOKENS IN",
                "TOKENS OUT",
                "COST USD",
                "TOOLS");
        for (StageResult s : r.stages()) {
            out.printf(
                    Locale.ROOT,
                    fmt,
                    s.box(),
                    s.success() ? "ok" : "FAILED",
                    s.backend() + s.accel().map(a -> "/" + a).orElse(""),
                    ConsoleReporter.secs(s.duration().toMillis()),
                    ConsoleReporter.secs(queuedMs.getOrDefault(s.box(), 0L)),
                    s.usage().inputTokens(),
                    s.usage().outputTokens(),
                    ConsoleReporter.money(s.usage().costUsd()),
                    s.usage().toolCalls());
        }
        Usage total = r.usage();
        out.printf(
                Locale.ROOT,
                fmt,
                "TOTAL",
                r.success() ? "ok" : "FAILED",
                "",
                ConsoleReporter.secs(r.duration().toMillis()),
                "",
                total.inputTokens(),
                total.outputTokens(),
                ConsoleReporter.money(total.costUsd()),
                total.toolCalls());
        r.error().ifPresent(e -> out.println("error: " + e));
    }
}
