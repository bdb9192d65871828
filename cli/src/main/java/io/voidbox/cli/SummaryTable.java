package io.voidbox.cli;

import io.voidbox.Failure;
import io.voidbox.PipelineResult;
import io.voidbox.StageResult;
import io.voidbox.Usage;
import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;

/**
 * The table printed at the end of a run: one row per stage, then totals. A failed stage's status
 * is its failure kind (the {@code error_type} of its events); warnings below the table say where
 * the figures or the outcome deserve a second look (refused tool calls, estimated usage).
 */
final class SummaryTable {
    private SummaryTable() {}

    static void print(PipelineResult r, PrintStream out) {
        print(r, Map.of(), out);
    }

    /** With each box's wait for its slot ({@code queued_ms} of its {@code stage.started}) in a WAIT column. */
    static void print(PipelineResult r, Map<String, Long> queuedMs, PrintStream out) {
        String fmt = "%-20s %-17s %-10s %9s %7s %10s %10s %10s %6s%n";
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
                    s.failure().map(Failure::type).orElse("ok"),
                    s.backend() + s.accel().map(a -> "/" + a).orElse(""),
                    ConsoleReporter.secs(s.duration().toMillis()),
                    ConsoleReporter.secs(queuedMs.getOrDefault(s.box(), 0L)),
                    approxTokens(s.usage(), s.success()) + s.usage().inputTokens(),
                    approxTokens(s.usage(), s.success()) + s.usage().outputTokens(),
                    approx(s.usage()) + ConsoleReporter.money(s.usage().costUsd()),
                    s.usage().toolCalls());
        }
        Usage total = r.usage();
        out.printf(
                Locale.ROOT,
                fmt,
                "TOTAL",
                r.failure().map(Failure::type).orElse(r.success() ? "ok" : "failed"),
                "",
                ConsoleReporter.secs(r.duration().toMillis()),
                "",
                approxTokens(total, r.success()) + total.inputTokens(),
                approxTokens(total, r.success()) + total.outputTokens(),
                approx(total) + ConsoleReporter.money(total.costUsd()),
                total.toolCalls());
        for (StageResult s : r.stages()) {
            int denials = s.usage().permissionDenials();
            if (denials > 0)
                out.println("warning: " + s.box() + ": " + denials + " tool call" + (denials == 1 ? " was" : "s were")
                        + " refused by the agent's permission checks (agent.permission_denied events)");
            if (s.usage().estimated() && !s.success())
                out.println("warning: " + s.box() + ": tokens and cost (~) are estimated from the agent's messages:"
                        + " it never sent its final report");
            else if (s.usage().estimated())
                out.println("warning: " + s.box() + ": cost (~) is estimated from the price table (docs/pricing.md):"
                        + " the agent reports none");
        }
        r.error().ifPresent(e -> out.println("error: " + e));
    }

    private static String approx(Usage u) {
        return u.estimated() ? "~" : "";
    }

    /** Tokens are estimated only when the run ended before the agent's final report (Codex reports exact tokens, no cost). */
    private static String approxTokens(Usage u, boolean success) {
        return success ? "" : approx(u);
    }
}
