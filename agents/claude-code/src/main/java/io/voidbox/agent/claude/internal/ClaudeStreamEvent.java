package io.voidbox.agent.claude.internal;

import io.voidbox.Usage;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@link StreamJsonParser} makes of Claude Code's {@code --output-format stream-json} output,
 * as one closed family so that consumers (run events, live tool spans, the run summary) switch over
 * it exhaustively. Events are emitted as soon as the line that carries them is read, which is what
 * lets tool spans start at the {@code tool_use} and end at the {@code tool_result}.
 *
 * <p>Every event names the 1-based {@link #line()} of the stream it came from (for events produced
 * by {@link StreamJsonParser#finish()}, the last line read) and the {@link #parentToolUseId()}: the
 * id of the {@code Task}/{@code Agent} tool call whose subagent produced it, {@code null} at top
 * level.
 */
public sealed interface ClaudeStreamEvent {

    long line();

    String parentToolUseId();

    /** {@code system}/{@code init}: the CLI is configured and about to call the model. */
    record Init(
            long line,
            String parentToolUseId,
            String sessionId,
            String model,
            String cwd,
            List<String> tools,
            String claudeCodeVersion,
            String permissionMode)
            implements ClaudeStreamEvent {
        public Init {
            tools = List.copyOf(tools);
        }
    }

    /**
     * A {@code text} block of an assistant message. {@code error} is set when the CLI itself
     * synthesized the message to report a failure (e.g. {@code "unknown"} for an API error, with
     * {@code model} {@code "<synthetic>"}); it is {@code null} for model output.
     */
    record AssistantText(
            long line,
            String parentToolUseId,
            String messageId,
            String model,
            String text,
            String error,
            Integer apiErrorStatus)
            implements ClaudeStreamEvent {}

    /**
     * The {@code usage} of an assistant message, once per {@code message.id} (the CLI repeats it on
     * every line of the message). What the model reported when the message started: the output
     * count is the streaming start value, so sums of these are a lower bound for output tokens.
     */
    record MessageUsage(long line, String parentToolUseId, String messageId, String model, Usage.Tokens tokens)
            implements ClaudeStreamEvent {}

    /**
     * {@code system}/{@code api_retry}: a model API call failed and the CLI retries it.
     *
     * @param errorStatus the HTTP status, null when the connection or stream broke
     * @param error       the CLI's name for the error ({@code server_error}, {@code rate_limit}, ...)
     */
    record ApiRetry(
            long line,
            String parentToolUseId,
            int attempt,
            int maxRetries,
            Integer errorStatus,
            long delayMs,
            String error)
            implements ClaudeStreamEvent {}

    /**
     * A tool call refused by the CLI's permission checks: a {@code system}/{@code permission_denied}
     * line (newer CLIs, as it happens), or an entry of the result's {@code permission_denials} not
     * reported before. Once per {@code tool_use_id}.
     */
    record PermissionDenied(long line, String parentToolUseId, String toolName, String toolUseId, String message)
            implements ClaudeStreamEvent {}

    /**
     * {@code system}/{@code task_started}: a subagent (task) started, launched by the tool call
     * {@code toolUseId}. {@code background} is the line's {@code is_backgrounded} (2.1.3xx); null
     * when the CLI does not say (2.1.197: the launching call's {@code run_in_background} does).
     */
    record TaskStarted(
            long line,
            String parentToolUseId,
            String taskId,
            String toolUseId,
            String description,
            String subagentType,
            Boolean background)
            implements ClaudeStreamEvent {}

    /**
     * {@code system}/{@code task_notification}: a subagent ended.
     *
     * @param status {@code completed}, {@code failed}, {@code killed}, ...
     */
    record TaskNotification(
            long line, String parentToolUseId, String taskId, String toolUseId, String status, TaskUsage usage)
            implements ClaudeStreamEvent {}

    /** The figures of a {@link TaskNotification}, as the CLI reports them. */
    record TaskUsage(long totalTokens, int toolUses, long durationMs) {}

    /** A {@code thinking} block of an assistant message (extended thinking). */
    record Thinking(long line, String parentToolUseId, String messageId, String text) implements ClaudeStreamEvent {}

    /**
     * A {@code tool_use} block: the model asked for a tool. {@code inputJson} is the block's
     * {@code input} exactly as it appeared on the line (compact JSON, usually an object).
     */
    record ToolUse(
            long line, String parentToolUseId, String messageId, String toolUseId, String toolName, String inputJson)
            implements ClaudeStreamEvent {}

    /**
     * A {@code tool_result} block of a user message, matched to its {@link ToolUse}.
     * {@code content} is the result text (a list of content blocks is joined with newlines, non-text
     * blocks appear as {@code [image]} etc.). {@code durationNanos} is the time between reading the
     * {@code tool_use} line and the {@code tool_result} line on the parser's clock. When no matching
     * {@code tool_use} was seen, {@code toolName} is {@code null} and {@code durationNanos} is
     * {@code -1} (and a {@link ParseWarning.Kind#ORPHAN_TOOL_RESULT} warning precedes it).
     */
    record ToolResult(
            long line,
            String parentToolUseId,
            String toolUseId,
            String toolName,
            boolean isError,
            String content,
            long durationNanos)
            implements ClaudeStreamEvent {

        /** Duration in whole milliseconds, {@code -1} when unknown. */
        public long durationMs() {
            return durationNanos < 0 ? -1 : durationNanos / 1_000_000;
        }
    }

    /**
     * Reported by {@link StreamJsonParser#finish()} for a {@code tool_use} that never got its
     * {@code tool_result} (the CLI was killed, timed out or crashed mid-tool). {@code line} is the
     * line of the {@code tool_use}; {@code elapsedNanos} runs until {@code finish()}.
     */
    record ToolUnfinished(long line, String parentToolUseId, String toolUseId, String toolName, long elapsedNanos)
            implements ClaudeStreamEvent {}

    /**
     * The {@code result} line that ends a run. {@code tokens} is the sum over {@code modelUsage}
     * when that object is non-empty, otherwise {@code usage}; {@code costUsd} is
     * {@code total_cost_usd} when present, otherwise the {@code modelUsage} cost sum. Both raw
     * sources are kept. {@code isError} is {@code is_error} (or an {@code error_*} subtype), and then
     * {@code errorMessage} says why (the result text such as {@code "API Error: 400 ..."}, the
     * {@code errors} list, or the subtype); it is {@code null} on success. {@code apiErrorStatus} is
     * the HTTP status of a failed API call, or {@code null}. {@code modelUsage} keeps the line's order.
     * Newer CLIs print one result per answer of the main agent (background subagents finishing
     * after the main turn cause more): {@code increment} says which one it is and what was used
     * since the previous one.
     */
    record Result(
            long line,
            String parentToolUseId,
            String sessionId,
            String resultText,
            Ending ending,
            Accounting accounting,
            Increment increment)
            implements ClaudeStreamEvent {

        public String subtype() {
            return ending.subtype();
        }

        public boolean isError() {
            return ending.isError();
        }

        public String errorMessage() {
            return ending.errorMessage();
        }

        public Integer apiErrorStatus() {
            return ending.apiErrorStatus();
        }

        public String terminalReason() {
            return ending.terminalReason();
        }

        public int numTurns() {
            return accounting.numTurns();
        }

        public long durationMs() {
            return accounting.durationMs();
        }

        public long durationApiMs() {
            return accounting.durationApiMs();
        }

        public double costUsd() {
            return accounting.costUsd();
        }

        public Usage.Tokens tokens() {
            return accounting.tokens();
        }

        public Usage.Tokens usage() {
            return accounting.usage();
        }

        public Map<String, ModelUsage> modelUsage() {
            return accounting.modelUsage();
        }
    }

    /**
     * How a run ended, as its {@code result} line says.
     *
     * @param terminalReason newer CLIs' reason ({@code completed}, {@code max_turns},
     *                       {@code budget_exhausted}, {@code api_error}, ...); null when absent
     */
    record Ending(
            String subtype, boolean isError, String errorMessage, Integer apiErrorStatus, String terminalReason) {}

    /**
     * Where a result line sits among several: {@code result_index} (0-based) and
     * {@code model_usage_since_last_result} (per model, what was used since the previous result
     * line). Both null on CLIs that print a single result.
     */
    record Increment(Integer resultIndex, Map<String, ModelUsage> sinceLastResult) {
        public static final Increment NONE = new Increment(null, null);

        public Increment {
            sinceLastResult =
                    sinceLastResult == null ? null : Collections.unmodifiableMap(new LinkedHashMap<>(sinceLastResult));
        }
    }

    /** The figures of a {@code result} line; {@code tokens} and {@code costUsd} as described on {@link Result}. */
    record Accounting(
            int numTurns,
            long durationMs,
            long durationApiMs,
            double costUsd,
            Usage.Tokens tokens,
            Usage.Tokens usage,
            Map<String, ModelUsage> modelUsage) {
        public Accounting {
            modelUsage = Collections.unmodifiableMap(new LinkedHashMap<>(modelUsage));
        }
    }

    /**
     * Something in the stream the parser could not use. Reported once per offending line, which is
     * then skipped; parsing goes on. {@code excerpt} is the start of the line (at most 80 chars,
     * control characters replaced), empty for {@link Kind#MISSING_RESULT}.
     */
    record ParseWarning(long line, String parentToolUseId, Kind kind, String message, String excerpt)
            implements ClaudeStreamEvent {

        public enum Kind {
            /** Not JSON, truncated JSON, or trailing content after the object. */
            MALFORMED_JSON,
            /** Valid JSON, but not an object with a string {@code type}, or a known type with fields of the wrong shape. */
            UNEXPECTED_SHAPE,
            /** A {@code tool_result} whose {@code tool_use_id} matches no earlier {@code tool_use}. */
            ORPHAN_TOOL_RESULT,
            /** {@link StreamJsonParser#finish()} found no {@code result} line. */
            MISSING_RESULT
        }
    }
}
