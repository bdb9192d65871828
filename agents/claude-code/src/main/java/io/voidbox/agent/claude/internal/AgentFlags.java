package io.voidbox.agent.claude.internal;

import io.voidbox.AgentOptions;
import io.voidbox.AgentOptions.PermissionMode;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

/**
 * Claude Code's own flags for a box's {@link AgentOptions}, so the agent enforces its limits and
 * tool policy itself and reports hitting them in its own words ({@code error_max_turns},
 * {@code permission_denials}, ...). Checked against {@code claude --help} of 2.1.197 and 2.1.332
 * ({@code --max-turns} is accepted but not listed there).
 *
 * <p>Permission checks: inside a VM (or any backend but {@code local}) the box is the sandbox and
 * the agent's checks are skipped unless the box names a permission mode; on {@code local} the agent
 * runs on the host, so its checks stay on unless the box opts out ({@link
 * AgentOptions.Permissions#skipChecks()} or {@code permission_mode: bypassPermissions}).
 */
final class AgentFlags {
    private AgentFlags() {}

    /** The flags, in a fixed order, to put before {@code --model}. */
    static List<String> of(AgentOptions options, boolean boxIsSandbox) {
        List<String> flags = new ArrayList<>();
        AgentOptions.Permissions p = options.permissions();
        if (skipsPermissionChecks(options, boxIsSandbox)) {
            flags.add("--dangerously-skip-permissions");
        } else {
            p.mode().ifPresent(m -> {
                flags.add("--permission-mode");
                flags.add(m.id());
            });
        }
        if (!p.allowedTools().isEmpty()) {
            flags.add("--allowed-tools");
            flags.addAll(p.allowedTools());
        }
        if (!p.disallowedTools().isEmpty()) {
            flags.add("--disallowed-tools");
            flags.addAll(p.disallowedTools());
        }
        options.limits().maxTurns().ifPresent(n -> {
            flags.add("--max-turns");
            flags.add(Integer.toString(n));
        });
        options.limits().maxBudgetUsd().ifPresent(usd -> {
            flags.add("--max-budget-usd");
            flags.add(BigDecimal.valueOf(usd).toPlainString());
        });
        options.appendSystemPrompt().ifPresent(text -> {
            flags.add("--append-system-prompt");
            flags.add(text);
        });
        return flags;
    }

    /** Whether the agent runs without its own permission checks. */
    static boolean skipsPermissionChecks(AgentOptions options, boolean boxIsSandbox) {
        AgentOptions.Permissions p = options.permissions();
        if (p.skipChecks() || p.mode().orElse(null) == PermissionMode.BYPASS_PERMISSIONS) {
            return true;
        }
        return boxIsSandbox && p.mode().isEmpty();
    }

    /**
     * Whether the box's own tool policy explains refused tool calls: an explicit allow or deny list,
     * or a permission mode that refuses some tools. Denials without such a policy mean the box was
     * not set up for the task, and fail the stage ({@code permission_denied}).
     */
    static boolean policyExpectsDenials(AgentOptions options) {
        AgentOptions.Permissions p = options.permissions();
        return !p.allowedTools().isEmpty()
                || !p.disallowedTools().isEmpty()
                || p.mode().filter(m -> m != PermissionMode.BYPASS_PERMISSIONS).isPresent();
    }
}
