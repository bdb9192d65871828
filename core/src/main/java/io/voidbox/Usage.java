package io.voidbox;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;

/**
 * What one agent run used, carried whole from the agent's parser to results, events and spans,
 * so a figure is written once and can never be swapped with its neighbour on the way.
 *
 * @param tokens     token counts
 * @param costUsd    cost in US dollars as reported (or estimated) for the run
 * @param numTurns   agent turns
 * @param toolCalls  tool calls, subagents' included
 * @param toolsUsed  distinct tool names in order of first use
 * @param model      the model that answered; empty when unknown
 * @param estimated  true when the figures were estimated by the runtime, not reported by the agent
 *                   (on the wire {@code usage_estimated: true})
 * @param permissionDenials tool calls the agent's own permission checks refused
 */
public record Usage(
        Tokens tokens,
        double costUsd,
        int numTurns,
        int toolCalls,
        List<String> toolsUsed,
        String model,
        boolean estimated,
        int permissionDenials) {

    /** Nothing used (a stage that failed before its agent ran). */
    public static final Usage NONE = new Usage(Tokens.NONE, 0, 0, 0, List.of(), "", false, 0);

    public Usage {
        Objects.requireNonNull(tokens, "tokens");
        toolsUsed = List.copyOf(toolsUsed);
        model = model == null ? "" : model;
    }

    /** The same usage with {@code n} permission denials. */
    public Usage withPermissionDenials(int n) {
        return new Usage(tokens, costUsd, numTurns, toolCalls, toolsUsed, model, estimated, n);
    }

    public long inputTokens() {
        return tokens.inputTokens();
    }

    public long outputTokens() {
        return tokens.outputTokens();
    }

    /** The same usage attributed to {@code m} when the agent did not name its model. */
    public Usage withModelIfBlank(String m) {
        return model.isBlank() && m != null
                ? new Usage(tokens, costUsd, numTurns, toolCalls, toolsUsed, m, estimated, permissionDenials)
                : this;
    }

    /** Totals of several runs (tools united in order, model kept only when all agree). */
    public Usage plus(Usage o) {
        LinkedHashSet<String> tools = new LinkedHashSet<>(toolsUsed);
        tools.addAll(o.toolsUsed);
        String m = model.isBlank() ? o.model : o.model.isBlank() || o.model.equals(model) ? model : "";
        return new Usage(
                tokens.plus(o.tokens),
                costUsd + o.costUsd,
                numTurns + o.numTurns,
                toolCalls + o.toolCalls,
                new ArrayList<>(tools),
                m,
                estimated || o.estimated,
                permissionDenials + o.permissionDenials);
    }

    /**
     * Token counts of one run.
     *
     * @param inputTokens         uncached input tokens
     * @param outputTokens        output tokens
     * @param cacheReadTokens     input tokens read from the prompt cache
     * @param cacheCreationTokens input tokens written to the prompt cache
     */
    public record Tokens(long inputTokens, long outputTokens, long cacheReadTokens, long cacheCreationTokens) {
        public static final Tokens NONE = new Tokens(0, 0, 0, 0);

        public Tokens plus(Tokens o) {
            return new Tokens(
                    inputTokens + o.inputTokens,
                    outputTokens + o.outputTokens,
                    cacheReadTokens + o.cacheReadTokens,
                    cacheCreationTokens + o.cacheCreationTokens);
        }
    }
}
