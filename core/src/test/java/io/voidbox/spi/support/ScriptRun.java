package io.voidbox.spi.support;

import io.voidbox.spi.ExecResult;
import io.voidbox.spi.ExecSpec;
import io.voidbox.spi.OutputSink;
import io.voidbox.spi.Sandbox;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** Runs a shell script in a sandbox and keeps what it printed: the one exec helper of the backends' tests. */
public final class ScriptRun {
    /** What a script printed, and how it ended. */
    public record Out(ExecResult result, String stdout, String stderr) {}

    private ScriptRun() {}

    /** {@code /bin/sh -c script}. */
    public static Out sh(Sandbox sb, Duration timeout, String script) throws IOException, InterruptedException {
        return run(sb, "/bin/sh", script, Map.of(), timeout);
    }

    /** {@code /bin/bash -c script}. */
    public static Out bash(Sandbox sb, Duration timeout, String script) throws IOException, InterruptedException {
        return run(sb, "/bin/bash", script, Map.of(), timeout);
    }

    /** {@code shell -c script} with {@code env} added to the box's environment. */
    public static Out run(Sandbox sb, String shell, String script, Map<String, String> env, Duration timeout)
            throws IOException, InterruptedException {
        StringBuilder out = new StringBuilder();
        StringBuilder err = new StringBuilder();
        ExecResult r = sb.exec(new ExecSpec(List.of(shell, "-c", script), env, null, timeout), new OutputSink() {
            @Override
            public void stdout(String line) {
                synchronized (out) {
                    out.append(line).append('\n');
                }
            }

            @Override
            public void stderr(String line) {
                synchronized (err) {
                    err.append(line).append('\n');
                }
            }
        });
        synchronized (out) {
            synchronized (err) {
                return new Out(r, out.toString(), err.toString());
            }
        }
    }
}
