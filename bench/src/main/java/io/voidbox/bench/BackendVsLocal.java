package io.voidbox.bench;

import io.voidbox.Pipeline;
import io.voidbox.PipelineResult;
import io.voidbox.SandboxOptions.Backend;
import io.voidbox.VoidBox;
import io.voidbox.spec.SpecLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What an isolating backend ({@code namespace} or {@code vm}) costs against the unisolated local
 * backend on a real pipeline (by default the fan-out example: real Claude Code CLI, scripted
 * model, five boxes, three in parallel): wall time of whole runs in one JVM, the two backends
 * alternating (ABBA) so drift hits both, then median, min and max per backend and the ratio.
 * Usage, from the repository root: {@code java -cp bench/target/benchmarks.jar
 * io.voidbox.bench.BackendVsLocal [--backend namespace|vm] [--runs 5] [--warmup 1]
 * [--file examples/fan-out/pipeline.yaml]}.
 */
public final class BackendVsLocal {
    private BackendVsLocal() {}

    public static void main(String[] args) throws Exception {
        BenchArgs cli = BenchArgs.parse(args, "--backend", "--runs", "--warmup", "--file");
        Path file = cli.path("--file", Path.of("examples/fan-out/pipeline.yaml"));
        int runs = cli.intValue("--runs", 5);
        int warmup = cli.intValue("--warmup", 1);
        Backend other = Backend.valueOf(cli.get("--backend", "namespace").toUpperCase(Locale.ROOT));
        if (!Files.isRegularFile(file))
            throw new IllegalArgumentException("--file " + file.toAbsolutePath() + " does not exist");
        Pipeline pipeline = SpecLoader.load(file).pipeline();
        Map<String, String> env = new HashMap<>(System.getenv());
        env.remove("ANTHROPIC_API_KEY"); // the scripted model, never a real one
        System.out.printf(
                "%s vs local: %s, %d runs per backend (ABBA), %d warm-up each%n", other.id(), file, runs, warmup);
        for (int i = 0; i < warmup; i++)
            for (Backend b : List.of(Backend.LOCAL, other))
                System.out.printf("  warm-up %-9s %6.2f s (discarded)%n", b.id(), run(pipeline, b, env));
        Map<Backend, List<Double>> times = new EnumMap<>(Backend.class);
        List<Double> ratios = new ArrayList<>();
        for (int pair = 0; pair < runs; pair++) {
            List<Backend> order = pair % 2 == 0 ? List.of(Backend.LOCAL, other) : List.of(other, Backend.LOCAL);
            Map<Backend, Double> t = new EnumMap<>(Backend.class);
            for (Backend b : order) {
                t.put(b, run(pipeline, b, env));
                times.computeIfAbsent(b, k -> new ArrayList<>()).add(t.get(b));
                System.out.printf("  pair %d %-9s %6.2f s%n", pair, b.id(), t.get(b));
            }
            ratios.add(t.get(other) / t.get(Backend.LOCAL));
        }
        System.out.println();
        System.out.println("| backend | runs | median (s) | min (s) | max (s) |");
        System.out.println("|---|---|---|---|---|");
        for (Backend b : List.of(Backend.LOCAL, other)) {
            double[] s = stats(times.get(b));
            System.out.printf(
                    "| %s | %d | %.2f | %.2f | %.2f |%n", b.id(), times.get(b).size(), s[0], s[1], s[2]);
        }
        double[] r = stats(ratios);
        System.out.printf(
                "%nratio of medians (%s/local): %.3f; per-pair ratio median %.3f, min %.3f, max %.3f%n",
                other.id(), stats(times.get(other))[0] / stats(times.get(Backend.LOCAL))[0], r[0], r[1], r[2]);
    }

    /** One whole run as the CLI does it (a fresh runtime), in seconds; a failed run aborts the benchmark. */
    private static double run(Pipeline pipeline, Backend backend, Map<String, String> env) {
        long t0 = System.nanoTime();
        PipelineResult result;
        try (VoidBox vb = VoidBox.builder()
                .backend(backend)
                .environment(env)
                .notices(n -> {})
                .build()) {
            result = vb.run(pipeline, "");
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        if (!result.success())
            throw new IllegalStateException(
                    "run on " + backend.id() + " failed: " + result.error().orElse("?"));
        return seconds;
    }

    /** Median, min and max. */
    private static double[] stats(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        double median = n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
        return new double[] {median, sorted.getFirst(), sorted.getLast()};
    }
}
