package io.voidbox.agent.claude.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.voidbox.Usage;
import io.voidbox.agent.claude.internal.ClaudeStreamEvent.ParseWarning;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Live parser for Claude Code's {@code claude -p ... --output-format stream-json --verbose} output.
 * The caller feeds stdout one line at a time as it arrives ({@link #accept(String)}) and the parser
 * hands typed {@link ClaudeStreamEvent}s to the sink immediately, so tool calls can be observed (and
 * traced) while the agent runs rather than reconstructed after it exits.
 *
 * <p>Behaviour worth knowing:
 * <ul>
 *   <li>Assistant messages arrive as several lines with the same {@code message.id}, one content block
 *       each; every event carries that id. A block repeated for the same message id (a tool_use id,
 *       or an identical text) is emitted once.</li>
 *   <li>{@code stream_event} lines ({@code --include-partial-messages}) are skipped: the complete
 *       {@code assistant} line that follows carries the same content. So are other lines of
 *       unknown {@code type} or {@code system} subtype; they are only counted
 *       ({@link #skippedLines()}), never warned about.</li>
 *   <li>A {@code tool_result} is matched to its {@code tool_use} by id; its duration is measured
 *       between the two lines on the injected nanosecond clock.</li>
 *   <li>A line that is not JSON, is truncated, or has an unusable shape produces exactly one
 *       {@link ParseWarning} naming the line number, and no other event; parsing continues.</li>
 *   <li>{@code system} lines other than {@code init} become {@link ClaudeStreamEvent.ApiRetry},
 *       {@link ClaudeStreamEvent.PermissionDenied}, {@link ClaudeStreamEvent.TaskStarted} and
 *       {@link ClaudeStreamEvent.TaskNotification}; a denial named again by the result's
 *       {@code permission_denials} is not repeated, one named only there is emitted before the
 *       {@link ClaudeStreamEvent.Result}.</li>
 *   <li>Each assistant message's {@code usage} is emitted once ({@link ClaudeStreamEvent.MessageUsage}),
 *       so a run that never prints a result can still be accounted.</li>
 *   <li>{@link #finish()} reports tool calls without a result ({@link ClaudeStreamEvent.ToolUnfinished})
 *       and a missing {@code result} line.</li>
 * </ul>
 * Not thread-safe: one owner, normally the thread reading the CLI's stdout. Exceptions thrown by the
 * sink propagate to the caller of {@code accept}/{@code finish}.
 */
public final class StreamJsonParser {

    private static final int EXCERPT_CHARS = 80;

    private record PendingTool(String toolName, long startNanos, long line, String parentToolUseId) {}

    private final Consumer<ClaudeStreamEvent> sink;
    private final LongSupplier nanoClock;
    private final LineDecoder decoder = new LineDecoder();
    private final Map<String, PendingTool> pendingTools = new LinkedHashMap<>();
    private final Set<String> seenToolUseIds = new HashSet<>();
    private final Set<String> seenMessageUsage = new HashSet<>();
    private final Set<String> deniedToolUseIds = new HashSet<>();
    private final List<String> currentMessageTexts = new ArrayList<>(4);
    private final List<ClaudeStreamEvent> lineEvents = new ArrayList<>(4);
    private String currentMessageId;
    private long lineNumber;
    private long skippedLines;
    private long warnings;
    private boolean sawResult;
    private boolean finished;

    /** A parser timing tool calls with {@link System#nanoTime()}. */
    public StreamJsonParser(Consumer<ClaudeStreamEvent> sink) {
        this(sink, System::nanoTime);
    }

    /**
     * @param sink      receives every event, on the caller's thread, in stream order
     * @param nanoClock monotonic nanoseconds, read when a line with tool_use or tool_result blocks
     *                  arrives (and at {@link #finish()}); inject a fake one in tests
     */
    public StreamJsonParser(Consumer<ClaudeStreamEvent> sink, LongSupplier nanoClock) {
        this.sink = Objects.requireNonNull(sink, "sink");
        this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
    }

    /**
     * Parses the next line of output (without its line terminator; a trailing {@code \r} is fine)
     * and emits its events. Blank lines are counted but otherwise ignored.
     *
     * @throws IllegalStateException after {@link #finish()}
     */
    public void accept(String line) {
        if (finished) {
            throw new IllegalStateException("accept() after finish()");
        }
        Objects.requireNonNull(line, "line");
        long n = ++lineNumber;
        if (line.isBlank()) {
            return;
        }
        DecodedLine d;
        try {
            d = decoder.decode(line);
        } catch (JsonProcessingException e) {
            warn(n, null, ParseWarning.Kind.MALFORMED_JSON, "malformed JSON: " + e.getOriginalMessage(), line);
            return;
        } catch (LineDecoder.ShapeException e) {
            warn(n, null, ParseWarning.Kind.UNEXPECTED_SHAPE, "unexpected shape: " + e.getMessage(), line);
            return;
        } catch (IOException e) {
            throw new UncheckedIOException("reading from a String cannot fail", e);
        }
        switch (d.kind) {
            case SYSTEM -> onSystem(n, d);
            case ASSISTANT -> onAssistant(n, d);
            case USER -> onUser(n, d, line);
            case RESULT -> onResult(n, d);
            case STREAM_EVENT, OTHER -> skippedLines++;
        }
        flushLineEvents();
    }

    /**
     * Declares the end of the stream: emits {@link ClaudeStreamEvent.ToolUnfinished} for every
     * tool_use still waiting for its result (in call order) and a
     * {@link ParseWarning.Kind#MISSING_RESULT} warning when no {@code result} line was seen.
     * Idempotent.
     */
    public void finish() {
        if (finished) {
            return;
        }
        finished = true;
        if (!pendingTools.isEmpty()) {
            long now = nanoClock.getAsLong();
            for (Iterator<Map.Entry<String, PendingTool>> it =
                            pendingTools.entrySet().iterator();
                    it.hasNext(); ) {
                Map.Entry<String, PendingTool> e = it.next();
                PendingTool t = e.getValue();
                it.remove();
                sink.accept(new ClaudeStreamEvent.ToolUnfinished(
                        t.line(), t.parentToolUseId(), e.getKey(), t.toolName(), now - t.startNanos()));
            }
        }
        if (!sawResult) {
            warn(
                    lineNumber,
                    null,
                    ParseWarning.Kind.MISSING_RESULT,
                    "stream ended after " + lineNumber + " lines without a result line",
                    "");
        }
    }

    /** Whether a {@code result} line was read (tools still pending then were never run). */
    public boolean sawResult() {
        return sawResult;
    }

    /** Lines read so far, blank and bad ones included; the number of the last line. */
    public long lineCount() {
        return lineNumber;
    }

    /** Well-formed lines that carried nothing we use (partial-message deltas, status, unknown types). */
    public long skippedLines() {
        return skippedLines;
    }

    /** {@link ParseWarning}s emitted so far. */
    public long warningCount() {
        return warnings;
    }

    /** Tool calls seen whose result has not arrived yet. */
    public int pendingToolCalls() {
        return pendingTools.size();
    }

    private void onSystem(long n, DecodedLine d) {
        switch (d.subtype == null ? "" : d.subtype) {
            case "init" -> onInit(n, d);
            case "api_retry" ->
                lineEvents.add(new ClaudeStreamEvent.ApiRetry(
                        n,
                        d.parentToolUseId,
                        d.attempt == null ? 0 : d.attempt,
                        d.maxRetries == null ? 0 : d.maxRetries,
                        d.errorStatus,
                        d.retryDelayMs,
                        d.error));
            case "permission_denied" -> denied(n, d.parentToolUseId, d.toolName, d.toolUseId, d.systemMessage);
            case "task_started" ->
                lineEvents.add(new ClaudeStreamEvent.TaskStarted(
                        n, d.parentToolUseId, d.taskId, d.toolUseId, d.description, d.subagentType, d.backgrounded));
            case "task_notification" ->
                lineEvents.add(new ClaudeStreamEvent.TaskNotification(
                        n,
                        d.parentToolUseId,
                        d.taskId,
                        d.toolUseId,
                        d.status,
                        new ClaudeStreamEvent.TaskUsage(d.taskTotalTokens, d.taskToolUses, d.taskDurationMs)));
            default -> skippedLines++;
        }
    }

    /** A permission denial, once per tool call (the live line and the result's list name the same call). */
    private void denied(long n, String parentToolUseId, String toolName, String toolUseId, String message) {
        if (toolUseId != null && !deniedToolUseIds.add(toolUseId)) {
            return;
        }
        lineEvents.add(new ClaudeStreamEvent.PermissionDenied(n, parentToolUseId, toolName, toolUseId, message));
    }

    private void onInit(long n, DecodedLine d) {
        lineEvents.add(new ClaudeStreamEvent.Init(
                n,
                d.parentToolUseId,
                d.sessionId,
                d.model,
                d.cwd,
                d.tools == null ? List.of() : d.tools,
                d.claudeCodeVersion,
                d.permissionMode));
    }

    private void onAssistant(long n, DecodedLine d) {
        String messageId = d.messageId;
        if (messageId == null || !messageId.equals(currentMessageId)) {
            currentMessageId = messageId;
            currentMessageTexts.clear();
        }
        if (d.messageUsage != null && (messageId == null || seenMessageUsage.add(messageId))) {
            lineEvents.add(new ClaudeStreamEvent.MessageUsage(
                    n, d.parentToolUseId, messageId, d.messageModel, d.messageUsage));
        }
        long now = -1;
        for (DecodedLine.Block b : d.blocks) {
            switch (b.type) {
                case TEXT -> {
                    if (firstInMessage(messageId, b.text)) {
                        lineEvents.add(new ClaudeStreamEvent.AssistantText(
                                n, d.parentToolUseId, messageId, d.messageModel, b.text, d.error, d.apiErrorStatus));
                    }
                }
                case THINKING -> {
                    if (firstInMessage(messageId, b.text)) {
                        lineEvents.add(new ClaudeStreamEvent.Thinking(n, d.parentToolUseId, messageId, b.text));
                    }
                }
                case TOOL_USE -> {
                    if (!seenToolUseIds.add(b.id)) {
                        continue;
                    }
                    if (now < 0) {
                        now = nanoClock.getAsLong();
                    }
                    pendingTools.put(b.id, new PendingTool(b.name, now, n, d.parentToolUseId));
                    lineEvents.add(
                            new ClaudeStreamEvent.ToolUse(n, d.parentToolUseId, messageId, b.id, b.name, b.inputJson));
                }
                case TOOL_RESULT, OTHER -> {}
            }
        }
    }

    /** Whether this text/thinking block is new for the current message (see class comment). */
    private boolean firstInMessage(String messageId, String text) {
        if (messageId == null) {
            return true;
        }
        if (currentMessageTexts.contains(text)) {
            return false;
        }
        currentMessageTexts.add(text);
        return true;
    }

    private void onUser(long n, DecodedLine d, String line) {
        long now = -1;
        for (DecodedLine.Block b : d.blocks) {
            if (b.type != DecodedLine.BlockType.TOOL_RESULT) {
                continue; // prompts and subagent instructions
            }
            if (now < 0) {
                now = nanoClock.getAsLong();
            }
            PendingTool t = pendingTools.remove(b.id);
            if (t == null) {
                warn(
                        n,
                        d.parentToolUseId,
                        ParseWarning.Kind.ORPHAN_TOOL_RESULT,
                        "tool_result for unknown tool_use_id " + b.id,
                        line);
                lineEvents.add(
                        new ClaudeStreamEvent.ToolResult(n, d.parentToolUseId, b.id, null, b.isError, b.text, -1));
            } else {
                lineEvents.add(new ClaudeStreamEvent.ToolResult(
                        n, d.parentToolUseId, b.id, t.toolName(), b.isError, b.text, now - t.startNanos()));
            }
        }
    }

    private void onResult(long n, DecodedLine d) {
        sawResult = true;
        Usage.Tokens usage = d.usage == null ? Usage.Tokens.NONE : d.usage;
        Map<String, ModelUsage> modelUsage = d.modelUsageOrEmpty();
        Usage.Tokens tokens = usage;
        double modelCost = 0;
        if (!modelUsage.isEmpty()) {
            tokens = Usage.Tokens.NONE;
            for (ModelUsage m : modelUsage.values()) {
                tokens = tokens.plus(m.tokens());
                modelCost += m.costUsd();
            }
        }
        double cost = d.totalCostUsd != null ? d.totalCostUsd : modelCost;
        String subtype = d.subtype;
        boolean isError = d.isError || (subtype != null && subtype.startsWith("error"));
        var ending = new ClaudeStreamEvent.Ending(
                subtype, isError, isError ? errorMessage(d) : null, d.apiErrorStatus, d.terminalReason);
        var accounting = new ClaudeStreamEvent.Accounting(
                d.numTurns, d.durationMs, d.durationApiMs, cost, tokens, usage, modelUsage);
        var increment = d.resultIndex == null && d.sinceLastResult == null
                ? ClaudeStreamEvent.Increment.NONE
                : new ClaudeStreamEvent.Increment(d.resultIndex, d.sinceLastResult);
        if (d.denials != null) {
            for (DecodedLine.Denial denial : d.denials) {
                denied(n, d.parentToolUseId, denial.toolName(), denial.toolUseId(), null);
            }
        }
        lineEvents.add(new ClaudeStreamEvent.Result(
                n, d.parentToolUseId, d.sessionId, d.resultText, ending, accounting, increment));
    }

    private static String errorMessage(DecodedLine d) {
        if (d.resultText != null && !d.resultText.isBlank()) {
            return d.resultText;
        }
        if (d.errors != null && !d.errors.isEmpty()) {
            return String.join("; ", d.errors);
        }
        if (d.apiErrorStatus != null) {
            return "API error " + d.apiErrorStatus;
        }
        return d.subtype != null ? d.subtype : "error";
    }

    private void warn(long n, String parentToolUseId, ParseWarning.Kind kind, String message, String line) {
        warnings++;
        ParseWarning w = new ParseWarning(n, parentToolUseId, kind, message, excerpt(line));
        if (kind == ParseWarning.Kind.ORPHAN_TOOL_RESULT) {
            lineEvents.add(w); // keep it in order with the events of its line
        } else {
            sink.accept(w);
        }
    }

    private void flushLineEvents() {
        if (lineEvents.isEmpty()) {
            return;
        }
        try {
            for (ClaudeStreamEvent e : lineEvents) {
                sink.accept(e);
            }
        } finally {
            lineEvents.clear();
        }
    }

    /** The start of a line for a warning: bounded, single-line, printable. */
    static String excerpt(String line) {
        int len = Math.min(line.length(), EXCERPT_CHARS);
        if (len > 0 && len < line.length() && Character.isHighSurrogate(line.charAt(len - 1))) {
            len--;
        }
        StringBuilder sb = new StringBuilder(len + 3);
        for (int i = 0; i < len; i++) {
            char c = line.charAt(i);
            sb.append(Character.isISOControl(c) ? '?' : c);
        }
        if (line.length() > EXCERPT_CHARS) {
            sb.append("...");
        }
        return sb.toString();
    }
}
