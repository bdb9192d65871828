package io.voidbox.sandbox.local;

import io.voidbox.Failure;
import io.voidbox.Usage;
import io.voidbox.VoidBox;
import io.voidbox.event.RunEventListener;
import io.voidbox.spi.AgentInvocation;
import io.voidbox.spi.AgentOutcome;
import io.voidbox.spi.AgentRunner;
import io.voidbox.spi.BoxScope;
import io.voidbox.spi.ExecResult;
import io.voidbox.spi.ExecSpec;
import io.voidbox.spi.OutputSink;
import io.voidbox.spi.Sandbox;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An "agent" that runs the first paragraph of its prompt as a shell script, so engine tests
 * exercise real processes, workspaces, timeouts and kills without a model. Its stdout is the
 * result text; each run counts as one Bash tool call.
 */
public final class ShellAgentRunner implements AgentRunner {
    /** A runtime of local sandboxes running this "agent", its events to {@code events}. */
    static VoidBox localRuntime(RunEventListener events) {
        return VoidBox.builder()
                .sandboxProvider(new LocalSandboxProvider(() -> Path.of("/bin/false")))
                .agentRunner(new ShellAgentRunner())
                .llmResolver(new FixedLlmResolver())
                .listener(events)
                .build();
    }

    @Override
    public String name() {
        return "shell";
    }

    @Override
    public AgentOutcome run(AgentInvocation inv, Sandbox sandbox, BoxScope listener)
            throws IOException, InterruptedException {
        String script = inv.prompt().split("\n\n", 2)[0];
        listener.agentStarted(name(), inv.provider(), inv.model());
        listener.toolCall("Bash", "toolu_1", script, null);
        StringBuilder out = new StringBuilder();
        long t0 = System.nanoTime();
        ExecResult r = sandbox.exec(
                new ExecSpec(List.of("sh", "-c", script), Map.of(), null, inv.timeout()), new OutputSink() {
                    @Override
                    public void stdout(String line) {
                        out.append(line).append('\n');
                        listener.line("stdout", line);
                    }

                    @Override
                    public void stderr(String line) {
                        listener.line("stderr", line);
                    }
                });
        long ms = (System.nanoTime() - t0) / 1_000_000;
        boolean ok = !r.timedOut() && r.exitCode() == 0;
        listener.toolResult("Bash", "toolu_1", !ok, ms, out.toString(), null);
        Optional<Failure> failure = r.timedOut()
                ? Optional.of(new Failure.Timeout(
                        "agent timed out after " + inv.timeout().toSeconds() + " s",
                        inv.timeout().toMillis()))
                : r.exitCode() != 0
                        ? Optional.of(new Failure.AgentCrashed(
                                "agent exited with code " + r.exitCode(), r.exitCode(), null, List.of()))
                        : Optional.empty();
        Usage usage = new Usage(new Usage.Tokens(10, 5, 0, 0), 0.001, 1, 1, List.of("Bash"), inv.model(), false, 0);
        return new AgentOutcome(out.toString().strip(), "session-" + inv.box(), usage, ms, ms, failure);
    }
}
