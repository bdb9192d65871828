package io.voidbox;

import java.util.List;

/**
 * Why a stage failed, as a closed family: code switches over kinds instead of comparing message
 * text, and every kind has one {@link #type() name} shared by events ({@code error_type}), spans
 * ({@code error.type}), metrics, the summary table and this API. A kind's other components are its
 * details, flattened onto {@code stage.failed}/{@code run.failed} events in snake_case. Where each
 * kind comes from (which line, which field) is documented in {@code docs/failures.md}.
 */
public sealed interface Failure {
    /** The kind's stable name on the wire: one table, checked by the compiler to cover every kind. */
    default String type() {
        return switch (this) {
            case ApiError _ -> "api_error";
            case RateLimited _ -> "rate_limited";
            case AuthError _ -> "auth_error";
            case MaxTurns _ -> "max_turns";
            case BudgetExceeded _ -> "budget_exceeded";
            case PermissionDenied _ -> "permission_denied";
            case Timeout _ -> "timeout";
            case AgentCrashed _ -> "agent_crashed";
            case ExitCode _ -> "exit_code";
            case NoResult _ -> "no_result";
            case ResourceLimit _ -> "resource_limit";
            case OutputMissing _ -> "output_missing";
            case SandboxError _ -> "sandbox_error";
            case Cancelled _ -> "cancelled";
            case Internal _ -> "internal";
        };
    }

    /** What happened, for people. */
    String message();

    /**
     * The kind an HTTP error status of the model API stands for: 429 {@link RateLimited}, 401 and
     * 403 {@link AuthError}, any other {@link ApiError} (retryable as {@link ApiError#retryable}).
     */
    static Failure ofHttpStatus(String message, int httpStatus) {
        return switch (httpStatus) {
            case 429 -> new RateLimited(message, httpStatus);
            case 401, 403 -> new AuthError(message, httpStatus);
            default -> new ApiError(message, httpStatus, ApiError.retryable(httpStatus));
        };
    }

    // ---------------------------------------------------------------- the model API

    /**
     * The model API answered with an error, or the connection to it broke, and the agent gave up.
     *
     * @param httpStatus the HTTP status of the last failed call; null when none arrived (connection
     *                   cut, stream broken)
     * @param retryable  whether the same request may succeed later (5xx, 408, 409, no status)
     */
    record ApiError(String message, Integer httpStatus, boolean retryable) implements Failure {
        /** Whether a failed call with this status may succeed when retried (as the Anthropic SDK retries). */
        public static boolean retryable(Integer httpStatus) {
            return httpStatus == null || httpStatus == 408 || httpStatus == 409 || httpStatus >= 500;
        }
    }

    /** The model API refused the requests with 429 (rate or quota limit) until the agent gave up. */
    record RateLimited(String message, int httpStatus) implements Failure {}

    /** The model API refused the credentials: 401 (bad or missing key) or 403 (no permission). */
    record AuthError(String message, int httpStatus) implements Failure {}

    // ---------------------------------------------------------------- the agent's limits and policy

    /**
     * The agent stopped at its turn limit ({@code agent.max_turns}).
     *
     * @param maxTurns the limit the agent was given; null when unknown
     */
    record MaxTurns(String message, Integer maxTurns) implements Failure {}

    /**
     * The agent stopped at its budget ({@code agent.max_budget_usd}); the cost it reached is the
     * stage's {@code cost_usd}.
     *
     * @param maxBudgetUsd the budget the agent was given; null when unknown
     */
    record BudgetExceeded(String message, Double maxBudgetUsd) implements Failure {}

    /**
     * The agent's own permission checks refused tool calls that the box's policy did not mean to
     * refuse, so the work it reports may not have been done.
     *
     * @param deniedTools the refused tools, in order, one entry per refused call
     */
    record PermissionDenied(String message, List<String> deniedTools) implements Failure {
        public PermissionDenied {
            deniedTools = List.copyOf(deniedTools);
        }
    }

    // ---------------------------------------------------------------- the agent process

    /**
     * The stage ran past its deadline; its process tree was killed. The usage of the stage is what
     * the agent had reported by then (estimated, see {@link Usage#estimated()}).
     *
     * @param timeoutMs the deadline
     */
    record Timeout(String message, long timeoutMs) implements Failure {}

    /**
     * The agent process died or aborted without finishing: a non-zero exit without a final result,
     * a fatal signal, or a result saying it failed during execution.
     *
     * @param exitCode   the process exit code
     * @param signal     the fatal signal ({@code SIGSEGV}, ...) when the exit code says so; null otherwise
     * @param stderrTail the last lines (at most {@value #STDERR_TAIL_LINES}) the agent wrote to stderr
     */
    record AgentCrashed(String message, int exitCode, String signal, List<String> stderrTail) implements Failure {
        /** How many stderr lines a crash keeps. */
        public static final int STDERR_TAIL_LINES = 20;

        public AgentCrashed {
            stderrTail = List.copyOf(stderrTail);
        }

        /**
         * A crash of {@code process}: the signal is read off a shell-style exit code ({@code 128+n}),
         * the message names it and the last stderr line.
         */
        public static AgentCrashed of(String message, int exitCode, List<String> stderrTail) {
            String signal = signal(exitCode);
            String last = stderrTail.isEmpty() ? "" : " (stderr: " + stderrTail.getLast() + ")";
            return new AgentCrashed(
                    message + (signal == null ? "" : ", killed by " + signal) + last, exitCode, signal, stderrTail);
        }

        /** The fatal signal a shell-style exit code {@code 128+n} stands for; null for a plain exit. */
        public static String signal(int exitCode) {
            return switch (exitCode) {
                case 129 -> "SIGHUP";
                case 130 -> "SIGINT";
                case 131 -> "SIGQUIT";
                case 132 -> "SIGILL";
                case 134 -> "SIGABRT";
                case 135 -> "SIGBUS";
                case 136 -> "SIGFPE";
                case 137 -> "SIGKILL";
                case 139 -> "SIGSEGV";
                case 141 -> "SIGPIPE";
                case 143 -> "SIGTERM";
                default -> null;
            };
        }
    }

    /**
     * A workflow step's program exited with a non-zero code (programs, unlike agents, report
     * failure by their exit code alone).
     *
     * @param exitCode   the program's exit code
     * @param stderrTail the last lines the program wrote to stderr
     */
    record ExitCode(String message, int exitCode, List<String> stderrTail) implements Failure {
        public ExitCode {
            stderrTail = List.copyOf(stderrTail);
        }
    }

    /**
     * The agent exited successfully but never reported a final result.
     *
     * @param exitCode   the process exit code (0)
     * @param stderrTail the last lines the agent wrote to stderr
     */
    record NoResult(String message, int exitCode, List<String> stderrTail) implements Failure {
        public NoResult {
            stderrTail = List.copyOf(stderrTail);
        }
    }

    /**
     * The agent was stopped by a resource limit of its box: killed by {@code SIGKILL} (the kernel's
     * out-of-memory killer), or it reported running out of memory or disk.
     *
     * @param resource {@code memory} or {@code disk}
     * @param exitCode the process exit code
     */
    record ResourceLimit(String message, String resource, int exitCode) implements Failure {}

    // ---------------------------------------------------------------- the stage

    /**
     * The agent reported success but never wrote the box's declared output file.
     *
     * @param outputFile the declared file, relative to the workspace
     */
    record OutputMissing(String message, String outputFile) implements Failure {}

    /** The sandbox could not be started or failed under the agent. */
    record SandboxError(String message) implements Failure {}

    /** Something else failed first (another fan-out branch, another workflow step), so this one was stopped. */
    record Cancelled(String message) implements Failure {
        /** Cancelled because another fan-out branch failed. */
        public Cancelled() {
            this("cancelled because another fan-out branch failed");
        }
    }

    /**
     * An unexpected exception in the runtime itself (a bug, or bad input found late).
     *
     * @param exception the exception's class name
     */
    record Internal(String exception, String message) implements Failure {
        public static Internal of(Throwable t) {
            return new Internal(t.getClass().getSimpleName(), t.getClass().getSimpleName() + ": " + t.getMessage());
        }
    }
}
