package io.voidbox.agent.codex.internal;

import io.voidbox.Usage;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What a whole Codex run amounted to, summed from its events: the thread id, turns
 * ({@code turn.started} lines: Codex reports no turn count, and runs one turn per prompt in
 * {@code exec}), tokens (every {@code turn.completed.usage}), the cost estimated from
 * {@link CodexPricing}, tools, the agent's last message, and the error that ended it.
 */
final class CodexRunSummary {
    private String threadId;
    private int turns;
    private int turnsCompleted;
    private CodexTokens tokens = CodexTokens.NONE;
    private int toolCalls;
    private final Set<String> toolsUsed = new LinkedHashSet<>();
    private String lastMessage;
    private CodexError turnFailed;
    /** The last top-level error not followed by a completed turn (a retry notice that came to nothing). */
    private CodexError pendingError;

    private final List<String> warnings = new ArrayList<>();

    void accept(CodexEvent event) {
        switch (event) {
            case CodexEvent.ThreadStarted t -> threadId = t.threadId();
            case CodexEvent.TurnStarted t -> turns++;
            case CodexEvent.ToolStarted t -> tool(t.kind());
            case CodexEvent.ToolCompleted t -> {
                if (!t.started()) tool(t.kind());
            }
            case CodexEvent.AgentMessage m -> lastMessage = m.text();
            case CodexEvent.ItemError e -> warnings.add(e.message());
            case CodexEvent.StreamError e -> pendingError = e.error();
            case CodexEvent.TurnCompleted c -> {
                turnsCompleted++;
                tokens = tokens.plus(c.usage());
                pendingError = null;
            }
            case CodexEvent.TurnFailed f -> turnFailed = f.error();
            case CodexEvent.ToolUnfinished u -> {}
            case CodexEvent.Reasoning r -> {}
            case CodexEvent.ParseWarning w -> {}
        }
    }

    private void tool(String kind) {
        toolCalls++;
        toolsUsed.add(kind);
    }

    /** The thread id ({@code thread.started}), the session id of events and spans; empty if none. */
    String threadId() {
        return threadId == null ? "" : threadId;
    }

    /** The agent's last message, its final answer; empty if none. */
    String resultText() {
        return lastMessage == null ? "" : lastMessage;
    }

    CodexTokens tokens() {
        return tokens;
    }

    /** At least one turn completed, so the run has a result. */
    boolean completed() {
        return turnsCompleted > 0;
    }

    /** Why the run failed by Codex's own account: {@code turn.failed}, else an error no completed turn followed. */
    Optional<CodexError> error() {
        return Optional.ofNullable(turnFailed != null ? turnFailed : pendingError);
    }

    /** The messages of {@code error} items (warnings Codex carried on after). */
    List<String> warnings() {
        return List.copyOf(warnings);
    }

    /** Tokens as reported, cost estimated from the price table of {@code model} (hence {@code estimated}). */
    Usage usage(String model) {
        return new Usage(
                tokens.toTokens(),
                CodexPricing.costUsd(model, tokens),
                turns,
                toolCalls,
                List.copyOf(toolsUsed),
                model == null ? "" : model,
                true,
                0);
    }
}
