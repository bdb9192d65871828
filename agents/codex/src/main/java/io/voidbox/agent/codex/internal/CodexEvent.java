package io.voidbox.agent.codex.internal;

/**
 * What one line of {@code codex exec --json} output means, as the {@link CodexJsonlParser} hands it
 * on. Tools are Codex's item kinds that do something ({@code command_execution},
 * {@code file_change}, {@code mcp_tool_call}, {@code web_search}, ...); the kind is the tool name
 * in events and spans.
 */
sealed interface CodexEvent {

    /** {@code thread.started}: the thread id is the session id. */
    record ThreadStarted(String threadId) implements CodexEvent {}

    /** {@code turn.started}. */
    record TurnStarted() implements CodexEvent {}

    /** {@code item.started} of a tool item. */
    record ToolStarted(String itemId, String kind, String input) implements CodexEvent {}

    /**
     * {@code item.completed} of a tool item.
     *
     * @param started    whether its {@code item.started} was seen (some items only complete)
     * @param durationMs between the two lines on the parser's clock; 0 when not started
     */
    record ToolCompleted(
            String itemId, String kind, String input, String output, boolean isError, boolean started, long durationMs)
            implements CodexEvent {}

    /** A tool item that started but never completed before the stream ended. */
    record ToolUnfinished(String itemId, String kind) implements CodexEvent {}

    /** {@code item.completed} of an {@code agent_message}: the agent's text. */
    record AgentMessage(String itemId, String text) implements CodexEvent {}

    /** {@code item.completed} of a {@code reasoning} item (its summary text). */
    record Reasoning(String itemId, String text) implements CodexEvent {}

    /** An {@code error} item: Codex tells something went wrong but carries on, so it is a warning. */
    record ItemError(String itemId, String message) implements CodexEvent {}

    /** A top-level {@code error} line: a retry notice, or the error that is about to fail the turn. */
    record StreamError(CodexError error) implements CodexEvent {}

    /** {@code turn.completed} with the turn's token usage (Codex sums its model requests). */
    record TurnCompleted(CodexTokens usage) implements CodexEvent {}

    /** {@code turn.failed}. */
    record TurnFailed(CodexError error) implements CodexEvent {}

    /** A line that could not be read; parsing goes on. */
    record ParseWarning(long line, String message, String excerpt) implements CodexEvent {}
}
