package io.voidbox.agent.claude.internal;

import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.voidbox.Failure;
import io.voidbox.McpServer;
import io.voidbox.Usage;
import io.voidbox.agent.claude.ClaudeCodeInstaller;
import io.voidbox.event.RunEvent.AgentPermissionDenied;
import io.voidbox.event.RunEvent.AgentRetry;
import io.voidbox.event.RunEvent.AgentSubagentCompleted;
import io.voidbox.event.RunEvent.AgentSubagentStarted;
import io.voidbox.event.RunEvent.AgentToolNotRun;
import io.voidbox.spi.AgentInvocation;
import io.voidbox.spi.AgentOutcome;
import io.voidbox.spi.AgentRunner;
import io.voidbox.spi.BoxScope;
import io.voidbox.spi.ExecResult;
import io.voidbox.spi.ExecSpec;
import io.voidbox.spi.Sandbox;
import io.voidbox.spi.SandboxEnvironment;
import io.voidbox.spi.support.AgentOutput;
import io.voidbox.spi.support.NpmInstaller;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Runs the real Claude Code CLI headless inside a sandbox and turns its {@code stream-json}
 * output into live tool-call events, line by line, as the CLI prints them. The box's agent options
 * become the CLI's own flags ({@link AgentFlags}); how the run ended becomes a typed failure
 * ({@link ClaudeFailures}).
 */
public final class ClaudeCodeRunner implements AgentRunner {
    /** Where the box's MCP servers are written for {@code --mcp-config}, relative to the workspace. */
    static final String MCP_CONFIG = ".claude/voidbox-mcp.json";
    /** Server names Claude Code 2.1.197 keeps for itself and silently skips (after replacing [^A-Za-z0-9_-] by _). */
    private static final Set<String> RESERVED_MCP_NAMES =
            Set.of("workspace", "claude-in-chrome", "computer-use", "Claude_Preview");
    /** How long the first turn waits for the box's MCP servers to connect (the CLI's default, 5 s, is short for a JVM). */
    static final String MCP_CONNECT_TIMEOUT_MS = "30000";

    /** The command line: the CLI, the prompt, stream-json, then the box's flags ({@link AgentFlags}). */
    static List<String> argv(String executable, SandboxEnvironment env, AgentInvocation inv) {
        List<String> argv =
                new ArrayList<>(List.of(executable, "-p", inv.prompt(), "--output-format", "stream-json", "--verbose"));
        argv.addAll(AgentFlags.of(inv.options(), !"local".equals(env.backend())));
        argv.add("--model");
        argv.add(inv.model());
        if (!inv.options().mcpServers().isEmpty()) {
            // only the box's servers: nothing from a .mcp.json in the workspace or a user config
            argv.addAll(List.of("--mcp-config", env.workspace() + "/" + MCP_CONFIG, "--strict-mcp-config"));
        }
        return List.copyOf(argv);
    }

    static List<String> argv(SandboxEnvironment env, AgentInvocation inv) {
        return argv(env.claudeExecutable(), env, inv);
    }

    /**
     * The box's MCP servers in Claude Code's config format ({@code {"mcpServers": {NAME: {"command",
     * "args", "env"}}}}); the CLI starts each one inside the box and talks to it over stdio.
     */
    static byte[] mcpConfig(String box, List<McpServer> servers) throws IOException {
        JsonMapper json = JsonMapper.builder().build();
        ObjectNode root = json.createObjectNode();
        ObjectNode all = root.putObject("mcpServers");
        for (McpServer s : servers) {
            if (all.has(s.name()))
                throw new IllegalArgumentException("box " + box + ": two MCP servers are named '" + s.name() + "'");
            if (RESERVED_MCP_NAMES.contains(s.name().replaceAll("[^A-Za-z0-9_-]", "_")))
                throw new IllegalArgumentException("box " + box + ": MCP server name '" + s.name()
                        + "' is reserved by Claude Code, which would skip the server; rename it");
            ObjectNode server = all.putObject(s.name());
            server.put("command", s.command());
            ArrayNode args = server.putArray("args");
            s.args().forEach(args::add);
            ObjectNode env = server.putObject("env");
            new TreeMap<>(s.env()).forEach(env::put);
            // connected before the first turn and its tools always offered (never deferred behind tool search)
            server.put("alwaysLoad", true);
        }
        return json.writerWithDefaultPrettyPrinter().writeValueAsBytes(root);
    }

    static Map<String, String> env(SandboxEnvironment env, AgentInvocation inv) {
        Map<String, String> e = new HashMap<>();
        if (AgentFlags.skipsPermissionChecks(inv.options(), !"local".equals(env.backend())))
            e.put("IS_SANDBOX", "1"); // lets root skip the permission checks: only where the box is the boundary
        e.put("DISABLE_TELEMETRY", "1");
        e.put("DISABLE_AUTOUPDATER", "1");
        e.put("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1");
        e.put("CLAUDE_CODE_MAX_RETRIES", "3");
        e.put("CLAUDE_CONFIG_DIR", env.homeDir() + "/.claude"); // must be writable or the Bash tool fails
        if (!inv.options().mcpServers().isEmpty()) e.put("MCP_CONNECT_TIMEOUT_MS", MCP_CONNECT_TIMEOUT_MS);
        return inv.processEnvironment(env, e);
    }

    @Override
    public AgentOutcome run(AgentInvocation inv, Sandbox sandbox, BoxScope scope)
            throws IOException, InterruptedException {
        SandboxEnvironment senv = sandbox.environment();
        Optional<String> version = inv.options().version().filter(v -> !v.equals(ClaudeCodeInstaller.VERSION));
        if (version.isPresent() && !"local".equals(senv.backend())) {
            return failed(new Failure.SandboxError("agent.version " + version.get()
                    + " runs on the local backend only; the " + senv.backend() + " image carries Claude Code "
                    + ClaudeCodeInstaller.VERSION));
        }
        String executable = version.isPresent() ? installed(version.get(), scope) : senv.claudeExecutable();
        ClaudeRunSummary.Accumulator acc = ClaudeRunSummary.accumulator();
        Publisher events = new Publisher(scope, acc);
        StreamJsonParser parser = new StreamJsonParser(events);
        if (!inv.options().mcpServers().isEmpty())
            sandbox.writeFile(MCP_CONFIG, mcpConfig(inv.box(), inv.options().mcpServers()));
        scope.agentStarted(name(), inv.provider(), inv.model());
        AgentOutput output = new AgentOutput(scope, parser::accept);
        ExecResult r = sandbox.exec(
                new ExecSpec(argv(executable, senv, inv), env(senv, inv), senv.workspace(), inv.timeout()), output);
        parser.finish();
        ClaudeRunSummary s = acc.summary();
        return new AgentOutcome(
                s.resultText() == null ? "" : s.resultText(),
                s.sessionId() == null ? "" : s.sessionId(),
                s.usage().withModelIfBlank(inv.model()),
                s.durationMs(),
                s.durationApiMs(),
                ClaudeFailures.of(r, s, inv, output.stderrTail()));
    }

    /**
     * What the stream says, as run events, live. Folds every event into the summary first, so a
     * tool left pending after a result line is known to be one the CLI never ran.
     */
    private static final class Publisher implements Consumer<ClaudeStreamEvent> {
        private final BoxScope scope;
        private final ClaudeRunSummary.Accumulator acc;
        private final Set<String> backgroundTasks = new HashSet<>();
        private final Set<String> backgroundLaunches = new HashSet<>();
        private boolean sawResult;

        Publisher(BoxScope scope, ClaudeRunSummary.Accumulator acc) {
            this.scope = scope;
            this.acc = acc;
        }

        @Override
        public void accept(ClaudeStreamEvent event) {
            acc.accept(event);
            if (event instanceof ClaudeStreamEvent.Result) sawResult = true;
            publish(event);
        }

        private void publish(ClaudeStreamEvent event) {
            switch (event) {
                case ClaudeStreamEvent.ToolUse u -> {
                    if (u.inputJson().contains("\"run_in_background\":true")) backgroundLaunches.add(u.toolUseId());
                    scope.toolCall(u.toolName(), u.toolUseId(), u.inputJson(), u.parentToolUseId());
                }
                case ClaudeStreamEvent.ToolResult r ->
                    scope.toolResult(
                            r.toolName() != null ? r.toolName() : "unknown",
                            r.toolUseId(),
                            r.isError(),
                            Math.max(0, r.durationMs()),
                            r.content(),
                            r.parentToolUseId());
                case ClaudeStreamEvent.ParseWarning w ->
                    scope.warning("claude stream line " + w.line() + ": " + w.message()
                            + (w.excerpt() == null ? "" : " [" + w.excerpt() + "]"));
                case ClaudeStreamEvent.ToolUnfinished u -> {
                    if (sawResult) {
                        // the CLI stopped on its own (turn or budget limit) right after the model asked for it
                        String subtype = acc.summary().ending().subtype();
                        String why = subtype != null ? subtype : "result";
                        scope.publish(new AgentToolNotRun(
                                scope.header(),
                                u.toolName(),
                                u.toolUseId(),
                                "claude stopped before running it: " + why,
                                u.parentToolUseId()));
                    } else {
                        scope.warning("tool call " + u.toolName() + " (" + u.toolUseId() + ") never returned a result");
                    }
                }
                case ClaudeStreamEvent.PermissionDenied d -> {
                    scope.publish(new AgentPermissionDenied(scope.header(), d.toolName(), d.toolUseId(), d.message()));
                    scope.warning("permission denied: tool " + d.toolName() + " (" + d.toolUseId() + ")"
                            + (d.message() == null ? "" : ": " + d.message()));
                }
                case ClaudeStreamEvent.ApiRetry a ->
                    scope.publish(new AgentRetry(
                            scope.header(), a.attempt(), a.maxRetries(), a.errorStatus(), a.delayMs(), a.error()));
                case ClaudeStreamEvent.TaskStarted t -> {
                    // foreground subagents keep their tools under the spawning tool call's span
                    boolean background =
                            t.background() != null ? t.background() : backgroundLaunches.contains(t.toolUseId());
                    if (background && t.taskId() != null && backgroundTasks.add(t.taskId())) {
                        scope.publish(new AgentSubagentStarted(
                                scope.header(), t.taskId(), t.toolUseId(), t.description(), t.subagentType()));
                    }
                }
                case ClaudeStreamEvent.TaskNotification t -> {
                    if (t.taskId() != null && backgroundTasks.remove(t.taskId())) {
                        scope.publish(new AgentSubagentCompleted(
                                scope.header(),
                                t.taskId(),
                                t.toolUseId(),
                                t.status(),
                                t.usage().totalTokens(),
                                t.usage().toolUses(),
                                t.usage().durationMs()));
                    }
                }
                default -> {}
            }
        }
    }

    /** The binary of a version other than the pinned one, installed beside it on first use. */
    private static String installed(String version, BoxScope scope) throws IOException {
        NpmInstaller installer = ClaudeCodeInstaller.forVersion(version);
        if (installer.installed().isEmpty()) {
            scope.line("runtime", "installing Claude Code " + installer.version() + " into " + installer.installDir());
        }
        return installer.ensureInstalled().toString();
    }

    private static AgentOutcome failed(Failure failure) {
        return new AgentOutcome("", "", Usage.NONE, 0, 0, Optional.of(failure));
    }
}
