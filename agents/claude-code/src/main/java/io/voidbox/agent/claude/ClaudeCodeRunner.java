package io.voidbox.agent.claude;

import io.voidbox.spi.AgentInvocation;
import io.voidbox.spi.AgentListener;
import io.voidbox.spi.AgentOutcome;
import io.voidbox.spi.AgentRunner;
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
        return List.of(env.claudeExecutable(), "-p", inv.prompt(), "--output-format", "stream-json", "--verbose",
                "--dangerously-skip-permissions", "--model", inv.model());
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
    public AgentOutcome run(AgentInvocation inv, Sandbox sandbox, AgentListener listener) throws IOException, InterruptedException {
        SandboxEnvironment senv = sandbox.environment();
        ClaudeRunSummary.Accumulator acc = ClaudeRunSummary.accumulator();
        StreamJsonParser parser = new StreamJsonParser(event -> {
            acc.accept(event);
            switch (event) {
                case ClaudeStreamEvent.ToolUse u -> listener.toolCall(u.toolName(), u.toolUseId(), u.inputJson(), u.parentToolUseId());
                case ClaudeStreamEvent.ToolResult r -> listener.toolResult(r.toolName(), r.toolUseId(), r.isError(),
                        Math.max(0, r.durationMs()), r.content(), r.parentToolUseId());
                case ClaudeStreamEvent.ParseWarning w -> listener.warning("claude stream line " + w.line() + ": " + w.message()
                        + (w.excerpt() == null ? "" : " [" + w.excerpt() + "]"));
                case ClaudeStreamEvent.ToolUnfinished u -> listener.warning("tool call " + u.toolName() + " (" + u.toolUseId() + ") never returned a result");
                default -> {
                }
            }
        });
        Deque<String> stderrTail = new ArrayDeque<>();
        listener.started(inv.model());
        ExecResult r = sandbox.exec(new ExecSpec(argv(senv, inv), env(senv, inv), senv.workspace(), inv.timeout()), new OutputSink() {
            @Override
            public void stdout(String line) {
                listener.line("stdout", line);
                parser.accept(line);
            }

            @Override
            public void stderr(String line) {
                listener.line("stderr", line);
                synchronized (stderrTail) {
                    if (stderrTail.size() == STDERR_TAIL) stderrTail.removeFirst();
                    stderrTail.addLast(line);
                }
            }
        });
        parser.finish();
        ClaudeRunSummary s = acc.summary();
        Optional<String> error = Optional.empty();
        Optional<String> errorType = Optional.empty();
        if (r.timedOut()) {
            error = Optional.of("agent timed out after " + inv.timeout().toSeconds() + " s; its process tree was killed");
            errorType = Optional.of("timeout");
        } else if (s.isError()) {
            error = Optional.of("claude reported an error: " + Optional.ofNullable(s.errorMessage()).orElse("unknown"));
            errorType = Optional.of("agent_error");
        } else if (r.exitCode() != 0) {
            error = Optional.of("claude exited with code " + r.exitCode() + tail(stderrTail));
            errorType = Optional.of("exit_code");
        } else if (!s.hasResult()) {
            error = Optional.of("claude ended without a result line" + tail(stderrTail));
            errorType = Optional.of("no_result");
        }
        String model = s.model() == null ? inv.model() : s.model();
        return new AgentOutcome(error.isEmpty(), s.resultText() == null ? "" : s.resultText(), model,
                s.sessionId() == null ? "" : s.sessionId(), s.inputTokens(), s.outputTokens(), s.cacheReadTokens(),
                s.cacheCreationTokens(), s.costUsd(), s.numTurns(), s.durationMs(), s.durationApiMs(), s.toolCalls(),
                s.toolsUsed(), error, errorType);
    }

    private static String tail(Deque<String> lines) {
        synchronized (lines) {
            return lines.isEmpty() ? "" : " (stderr: " + String.join(" | ", lines) + ")";
        }
    }
}
