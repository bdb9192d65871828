package io.voidbox.agent.claude;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;

/**
 * What one Claude Code invocation amounted to, folded from its {@link ClaudeStreamEvent}s: the
 * numbers behind {@code agent.result}, {@code stage.completed} and the {@code claude.exec} span.
 *
 * <p>When the stream has {@code result} lines, the <em>last</em> one wins and supplies tokens
 * ({@code modelUsage} sums preferred over {@code usage}), cost, turns, durations and the error.
 * Without one ({@link #hasResult()} false) the run is an error: the message is the last synthetic
 * assistant error if any, otherwise "no result line"; tokens and cost are zero, {@code numTurns}
 * counts top-level assistant messages and {@code resultText} is the last top-level assistant text.
 *
 * @param toolCalls  tool_use blocks seen, subagents' included
 * @param toolErrors tool results with {@code is_error}
 * @param toolsUsed  distinct tool names in order of first use
 * @param warnings   parse warnings plus unfinished tool calls
 */
public record ClaudeRunSummary(String model, String sessionId, long inputTokens, long outputTokens,
                               long cacheReadTokens, long cacheCreationTokens, double costUsd, int numTurns,
                               long durationMs, long durationApiMs, boolean isError, String errorMessage,
                               int toolCalls, int toolErrors, List<String> toolsUsed, String resultText,
                               boolean hasResult, int warnings) {

    public ClaudeRunSummary {
        toolsUsed = List.copyOf(toolsUsed);
    }

    /** A fresh accumulator; pass it (or {@code parser sink -> accumulator::accept}) every event. */
    public static Accumulator accumulator() {
        return new Accumulator();
    }

    /** Folds a complete list of events. */
    public static ClaudeRunSummary of(Iterable<? extends ClaudeStreamEvent> events) {
        Accumulator a = new Accumulator();
        events.forEach(a);
        return a.summary();
    }

    /**
     * Folds events one at a time (a {@link Consumer}, so it can sit in the parser's sink chain) and
     * answers the summary so far at any moment. Not thread-safe; same owner as the parser.
     */
    public static final class Accumulator implements Consumer<ClaudeStreamEvent> {
        private String model;
        private String assistantModel;
        private String sessionId;
        private ClaudeStreamEvent.Result lastResult;
        private String lastTopLevelText;
        private String lastAssistantError;
        private String lastTopLevelMessageId;
        private int topLevelMessages;
        private int toolCalls;
        private int toolErrors;
        private final Set<String> toolsUsed = new LinkedHashSet<>();
        private int warnings;

        private Accumulator() {
        }

        @Override
        public void accept(ClaudeStreamEvent event) {
            switch (Objects.requireNonNull(event, "event")) {
                case ClaudeStreamEvent.Init i -> {
                    if (model == null) {
                        model = i.model();
                    }
                    if (sessionId == null) {
                        sessionId = i.sessionId();
                    }
                }
                case ClaudeStreamEvent.AssistantText t -> {
                    if (t.error() != null) {
                        lastAssistantError = t.text();
                    }
                    if (assistantModel == null && t.model() != null && !t.model().startsWith("<")) {
                        assistantModel = t.model();
                    }
                    if (t.parentToolUseId() == null) {
                        lastTopLevelText = t.text();
                        countMessage(t.messageId());
                    }
                }
                case ClaudeStreamEvent.Thinking t -> {
                    if (t.parentToolUseId() == null) {
                        countMessage(t.messageId());
                    }
                }
                case ClaudeStreamEvent.ToolUse u -> {
                    toolCalls++;
                    toolsUsed.add(u.toolName());
                    if (u.parentToolUseId() == null) {
                        countMessage(u.messageId());
                    }
                }
                case ClaudeStreamEvent.ToolResult r -> {
                    if (r.isError()) {
                        toolErrors++;
                    }
                }
                case ClaudeStreamEvent.ToolUnfinished ignored -> warnings++;
                case ClaudeStreamEvent.ParseWarning ignored -> warnings++;
                case ClaudeStreamEvent.Result r -> lastResult = r;
            }
        }

        private void countMessage(String messageId) {
            if (messageId == null || !messageId.equals(lastTopLevelMessageId)) {
                topLevelMessages++;
                lastTopLevelMessageId = messageId;
            }
        }

        /** The summary of everything accepted so far. */
        public ClaudeRunSummary summary() {
            String m = model != null ? model : assistantModel;
            List<String> tools = new ArrayList<>(toolsUsed);
            ClaudeStreamEvent.Result r = lastResult;
            if (r == null) {
                String error = lastAssistantError != null ? lastAssistantError : "no result line in the stream";
                return new ClaudeRunSummary(m, sessionId, 0, 0, 0, 0, 0.0, topLevelMessages, 0, 0, true, error,
                        toolCalls, toolErrors, tools, lastTopLevelText, false, warnings);
            }
            TokenUsage t = r.tokens();
            return new ClaudeRunSummary(m, r.sessionId() != null ? r.sessionId() : sessionId,
                    t.inputTokens(), t.outputTokens(), t.cacheReadInputTokens(), t.cacheCreationInputTokens(),
                    r.costUsd(), r.numTurns(), r.durationMs(), r.durationApiMs(), r.isError(), r.errorMessage(),
                    toolCalls, toolErrors, tools, r.resultText(), true, warnings);
        }
    }
}
