package io.voidbox.agent.claude.internal;

import io.voidbox.Failure;
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
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Runs the real Claude Code CLI headless inside a sandbox and turns its {@code stream-json}
 * output into live tool-call events, line by line, as the CLI prints them.
 */
public final class ClaudeCodeRunner implements AgentRunner {
    private static final int STDERR_TAIL = 5;

    @Override
    public String name() {
        return "claude";
    }

    static List<String> argv(SandboxEnvironment env, AgentInvocation inv) {
        return List.of(
                env.claudeExecutable(),
                "-p",
                inv.prompt(),
                "--output-format",
                "stream-json",
                "--verbose",
                "--dangerously-skip-permissions",
                "--model",
                inv.model());
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
