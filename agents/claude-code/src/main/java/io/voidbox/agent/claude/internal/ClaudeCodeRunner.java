package io.voidbox.agent.claude.internal;

import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.voidbox.Failure;
import io.voidbox.McpServer;
import io.voidbox.spi.AgentInvocation;
import io.voidbox.spi.AgentOutcome;
import io.voidbox.spi.AgentRunner;
import io.voidbox.spi.BoxScope;
import io.voidbox.spi.ExecResult;
import io.voidbox.spi.ExecSpec;
import io.voidbox.spi.OutputSink;
import io.voidbox.spi.Sandbox;
import io.voidbox.spi.SandboxEnvironment;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Runs the real Claude Code CLI headless inside a sandbox and turns its {@code stream-json}
 * output into live tool-call events, line by line, as the CLI prints them.
 */
public final class ClaudeCodeRunner implements AgentRunner {
    private static final int STDERR_TAIL = 5;
    /** Where the box's MCP servers are written for {@code --mcp-config}, relative to the workspace. */
    static final String MCP_CONFIG = ".claude/voidbox-mcp.json";
    /** Server names Claude Code 2.1.197 keeps for itself and silently skips (after replacing [^A-Za-z0-9_-] by _). */
    private static final Set<String> RESERVED_MCP_NAMES =
            Set.of("workspace", "claude-in-chrome", "computer-use", "Claude_Preview");
    /** How long the first turn waits for the box's MCP servers to connect (the CLI's default, 5 s, is short for a JVM). */
    static final String MCP_CONNECT_TIMEOUT_MS = "30000";

    @Override
    public String name() {
        return "claude";
    }

    static List<String> argv(SandboxEnvironment env, AgentInvocation inv) {
        List<String> argv = new ArrayList<>(List.of(
                env.claudeExecutable(),
                "-p",
                inv.prompt(),
                "--output-format",
                "stream-json",
                "--verbose",
                "--dangerously-skip-permissions",
                "--model",
                inv.model()));
        if (!inv.options().mcpServers().isEmpty()) {
            // only the box's servers: nothing from a .mcp.json in the workspace or a user config
            argv.addAll(List.of("--mcp-config", env.workspace() + "/" + MCP_CONFIG, "--strict-mcp-config"));
        }
        return List.copyOf(argv);
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
        e.put("IS_SANDBOX", "1"); // root inside a box may bypass permission prompts: the box is the boundary
        e.put("DISABLE_TELEMETRY", "1");
        e.put("DISABLE_AUTOUPDATER", "1");
        e.put("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1");
        e.put("CLAUDE_CODE_MAX_RETRIES", "3");
        e.put("HOME", env.homeDir());
        e.put("CLAUDE_CONFIG_DIR", env.homeDir() + "/.claude"); // must be writable or the Bash tool fails
        if (!inv.options().mcpServers().isEmpty()) e.put("MCP_CONNECT_TIMEOUT_MS", MCP_CONNECT_TIMEOUT_MS);
        e.putAll(inv.env());
        return e;
    }

    @Override
    public AgentOutcome run(AgentInvocation inv, Sandbox sandbox, BoxScope scope)
            throws IOException, InterruptedException {
        SandboxEnvironment senv = sandbox.environment();
        ClaudeRunSummary.Accumulator acc = ClaudeRunSummary.accumulator();
        StreamJsonParser parser = new StreamJsonParser(event -> {
            acc.accept(event);
            switch (event) {
                case ClaudeStreamEvent.ToolUse u ->
                    scope.toolCall(u.toolName(), u.toolUseId(), u.inputJson(), u.parentToolUseId());
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
                case ClaudeStreamEvent.ToolUnfinished u ->
                    scope.warning("tool call " + u.toolName() + " (" + u.toolUseId() + ") never returned a result");
                default -> {}
            }
        });
        if (!inv.options().mcpServers().isEmpty())
            sandbox.writeFile(MCP_CONFIG, mcpConfig(inv.box(), inv.options().mcpServers()));
        Deque<String> stderrTail = new ArrayDeque<>();
        scope.agentStarted(name(), inv.provider(), inv.model());
        ExecResult r = sandbox.exec(
                new ExecSpec(argv(senv, inv), env(senv, inv), senv.workspace(), inv.timeout()), new OutputSink() {
                    @Override
                    public void stdout(String line) {
                        scope.line("stdout", line);
                        parser.accept(line);
                    }

                    @Override
                    public void stderr(String line) {
                        scope.line("stderr", line);
                        synchronized (stderrTail) {
                            if (stderrTail.size() == STDERR_TAIL) stderrTail.removeFirst();
                            stderrTail.addLast(line);
                        }
                    }
                });
        parser.finish();
        ClaudeRunSummary s = acc.summary();
        return new AgentOutcome(
                s.resultText() == null ? "" : s.resultText(),
                s.sessionId() == null ? "" : s.sessionId(),
                s.usage().withModelIfBlank(inv.model()),
                s.durationMs(),
                s.durationApiMs(),
                failure(r, s, inv, tail(stderrTail)));
    }

    private static Optional<Failure> failure(ExecResult r, ClaudeRunSummary s, AgentInvocation inv, String stderrTail) {
        if (r.timedOut())
            return Optional.of(new Failure.Timeout(
                    "agent timed out after " + inv.timeout().toSeconds() + " s; its process tree was killed"));
        if (s.isError()) return Optional.of(new Failure.AgentError("claude reported an error: " + s.errorMessage()));
        if (r.exitCode() != 0)
            return Optional.of(
                    new Failure.AgentExit(r.exitCode(), "claude exited with code " + r.exitCode() + stderrTail));
        if (!s.hasResult()) return Optional.of(new Failure.NoResult("claude ended without a result line" + stderrTail));
        return Optional.empty();
    }

    private static String tail(Deque<String> lines) {
        synchronized (lines) {
            return lines.isEmpty() ? "" : " (stderr: " + String.join(" | ", lines) + ")";
        }
    }
}
