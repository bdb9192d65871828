package io.voidbox.spec.internal;

import io.voidbox.AgentOptions;
import io.voidbox.AgentOptions.Limits;
import io.voidbox.AgentOptions.PermissionMode;
import io.voidbox.AgentOptions.Permissions;
import io.voidbox.LlmConfig;
import java.math.BigDecimal;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.regex.Pattern;

/**
 * The agent's own limits and policy of one box, as the spec declares them: in the {@code agent}
 * block of {@code kind: agent}, or in the {@code agent} mapping of a pipeline box. They end up in
 * {@link AgentOptions} (the agent is started with them as its own flags) and, for {@code model},
 * in the box's model.
 *
 * <pre>{@code
 * agent:
 *   max_turns: 20                 # the agent stops after 20 turns (max_turns)
 *   max_budget_usd: 0.50          # ... or once it has spent this much (budget_exceeded)
 *   allowed_tools: [Read, "Bash(git diff:*)"]
 *   disallowed_tools: [WebFetch]
 *   permission_mode: acceptEdits  # default, acceptEdits, plan, bypassPermissions
 *   model: claude-sonnet-4-5      # the box's model (instead of llm.model)
 *   append_system_prompt: "Answer in French."
 *   version: 2.1.332              # another Claude Code than the pinned one (local backend), or latest
 * }</pre>
 */
final class AgentSpec {
    static final List<String> FIELDS = List.of(
            "max_turns",
            "max_budget_usd",
            "allowed_tools",
            "disallowed_tools",
            "permission_mode",
            "model",
            "append_system_prompt",
            "version");

    /** Most turns and dollars a box may allow its agent. */
    static final int MAX_TURNS = 10_000;

    static final double MAX_BUDGET_USD = 10_000;

    private static final Pattern VERSION = Pattern.compile("latest|[0-9]+\\.[0-9]+\\.[0-9]+(-[0-9A-Za-z.]+)?");

    /**
     * What one box declares.
     *
     * @param options the agent options (runner and MCP servers at their defaults)
     * @param model   {@code model}, which sets the box's model
     * @param path    where {@code model} is declared, for errors
     * @param loc     its position
     */
    record Decl(AgentOptions options, Optional<String> model, String path, Node.Loc loc) {
        static final Decl ABSENT = new Decl(AgentOptions.DEFAULTS, Optional.empty(), "agent.model", null);

        /**
         * The box's model: {@code model} over the merged llm settings. Declaring it beside the
         * same box's {@code llm.model} is an error (one box, one model).
         */
        LlmConfig applyTo(LlmConfig llm, boolean llmModelDeclared, Errors errors) {
            if (model.isEmpty()) return llm;
            if (llmModelDeclared) {
                errors.add(path, "the model is also set by llm.model: keep one of them", loc);
            }
            return llm.withModel(model.get());
        }
    }

    private AgentSpec() {}

    /** The agent fields of {@code f} (a mapping that allows {@link #FIELDS}), every problem recorded. */
    static Decl read(Fields f) {
        OptionalInt maxTurns = f.integer("max_turns", 1, MAX_TURNS).stream()
                .mapToInt(Long::intValue)
                .findFirst();
        OptionalDouble budget = budget(f);
        Permissions permissions = new Permissions(
                f.strings("allowed_tools").orElse(List.of()),
                f.strings("disallowed_tools").orElse(List.of()),
                f.choice("permission_mode", false, PermissionMode.values(), PermissionMode::id),
                false);
        Optional<String> version = f.text("version", false).filter(v -> {
            if (VERSION.matcher(v).matches()) return true;
            f.errors.add(
                    f.pathOf("version"),
                    "invalid version '" + v + "' (expected a Claude Code version such as 2.1.332, or latest)",
                    f.locOf("version"));
            return false;
        });
        AgentOptions options = new AgentOptions(
                AgentOptions.DEFAULTS.runner(),
                version,
                new Limits(maxTurns, budget),
                permissions,
                f.text("append_system_prompt", false),
                List.of());
        return new Decl(options, f.text("model", false), f.pathOf("model"), f.locOf("model"));
    }

    /** {@code agent} of a pipeline box: a mapping of {@link #FIELDS} only. */
    static Decl read(Node node, String path, Errors errors) {
        return Fields.of(node, path, errors, FIELDS).map(AgentSpec::read).orElse(Decl.ABSENT);
    }

    private static OptionalDouble budget(Fields f) {
        Optional<Node> value = f.value("max_budget_usd");
        if (value.isEmpty()) return OptionalDouble.empty();
        if (!(value.get() instanceof Node.Scalar s)
                || (s.type() != Node.ScalarType.INTEGER && s.type() != Node.ScalarType.FLOAT)) {
            f.errors.add(
                    f.pathOf("max_budget_usd"),
                    "expected a number of US dollars, got " + Node.describe(value.get()),
                    value.get().loc());
            return OptionalDouble.empty();
        }
        BigDecimal usd = new BigDecimal(s.text());
        if (usd.signum() <= 0 || usd.compareTo(BigDecimal.valueOf(MAX_BUDGET_USD)) > 0) {
            f.errors.add(
                    f.pathOf("max_budget_usd"),
                    "must be more than 0 and at most " + (long) MAX_BUDGET_USD + ", got " + s.text(),
                    s.loc());
            return OptionalDouble.empty();
        }
        return OptionalDouble.of(usd.doubleValue());
    }
}
