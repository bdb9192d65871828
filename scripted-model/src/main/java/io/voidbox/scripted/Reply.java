package io.voidbox.scripted;

import java.util.List;
import java.util.Objects;

/**
 * A successful model answer. With tool calls it stops with {@code tool_use} (the CLI runs the tools
 * and sends another request); with text only it stops with {@code end_turn}.
 *
 * @param text     optional leading text block ({@code null}: none)
 * @param toolUses tool calls, in order (may be empty)
 * @param usage    token usage reported for this turn
 * @param cut      the server breaks the connection in the middle of this answer (after the first
 *                 text or tool-input chunk of a stream, after half the body of a plain answer), as a
 *                 network failure or an overloaded gateway would
 */
public record Reply(String text, List<ToolUse> toolUses, Usage usage, boolean cut) implements Turn {
    public Reply {
        toolUses = List.copyOf(toolUses);
        Objects.requireNonNull(usage, "usage");
        if (text == null && toolUses.isEmpty()) {
            throw new IllegalArgumentException("a reply needs text or at least one tool_use");
        }
    }

    /** An answer that arrives whole. */
    public Reply(String text, List<ToolUse> toolUses, Usage usage) {
        this(text, toolUses, usage, false);
    }

    /** A text-only reply with default usage. */
    public static Reply text(String text) {
        return new Reply(text, List.of(), Usage.DEFAULT);
    }

    /** {@code tool_use} when the reply calls tools, else {@code end_turn}. */
    public String stopReason() {
        return toolUses.isEmpty() ? "end_turn" : "tool_use";
    }
}
