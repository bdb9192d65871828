package io.voidbox.agent.claude.internal;

import io.voidbox.AgentOptions;
import io.voidbox.Failure;
import io.voidbox.spi.AgentInvocation;
import io.voidbox.spi.ExecResult;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Names the failure of one Claude Code run from what the process did ({@link ExecResult}), what
 * its stream said ({@link ClaudeRunSummary}) and what it wrote to stderr. The sources of every kind
 * (which line, which field) are listed in {@code docs/failures.md}; the order of the checks below is
 * the order of precedence there.
 */
final class ClaudeFailures {
    private ClaudeFailures() {}

    static Optional<Failure> of(ExecResult r, ClaudeRunSummary s, AgentInvocation inv, List<String> stderrTail) {
        if (r.timedOut()) {
            return Optional.of(new Failure.Timeout(
                    "claude timed out after " + inv.timeout().toSeconds() + " s; its process tree was killed",
                    inv.timeout().toMillis()));
        }
        if (s.hasResult() && s.isError()) {
            return Optional.of(fromResult(r, s, inv, stderrTail));
        }
        if (!s.hasResult()) {
            return Optional.of(withoutResult(r, stderrTail));
        }
        if (r.exitCode() != 0) {
            return Optional.of(crashed(r, "claude reported success but exited with code " + r.exitCode(), stderrTail));
        }
        List<String> denied = s.counts().deniedTools();
        if (!denied.isEmpty() && !AgentFlags.policyExpectsDenials(inv.options())) {
            return Optional.of(new Failure.PermissionDenied(
                    "claude's permission checks refused " + denied.size() + " tool call"
                            + (denied.size() == 1 ? "" : "s") + " (" + String.join(", ", denied)
                            + ") although the box sets no tool policy: allow them with agent.allowed_tools,"
                            + " or run the box in a VM",
                    denied));
        }
        return Optional.empty();
    }

    /** The agent's final result says it failed. */
    private static Failure fromResult(ExecResult r, ClaudeRunSummary s, AgentInvocation inv, List<String> stderr) {
        ClaudeRunSummary.Ending e = s.ending();
        String subtype = e.subtype() == null ? "" : e.subtype();
        String reason = e.terminalReason() == null ? "" : e.terminalReason();
        String message = "claude: " + s.errorMessage();
        AgentOptions.Limits limits = inv.options().limits();
        if (subtype.equals("error_max_turns") || reason.equals("max_turns")) {
            return new Failure.MaxTurns(
                    message, limits.maxTurns().isPresent() ? limits.maxTurns().getAsInt() : null);
        }
        if (subtype.equals("error_max_budget_usd") || reason.equals("budget_exhausted")) {
            return new Failure.BudgetExceeded(
                    message,
                    limits.maxBudgetUsd().isPresent() ? limits.maxBudgetUsd().getAsDouble() : null);
        }
        Integer status = e.apiErrorStatus();
        String kind = e.apiErrorKind() == null ? "" : e.apiErrorKind();
        if (status != null) return Failure.ofHttpStatus(message, status);
        if (kind.equals("rate_limit")) return new Failure.RateLimited(message, 429);
        if (kind.equals("authentication_failed")) return new Failure.AuthError(message, 401);
        if (!kind.isEmpty()) {
            // the CLI gave up on the API without a status: the connection or the stream broke
            return new Failure.ApiError(message, null, !kind.equals("invalid_request"));
        }
        return crashed(r, message, stderr);
    }

    /** The process ended without a final result. */
    private static Failure withoutResult(ExecResult r, List<String> stderr) {
        if (r.exitCode() == 0) {
            return new Failure.NoResult("claude exited with code 0 without a result line", 0, stderr);
        }
        Exhaustion ran = exhausted(stderr);
        if (ran != null) {
            return new Failure.ResourceLimit(
                    "claude ran out of " + ran.resource() + " (exit code " + r.exitCode() + "): " + ran.line(),
                    ran.resource(),
                    r.exitCode());
        }
        if (r.exitCode() == 128 + 9) {
            return new Failure.ResourceLimit(
                    "claude was killed by SIGKILL (exit code 137), the signal of the kernel's out-of-memory"
                            + " killer, before it could report a result",
                    "memory",
                    r.exitCode());
        }
        return crashed(r, "claude exited with code " + r.exitCode() + " without a result line", stderr);
    }

    private static Failure.AgentCrashed crashed(ExecResult r, String message, List<String> stderr) {
        return Failure.AgentCrashed.of(message, r.exitCode(), stderr);
    }

    /** The resource the agent said it ran out of, and the stderr line that says so. */
    private record Exhaustion(String resource, String line) {}

    /** {@code memory} or {@code disk} when the agent's last stderr lines say it ran out of it. */
    private static Exhaustion exhausted(List<String> stderr) {
        for (String line : stderr.reversed()) {
            String l = line.toLowerCase(Locale.ROOT);
            if (l.contains("enospc") || l.contains("no space left on device")) return new Exhaustion("disk", line);
            if (l.contains("enomem") || l.contains("out of memory") || l.contains("cannot allocate memory"))
                return new Exhaustion("memory", line);
        }
        return null;
    }
}
