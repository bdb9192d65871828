package io.voidbox.agent.claude.internal;

import io.voidbox.Usage;
import io.voidbox.spi.support.ModelPrices;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;

/**
 * What one Claude Code invocation amounted to, folded from its {@link ClaudeStreamEvent}s: the
 * numbers behind {@code agent.result}, {@code stage.completed} and the {@code claude.exec} span,
 * and the facts the runner needs to name a failure.
 *
 * <p>Accounting (documented in {@code docs/failures.md}):
 * <ul>
 *   <li>With {@code result} lines, <em>all</em> of them count: turns and durations are summed (newer
 *       CLIs print one per answer of the main agent, e.g. when background subagents finish after
 *       the main turn); tokens and cost are the sum of {@code model_usage_since_last_result} over
 *       the lines where the CLI gives it, else the last line's ({@code modelUsage} sums preferred over
 *       {@code usage}; its cost is the CLI's cumulative {@code total_cost_usd}). The API time is the
 *       largest {@code duration_api_ms} (the CLI reports it cumulatively).</li>
 *   <li>Without one, tokens are the sum of the assistant messages' {@code usage}, once per
 *       {@code message.id}, priced with {@link ModelPrices}; the usage is marked
 *       {@link Usage#estimated() estimated}. {@code numTurns} counts top-level assistant messages and
 *       {@code resultText} is the last top-level assistant text.</li>
 *   <li>The first error result decides the error (a later result does not undo it); without a
 *       result the message is the last synthetic assistant error if any, otherwise "no result line".</li>
 * </ul>
 *
 * @param usage      tokens, cost, turns, tool calls (subagents' included), tools in order of first
 *                   use, permission denials, and whether the figures are estimated
 * @param resultText the final answer: the last result's text (or assistant text without a result)
 * @param ending     how the run ended, as far as the stream says
 * @param counts     tool errors, warnings, retries and the tools refused by permission checks
 */
public record ClaudeRunSummary(
        Usage usage,
        String sessionId,
        long durationMs,
        long durationApiMs,
        String resultText,
        Ending ending,
        Counts counts) {

    /**
     * How the stream says the run ended.
     *
     * @param hasResult      whether any {@code result} line arrived
     * @param subtype        the deciding result's {@code subtype} ({@code success}, {@code error_max_turns}, ...)
     * @param terminalReason the deciding result's {@code terminal_reason} (newer CLIs), else null
     * @param errorMessage   what the agent reported as its error; null when it reported success
     * @param apiErrorStatus the HTTP status of the failed API call (result, else synthetic assistant message)
     * @param apiErrorKind   the CLI's name for the API error on its synthetic assistant message
     *                       ({@code rate_limit}, {@code authentication_failed}, {@code server_error}, ...)
     */
    public record Ending(
            boolean hasResult,
            String subtype,
            String terminalReason,
            String errorMessage,
            Integer apiErrorStatus,
            String apiErrorKind) {}

    /**
     * @param toolErrors  tool results with {@code is_error}
     * @param warnings    parse warnings plus unfinished tool calls
     * @param retries     API retries the CLI announced
     * @param deniedTools tools of the calls refused by permission checks, in order
     */
    public record Counts(int toolErrors, int warnings, int retries, List<String> deniedTools) {
        public Counts {
            deniedTools = List.copyOf(deniedTools);
        }
    }

    public boolean isError() {
        return ending.errorMessage() != null;
    }

    public String errorMessage() {
        return ending.errorMessage();
    }

    public boolean hasResult() {
        return ending.hasResult();
    }

    public int toolErrors() {
        return counts.toolErrors();
    }

    public int warnings() {
        return counts.warnings();
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
        private final List<ClaudeStreamEvent.Result> results = new ArrayList<>();
        private String lastTopLevelText;
        private ClaudeStreamEvent.AssistantText lastAssistantError;
        private String lastTopLevelMessageId;
        private int topLevelMessages;
        private int toolCalls;
        private int toolErrors;
        private final Set<String> toolsUsed = new LinkedHashSet<>();
        private final List<String> deniedTools = new ArrayList<>();
        private int warnings;
        private int retries;
        private Usage.Tokens messageTokens = Usage.Tokens.NONE;
        private double messageCost;

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
                        lastAssistantError = t;
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
                case ClaudeStreamEvent.MessageUsage m -> {
                    messageTokens = messageTokens.plus(m.tokens());
                    messageCost += ModelPrices.cost(m.model() != null ? m.model() : model, m.tokens());
                }
                case ClaudeStreamEvent.PermissionDenied d -> deniedTools.add(d.toolName() != null ? d.toolName() : "?");
                case ClaudeStreamEvent.ApiRetry ignored -> retries++;
                case ClaudeStreamEvent.TaskStarted ignored -> {}
                case ClaudeStreamEvent.TaskNotification ignored -> {}
                case ClaudeStreamEvent.ToolUnfinished ignored -> warnings++;
                case ClaudeStreamEvent.ParseWarning ignored -> warnings++;
                case ClaudeStreamEvent.Result r -> results.add(r);
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
            Counts counts = new Counts(toolErrors, warnings, retries, deniedTools);
            String apiKind = lastAssistantError != null ? lastAssistantError.error() : null;
            Integer apiStatus = lastAssistantError != null ? lastAssistantError.apiErrorStatus() : null;
            if (results.isEmpty()) {
                String error = lastAssistantError != null ? lastAssistantError.text() : "no result line in the stream";
                Usage usage = new Usage(
                        messageTokens, messageCost, topLevelMessages, toolCalls, tools, m, true, deniedTools.size());
                Ending ending = new Ending(false, null, null, error, apiStatus, apiKind);
                return new ClaudeRunSummary(usage, sessionId, 0, 0, lastTopLevelText, ending, counts);
            }
            ClaudeStreamEvent.Result last = results.getLast();
            ClaudeStreamEvent.Result deciding = results.stream()
                    .filter(ClaudeStreamEvent.Result::isError)
                    .findFirst()
                    .orElse(last);
            int turns = 0;
            long duration = 0;
            long apiDuration = 0;
            Map<String, ModelUsage> since = new LinkedHashMap<>();
            boolean increments = false;
            for (ClaudeStreamEvent.Result r : results) {
                turns += r.numTurns();
                duration += r.durationMs();
                apiDuration = Math.max(apiDuration, r.durationApiMs());
                if (r.increment().sinceLastResult() != null) {
                    increments = true;
                    r.increment().sinceLastResult().forEach((k, v) -> since.merge(k, v, ModelUsage::plus));
                }
            }
            Usage.Tokens tokens = last.tokens();
            double cost = last.costUsd();
            if (increments) {
                tokens = Usage.Tokens.NONE;
                cost = 0;
                for (ModelUsage u : since.values()) {
                    tokens = tokens.plus(u.tokens());
                    cost += u.costUsd();
                }
            }
            Usage usage = new Usage(tokens, cost, turns, toolCalls, tools, m, false, deniedTools.size());
            String error =
                    deciding.isError() ? (deciding.errorMessage() != null ? deciding.errorMessage() : "unknown") : null;
            Integer status = deciding.apiErrorStatus() != null ? deciding.apiErrorStatus() : apiStatus;
            Ending ending = new Ending(true, deciding.subtype(), deciding.terminalReason(), error, status, apiKind);
            return new ClaudeRunSummary(
                    usage,
                    last.sessionId() != null ? last.sessionId() : sessionId,
                    duration,
                    apiDuration,
                    last.resultText(),
                    ending,
                    counts);
        }
    }
}
