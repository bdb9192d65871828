package io.voidbox.cli;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * One in-process {@code voidbox} invocation with its stdout and stderr captured (the commands
 * write to {@code System.out}/{@code System.err}, like the real process).
 *
 * @param exit the exit code
 * @param out  what went to stdout
 * @param err  what went to stderr
 */
record CliRun(int exit, String out, String err) {

    static synchronized CliRun of(Map<String, String> env, String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        int exit;
        System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
        try {
            exit = VoidboxCommand.execute(env, args);
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
        return new CliRun(exit, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    }

    /**
     * The process environment without model keys, OTLP settings or the user's own configuration
     * ({@code XDG_CONFIG_HOME} points at {@code configHome}).
     */
    static Map<String, String> cleanEnv(Path configHome) {
        Map<String, String> env = new HashMap<>(System.getenv());
        env.keySet()
                .removeIf(k -> k.startsWith("OTEL_")
                        || k.startsWith("VOIDBOX_")
                        || k.equals("ANTHROPIC_API_KEY")
                        || k.equals("XDG_CONFIG_HOME"));
        env.put("XDG_CONFIG_HOME", configHome.toAbsolutePath().toString());
        return env;
    }

    /** VoidBox's example specs, copied into {@code ../shared/compat/void-box/} next to the repository. */
    static Path compat() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.isDirectory(p.resolve("shared/compat/void-box"))) p = p.getParent();
        // CI and the developers' machines have shared/ beside the clone; a clone elsewhere skips, saying why
        assumeTrue(
                p != null,
                "VoidBox's example specs (shared/compat/void-box) are not beside this clone ("
                        + Path.of("").toAbsolutePath() + ")");
        return p.resolve("shared/compat/void-box");
    }
}
