package io.voidbox.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The training run of the CLI's AOT cache (JEP 483/514/515): {@code scripts/aot-cache.sh} runs
 * this under {@code -XX:AOTCacheOutput} so the classes, linked lambdas and method profiles of the
 * quick commands ({@code version}, {@code --help}, {@code validate}, {@code inspect}, both output
 * formats, a spec error) are in the cache and the JVM starts them without loading or linking
 * anything from the jar. Nothing is started: no sandbox, no agent, no network, no OTLP SDK.
 */
public final class AotTraining {
    private AotTraining() {}

    /** Trains on a spec of its own in a temp directory; prints nothing. */
    public static void main(String[] args) throws IOException {
        Path dir = Files.createTempDirectory("voidbox-aot-");
        PrintStream out = System.out;
        PrintStream err = System.err;
        try (PrintStream sink = new PrintStream(OutputStream.nullOutputStream())) {
            Path good = dir.resolve("pipeline.yaml");
            Files.writeString(good, """
                    api_version: v1
                    kind: pipeline
                    name: aot-training
                    sandbox: {backend: local, memory_mb: 512}
                    llm: {provider: scripted}
                    pipeline:
                      boxes:
                        - {name: a, prompt: first, output_file: output.json}
                        - {name: b, prompt: second}
                        - {name: c, prompt: third}
                      stages:
                        - {type: box, name: a}
                        - {type: fan_out, boxes: [b, c]}
                    """);
            Path bad = dir.resolve("bad.yaml");
            Files.writeString(bad, "api_version: v1\nkind: pipeline\nname: Bad Name\nfield: 1\n");
            System.setOut(sink);
            System.setErr(sink);
            Map<String, String> env = Map.of("HOME", dir.toString(), "XDG_CONFIG_HOME", dir.toString());
            for (List<String> cmd : List.of(
                    List.of("version"),
                    List.of("--version"),
                    List.of("--help"),
                    List.of("validate", "--file", good.toString()),
                    List.of("validate", "--file", bad.toString()),
                    List.of("--output", "json", "validate", "--file", good.toString()),
                    List.of("inspect", "--file", good.toString()),
                    List.of("--output", "json", "inspect", "--file", good.toString()),
                    List.of("version"))) {
                VoidboxCommand.execute(env, cmd.toArray(String[]::new));
            }
        } finally {
            System.setOut(out);
            System.setErr(err);
            for (String f : List.of("pipeline.yaml", "bad.yaml")) Files.deleteIfExists(dir.resolve(f));
            Files.deleteIfExists(dir);
        }
    }
}
