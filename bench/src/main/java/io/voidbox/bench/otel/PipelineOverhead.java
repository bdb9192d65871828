package io.voidbox.bench.otel;

import io.voidbox.Pipeline;
import io.voidbox.PipelineResult;
import io.voidbox.SandboxOptions;
import io.voidbox.VoidBox;
import io.voidbox.bench.BenchArgs;
import io.voidbox.observability.ExportStats;
import io.voidbox.observability.OtelSetup;
import io.voidbox.spec.SpecLoader;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * What OTLP export costs a whole run: the same real pipeline (real Claude Code CLI, scripted
 * model, local sandbox) run with export off and with export on to a live receiver, alternately
 * in one process so both arms see the same machine. Each run is wired exactly as the CLI wires
 * it ({@code OtelSetup.fromEnvironment}, the SDK handed to {@link VoidBox} only when exporting,
 * a bounded flush after the run, close), and timed from building the setup to closing it.
 *
 * <p>Arms alternate in ABBA pairs (off,on / on,off / ...), which cancels a linear drift of the
 * machine. One discarded run per arm comes first (installs and warms caches, loads the SDK).
 *
 * <pre>
 * java -cp bench/target/benchmarks.jar io.voidbox.bench.otel.PipelineOverhead \
 *      [--file examples/sequential/pipeline.yaml] [--runs 4] [--warmup 1] [--endpoint http://127.0.0.1:4317]
 * </pre>
 */
public final class PipelineOverhead {
    private enum Arm {
        OFF,
        ON
    }

    /** {@code setupSeconds}: building OtelSetup (SDK and exporter classes load here in a fresh JVM); {@code tailSeconds}: flush and close after the run. */
    private record Run(
            Arm arm,
            int index,
            double seconds,
            double setupSeconds,
            double tailSeconds,
            long events,
            ExportStats stats) {}

    private final Pipeline pipeline;
    private final Map<String, String> baseEnv;
    private final Map<String, String> exportEnv;

    private PipelineOverhead(Pipeline pipeline, Map<String, String> baseEnv, Map<String, String> exportEnv) {
        this.pipeline = pipeline;
        this.baseEnv = baseEnv;
        this.exportEnv = exportEnv;
    }

    public static void main(String[] args) throws Exception {
        BenchArgs cli = BenchArgs.parse(args, "--file", "--runs", "--warmup", "--endpoint");
        Path file = cli.path("--file", Path.of("examples/sequential/pipeline.yaml"));
        int runs = cli.intValue("--runs", 4);
        int warmup = cli.intValue("--warmup", 1);
        String endpoint = cli.get("--endpoint", null);
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("--file " + file.toAbsolutePath()
                    + " does not exist (run from the repository root or pass --file)");
        }
        if (runs < 1 || runs > 50 || warmup < 0 || warmup > 5) {
            throw new IllegalArgumentException("--runs must be 1..50 and --warmup 0..5");
        }
        Pipeline pipeline = SpecLoader.load(file).pipeline();

        // the environment of a CLI run without any OpenTelemetry variables (and never a real model key)
        Map<String, String> base = new HashMap<>(System.getenv());
        base.keySet()
                .removeIf(k -> k.startsWith("OTEL_") || k.startsWith("VOIDBOX_OTLP") || k.equals("ANTHROPIC_API_KEY"));
        CountingOtlpReceiver receiver = endpoint == null ? CountingOtlpReceiver.start() : null;
        try {
            Map<String, String> export = new HashMap<>(base);
            export.putAll(
                    receiver != null
                            ? receiver.environment()
                            : Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint, "OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"));
            PipelineOverhead bench = new PipelineOverhead(pipeline, Map.copyOf(base), Map.copyOf(export));
            System.out.printf(
                    "pipeline overhead: %s, local backend, %d runs per arm (ABBA), export to %s%n",
                    file, runs, export.get("OTEL_EXPORTER_OTLP_ENDPOINT"));
            for (int i = 0; i < warmup; i++) {
                for (Arm arm : Arm.values()) {
                    Run r = bench.run(arm, -1 - i);
                    System.out.printf(
                            "  warm-up %-3s %6.2f s (discarded; setup %.3f s, flush+close %.3f s)%n",
                            arm, r.seconds(), r.setupSeconds(), r.tailSeconds());
                }
            }
            List<Run> results = new ArrayList<>();
            for (int pair = 0; pair < runs; pair++) {
                List<Arm> order = pair % 2 == 0 ? List.of(Arm.OFF, Arm.ON) : List.of(Arm.ON, Arm.OFF);
                for (Arm arm : order) {
                    Run r = bench.run(arm, pair);
                    results.add(r);
                    System.out.printf(
                            "  pair %d %-3s %6.2f s (flush+close %.2f s, %d events%s)%n",
                            pair,
                            arm,
                            r.seconds(),
                            r.tailSeconds(),
                            r.events(),
                            arm == Arm.ON
                                    ? ", " + r.stats().exportedSpans() + " spans exported, "
                                            + (r.stats().droppedSpans()
                                                    + r.stats().failedSpans()) + " dropped/failed"
                                    : "");
                }
            }
            report(results, runs);
            if (receiver != null) {
                System.out.printf(
                        "receiver counted %,d spans and %,d metric data in %,d + %,d requests%n",
                        receiver.spans(), receiver.metricPoints(), receiver.traceRequests(), receiver.metricRequests());
            }
        } finally {
            if (receiver != null) {
                receiver.close();
            }
        }
    }

    /** One run wired as the CLI does it, timed from OtelSetup creation to its close. */
    private Run run(Arm arm, int index) {
        ByteArrayOutputStream notes = new ByteArrayOutputStream();
        PrintStream err = new PrintStream(notes, true, StandardCharsets.UTF_8);
        AtomicLong events = new AtomicLong();
        long t0 = System.nanoTime();
        long tail;
        PipelineResult result;
        ExportStats stats;
        long setup;
        try (OtelSetup otel = OtelSetup.fromEnvironment(arm == Arm.ON ? exportEnv : baseEnv, err)) {
            setup = System.nanoTime();
            if (otel.exporting() != (arm == Arm.ON)) {
                throw new IllegalStateException("arm " + arm + " but exporting=" + otel.exporting() + ": " + notes);
            }
            VoidBox.Builder b = VoidBox.builder()
                    .backend(SandboxOptions.Backend.LOCAL)
                    .environment(baseEnv)
                    .notices(n -> err.println("voidbox: " + n))
                    .syncListener(e -> events.incrementAndGet());
            if (otel.exporting()) {
                b.openTelemetry(otel.openTelemetry());
            }
            try (VoidBox vb = b.build()) {
                result = vb.run(pipeline, "");
                tail = System.nanoTime();
                if (otel.exporting()) {
                    otel.flush(Duration.ofSeconds(3));
                }
            }
            otel.close();
            stats = otel.stats();
        }
        long t1 = System.nanoTime();
        if (!result.success()) {
            throw new IllegalStateException("run " + arm + " #" + index + " failed: "
                    + result.error().orElse("?") + "\n" + notes.toString(StandardCharsets.UTF_8));
        }
        return new Run(arm, index, (t1 - t0) / 1e9, (setup - t0) / 1e9, (t1 - tail) / 1e9, events.get(), stats);
    }

    private static Spread spread(List<Run> results, Arm arm, Function<Run, Double> value) {
        return Spread.of(results.stream().filter(r -> r.arm() == arm).map(value).toList());
    }

    private static void report(List<Run> results, int pairs) {
        Spread off = spread(results, Arm.OFF, Run::seconds);
        Spread on = spread(results, Arm.ON, Run::seconds);
        Spread onSetup = spread(results, Arm.ON, Run::setupSeconds);
        Spread offTail = spread(results, Arm.OFF, Run::tailSeconds);
        Spread onTail = spread(results, Arm.ON, Run::tailSeconds);
        List<Double> ratios = new ArrayList<>();
        for (int p = 0; p < pairs; p++) {
            int pair = p;
            double a = results.stream()
                    .filter(r -> r.index() == pair && r.arm() == Arm.OFF)
                    .findFirst()
                    .orElseThrow()
                    .seconds();
            double b = results.stream()
                    .filter(r -> r.index() == pair && r.arm() == Arm.ON)
                    .findFirst()
                    .orElseThrow()
                    .seconds();
            ratios.add(b / a);
        }
        Spread ratio = Spread.of(ratios);
        Tables.printHeader("arm", "runs", "median (s)", "min (s)", "max (s)", "flush+close median (s)");
        System.out.printf(
                "| export off | %d | %.2f | %.2f | %.2f | %.3f |%n",
                off.n(), off.median(), off.min(), off.max(), offTail.median());
        System.out.printf(
                "| export on  | %d | %.2f | %.2f | %.2f | %.3f |%n",
                on.n(), on.median(), on.min(), on.max(), onTail.median());
        System.out.println();
        System.out.printf(
                "export on, warm JVM: OtelSetup built in %.1f ms (median), flush+close %.0f ms (median)%n",
                onSetup.median() * 1000, onTail.median() * 1000);
        System.out.printf(
                "ratio of medians (on/off): %.3f; per-pair ratio median %.3f, min %.3f, max %.3f (%d pairs)%n",
                on.median() / off.median(), ratio.median(), ratio.min(), ratio.max(), ratio.n());
    }
}
