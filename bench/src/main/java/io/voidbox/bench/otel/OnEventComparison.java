package io.voidbox.bench.otel;

import io.voidbox.bench.BenchArgs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs {@link OnEventBenchmark} with both arms side by side: rounds of one JMH fork per arm in
 * ABBA order (noop, export / export, noop / ...), so a machine whose load drifts (a shared one)
 * affects both arms alike, and prints ns/event per arm (median and range over all measurement
 * iterations) and the per-round ratio. JMH's own console output goes to a log file.
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp bench/target/benchmarks.jar io.voidbox.bench.otel.OnEventComparison \
 *      [--rounds 4] [--warmup 5] [--iterations 5] [--log /tmp/onevent-jmh.log]
 * </pre>
 */
public final class OnEventComparison {
    private static final List<String> ARMS = List.of("noop", "export");

    private OnEventComparison() {}

    public static void main(String[] args) throws RunnerException, IOException {
        BenchArgs cli = BenchArgs.parse(args, "--rounds", "--warmup", "--iterations", "--log");
        int rounds = cli.intValue("--rounds", 4);
        int warmup = cli.intValue("--warmup", 5);
        int iterations = cli.intValue("--iterations", 5);
        Path log = cli.path("--log", Path.of(System.getProperty("java.io.tmpdir"), "onevent-jmh.log"));
        if (rounds < 1 || rounds > 20 || warmup < 1 || iterations < 1) {
            throw new IllegalArgumentException("--rounds must be 1..20, --warmup and --iterations at least 1");
        }
        Files.deleteIfExists(log);
        Map<String, List<Double>> iterationsByArm = new TreeMap<>();
        Map<String, List<Double>> forkScores = new TreeMap<>();
        List<Double> ratios = new ArrayList<>();
        System.out.printf(
                "onEvent cost, %d rounds x 2 arms (ABBA), 1 fork each: %d x 1 s warm-up, %d x 1 s measured; "
                        + "%d cores; JMH log: %s%n",
                rounds, warmup, iterations, Runtime.getRuntime().availableProcessors(), log);
        for (int round = 0; round < rounds; round++) {
            List<String> order = round % 2 == 0 ? ARMS : ARMS.reversed();
            Map<String, Double> score = new TreeMap<>();
            for (String arm : order) {
                Path armLog = Files.createTempFile("onevent-", ".log");
                try {
                    Options options = new OptionsBuilder()
                            .include(OnEventBenchmark.class.getName() + ".stage")
                            .param("otel", arm)
                            .forks(1)
                            .warmupIterations(warmup)
                            .warmupTime(TimeValue.seconds(1))
                            .measurementIterations(iterations)
                            .measurementTime(TimeValue.seconds(1))
                            .jvmArgsAppend("-Xmx1g", "--enable-native-access=ALL-UNNAMED")
                            .output(armLog.toString())
                            .build();
                    RunResult r = new Runner(options).runSingle();
                    List<Double> its = new ArrayList<>();
                    for (var br : r.getBenchmarkResults()) {
                        for (IterationResult ir : br.getIterationResults()) {
                            its.add(ir.getPrimaryResult().getScore());
                        }
                    }
                    iterationsByArm.computeIfAbsent(arm, k -> new ArrayList<>()).addAll(its);
                    double s = r.getPrimaryResult().getScore();
                    forkScores.computeIfAbsent(arm, k -> new ArrayList<>()).add(s);
                    score.put(arm, s);
                    String text = Files.readString(armLog, StandardCharsets.UTF_8);
                    Files.writeString(
                            log, text, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
                    // the export fork prints its own "[export] ... dropped ..." line on the console
                    System.out.printf("  round %d %-6s %8.1f ns/event%n", round, arm, s);
                } finally {
                    Files.deleteIfExists(armLog);
                }
            }
            ratios.add(score.get("export") / score.get("noop"));
        }
        Spread noop = Spread.of(iterationsByArm.get("noop"));
        Spread export = Spread.of(iterationsByArm.get("export"));
        Spread ratio = Spread.of(ratios);
        Tables.printHeader("otel", "forks", "iterations", "median ns/event", "min", "max");
        System.out.printf(
                "| noop | %d | %d | %.0f | %.0f | %.0f |%n",
                forkScores.get("noop").size(), noop.n(), noop.median(), noop.min(), noop.max());
        System.out.printf(
                "| export | %d | %d | %.0f | %.0f | %.0f |%n",
                forkScores.get("export").size(), export.n(), export.median(), export.min(), export.max());
        System.out.println();
        System.out.printf(
                "export/noop: ratio of medians %.2f; per-round ratio median %.2f, min %.2f, max %.2f (%d rounds); "
                        + "added cost (median) %.0f ns/event = %.1f us per 31-event stage%n",
                export.median() / noop.median(),
                ratio.median(),
                ratio.min(),
                ratio.max(),
                ratio.n(),
                export.median() - noop.median(),
                (export.median() - noop.median()) * StageEvents.EVENTS / 1000);
    }
}
