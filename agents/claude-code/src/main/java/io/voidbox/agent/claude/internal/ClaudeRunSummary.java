package io.voidbox.agent.claude.internal;

import io.voidbox.Usage;
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
 * @param usage        tokens, cost, turns, tool calls (subagents' included) and tools in order of first use
 * @param errorMessage what the agent reported as its error; null when it reported success
 * @param toolErrors   tool results with {@code is_error}
 * @param warnings     parse warnings plus unfinished tool calls
 */
public record ClaudeRunSummary(
        Usage usage,
        String sessionId,
        long durationMs,
        long durationApiMs,
        String errorMessage,
        int toolErrors,
        String resultText,
        boolean hasResult,
        int warnings) {

    public boolean isError() {
        return errorMessage != null;
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

        private Accumulator() {}

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
                    if (assistantModel == null
                            && t.model() != null
                            && !t.model().startsWith("<")) {
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
                Usage usage = new Usage(Usage.Tokens.NONE, 0.0, topLevelMessages, toolCalls, tools, m, false);
                return new ClaudeRunSummary(
                        usage, sessionId, 0, 0, error, toolErrors, lastTopLevelText, false, warnings);
            }
            Usage usage = new Usage(r.tokens(), r.costUsd(), r.numTurns(), toolCalls, tools, m, false);
            String error = r.isError() ? (r.errorMessage() != null ? r.errorMessage() : "unknown") : null;
            return new ClaudeRunSummary(
                    usage,
                    r.sessionId() != null ? r.sessionId() : sessionId,
                    r.durationMs(),
                    r.durationApiMs(),
                    error,
                    toolErrors,
                    r.resultText(),
                    true,
                    warnings);
        }
    }
}
