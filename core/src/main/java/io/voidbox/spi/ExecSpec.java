package io.voidbox.spi;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A command to run inside a sandbox. {@code env} is added to a minimal base environment, never
 * the host's: secrets only enter a box when named explicitly.
 */
public record ExecSpec(List<String> argv, Map<String, String> env, String workingDir, Duration timeout) {
    public ExecSpec {
        argv = List.copyOf(argv);
        env = Map.copyOf(env);
        if (argv.isEmpty()) throw new IllegalArgumentException("argv must not be empty");
    }
}
