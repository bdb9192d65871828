package io.voidbox.spi;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A command to run inside a sandbox. {@code env} is added to a minimal base environment, never
 * the host's: secrets only enter a box when named explicitly.
 *
 * @param stdin what the command reads on its standard input, then end of file; empty (the
 *              default) means stdin is closed at once, which a command cannot tell apart from
 *              empty input. Workflow steps use it to read another step's output.
 */
public record ExecSpec(List<String> argv, Map<String, String> env, String workingDir, Duration timeout, byte[] stdin) {
    private static final byte[] NONE = new byte[0];

    public ExecSpec {
        argv = List.copyOf(argv);
        env = Map.copyOf(env);
        if (argv.isEmpty()) throw new IllegalArgumentException("argv must not be empty");
        stdin = stdin == null || stdin.length == 0 ? NONE : stdin.clone();
    }

    /** A command with its stdin closed. */
    public ExecSpec(List<String> argv, Map<String, String> env, String workingDir, Duration timeout) {
        this(argv, env, workingDir, timeout, NONE);
    }

    /** The command's standard input (a copy; empty when stdin is closed at once). */
    @Override
    public byte[] stdin() {
        return stdin.length == 0 ? NONE : stdin.clone();
    }

    /** True when the command gets input on stdin. */
    public boolean hasStdin() {
        return stdin.length > 0;
    }
}
