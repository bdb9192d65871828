package io.voidbox;

import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;

/**
 * Which agent CLI runs in a box, and the limits and policy it is started with. Passed to the agent
 * as its own flags, so the agent enforces them and reports hitting them in its own words.
 *
 * @param runner             the agent CLI
 * @param version            the CLI version to run; empty: the pinned one
 * @param limits             turn and budget limits
 * @param permissions        tool policy
 * @param appendSystemPrompt text appended to the agent's system prompt
 * @param mcpServers         MCP servers started inside the box for the agent (over stdio)
 */
public record AgentOptions(
        Runner runner,
        Optional<String> version,
        Limits limits,
        Permissions permissions,
        Optional<String> appendSystemPrompt,
        List<McpServer> mcpServers) {

    /** Claude Code with its pinned version, no limits beyond the box's timeout, default permissions. */
    public static final AgentOptions DEFAULTS = new AgentOptions(
            Runner.CLAUDE_CODE, Optional.empty(), Limits.NONE, Permissions.DEFAULTS, Optional.empty(), List.of());

    public AgentOptions {
        mcpServers = List.copyOf(mcpServers);
    }

    public AgentOptions withRunner(Runner r) {
        return new AgentOptions(r, version, limits, permissions, appendSystemPrompt, mcpServers);
    }

    /** The agent CLIs a box can run. */
    public enum Runner implements SpecEnum {
        CLAUDE_CODE("claude", "claude-sonnet-4-5"),
        /** Its default model is one the pinned CLI knows (its tools include {@code apply_patch}). */
        CODEX("codex", "gpt-5.5");

        private final String agent;
        private final String defaultModel;

        Runner(String agent, String defaultModel) {
            this.agent = agent;
            this.defaultModel = defaultModel;
        }

        /** The model a box of this agent uses when neither it nor its scenario names one. */
        public String defaultModel() {
            return defaultModel;
        }

        /**
         * The agent's short name in events ({@code agent.started}) and span names
         * ({@code claude.exec}, {@code codex.tool.<Tool>}).
         */
        public String agent() {
            return agent;
        }
    }

    /**
     * @param maxTurns     the agent stops after this many turns ({@code max_turns})
     * @param maxBudgetUsd the agent stops once it has spent this much ({@code budget_exceeded})
     */
    public record Limits(OptionalInt maxTurns, OptionalDouble maxBudgetUsd) {
        public static final Limits NONE = new Limits(OptionalInt.empty(), OptionalDouble.empty());
    }

    /**
     * @param allowedTools    tools the agent may use without asking (empty: the agent's default)
     * @param disallowedTools tools the agent may not use
     * @param mode            the agent's permission mode; empty: the runtime's default for the backend
     * @param skipChecks      on the {@code local} backend, skip the agent's own permission checks
     *                        (inside a VM or namespace box the box is the sandbox and they are skipped anyway)
     */
    public record Permissions(
            List<String> allowedTools,
            List<String> disallowedTools,
            Optional<PermissionMode> mode,
            boolean skipChecks) {
        public static final Permissions DEFAULTS = new Permissions(List.of(), List.of(), Optional.empty(), false);

        public Permissions {
            allowedTools = List.copyOf(allowedTools);
            disallowedTools = List.copyOf(disallowedTools);
        }
    }

    /** Claude Code's permission modes (its {@code --permission-mode}). */
    public enum PermissionMode implements SpecEnum {
        DEFAULT("default"),
        ACCEPT_EDITS("acceptEdits"),
        PLAN("plan"),
        BYPASS_PERMISSIONS("bypassPermissions");

        private final String id;

        PermissionMode(String id) {
            this.id = id;
        }

        @Override
        public String id() {
            return id;
        }
    }
}
