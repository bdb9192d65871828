package io.voidbox.bench.otel;

import io.opentelemetry.context.Context;
import io.voidbox.event.RunEvent;
import io.voidbox.internal.otel.OtelRunInstrumentation;
import io.voidbox.observability.OtelSetup;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * What export costs a CLI invocation, which is a fresh JVM every time: class loading and set-up
 * of the SDK and the OTLP exporter, the first export's connection, the bounded flush and close.
 * The pipeline harness runs in one warm JVM and cannot see this; here each sample is a new child
 * JVM doing what the CLI does around a run (three stages' events, about 95, through the
 * instrumentation when exporting), with export off and on alternating (ABBA). The receiver lives
 * in this parent process, so its start-up is not counted.
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp bench/target/benchmarks.jar io.voidbox.bench.otel.ColdStartOverhead [--runs 6]
 * </pre>
 */
public final class ColdStartOverhead {
    private static final int STAGES = 3;

    private ColdStartOverhead() {}

    public static void main(String[] args) throws Exception {
        if (args.length == 3 && args[0].equals("--child")) {
            child(args[1], args[2]);
            return;
        }
        int runs = 6;
        if (args.length == 2 && args[0].equals("--runs")) {
            runs = Integer.parseInt(args[1]);
        } else if (args.length != 0) {
            throw new IllegalArgumentException("usage: ColdStartOverhead [--runs N]");
        }
        if (runs < 1 || runs > 50) {
            throw new IllegalArgumentException("--runs must be 1..50");
        }
        try (CountingOtlpReceiver receiver = CountingOtlpReceiver.start()) {
            System.out.printf(
                    "cold start: fresh JVM per sample, %d per arm (ABBA), %d stages of events each, export to %s%n",
                    runs, STAGES, receiver.grpcEndpoint());
            Map<String, List<Double>> wall = new TreeMap<>();
            Map<String, List<Double>> inside = new TreeMap<>();
            for (int i = 0; i < runs; i++) {
                for (String arm : i % 2 == 0 ? List.of("off", "on") : List.of("on", "off")) {
                    long t0 = System.nanoTime();
                    String line = spawn(arm, receiver.grpcEndpoint());
                    double ms = (System.nanoTime() - t0) / 1e6;
                    double in = Double.parseDouble(line.replaceAll(".*total=([0-9.]+).*", "$1"));
                    wall.computeIfAbsent(arm, k -> new ArrayList<>()).add(ms);
                    inside.computeIfAbsent(arm, k -> new ArrayList<>()).add(in);
                    System.out.printf("  %d %-3s process %6.0f ms; %s%n", i, arm, ms, line);
                }
            }
            Spread offWall = Spread.of(wall.get("off"));
            Spread onWall = Spread.of(wall.get("on"));
            Spread offIn = Spread.of(inside.get("off"));
            Spread onIn = Spread.of(inside.get("on"));
            Tables.printHeader(
                    "export",
                    "runs",
                    "JVM process median (ms)",
                    "min",
                    "max",
                    "in-process work median (ms)",
                    "min",
                    "max");
            System.out.printf(
                    "| off | %d | %.0f | %.0f | %.0f | %.1f | %.1f | %.1f |%n",
                    offWall.n(),
                    offWall.median(),
                    offWall.min(),
                    offWall.max(),
                    offIn.median(),
                    offIn.min(),
                    offIn.max());
            System.out.printf(
                    "| on | %d | %.0f | %.0f | %.0f | %.1f | %.1f | %.1f |%n",
                    onWall.n(), onWall.median(), onWall.min(), onWall.max(), onIn.median(), onIn.min(), onIn.max());
            System.out.println();
            System.out.printf(
                    "added by export in a fresh JVM (medians): %.0f ms per process, %.0f ms of in-process work; "
                            + "receiver got %d spans%n",
                    onWall.median() - offWall.median(), onIn.median() - offIn.median(), receiver.spans());
        }
    }

    private static String spawn(String arm, String endpoint) throws IOException, InterruptedException {
        String java = ProcessHandle.current().info().command().orElse("java");
        Process p = new ProcessBuilder(
                        java,
                        "--enable-native-access=ALL-UNNAMED",
                        "-Xmx256m",
                        "-cp",
                        System.getProperty("java.class.path"),
                        ColdStartOverhead.class.getName(),
                        "--child",
                        arm,
                        endpoint)
                .redirectErrorStream(true)
                .start();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Thread pump = Thread.ofVirtual().start(() -> {
            try {
                p.getInputStream().transferTo(out);
            } catch (IOException ignored) {
                // the process died; the exit code says what happened
            }
        });
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            throw new IllegalStateException("child " + arm + " did not finish within 60 s");
        }
        pump.join(5000);
        String text = out.toString(StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            throw new IllegalStateException("child " + arm + " exited " + p.exitValue() + ":\n" + text);
        }
        return text.lines()
                .filter(l -> l.startsWith("cold "))
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("child " + arm + " printed no result:\n" + text));
    }

    /** One CLI-like lifetime: OtelSetup from the environment, the run's events, flush, close. */
    private static void child(String arm, String endpoint) {
        long t0 = System.nanoTime();
        Map<String, String> env = arm.equals("on")
                ? Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint, "OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")
                : Map.of();
        ByteArrayOutputStream notes = new ByteArrayOutputStream();
        List<RunEvent> events = StageEvents.sequence();
        long setup;
        long replay;
        long flush;
        try (OtelSetup otel = OtelSetup.fromEnvironment(env, new PrintStream(notes, true, StandardCharsets.UTF_8))) {
            setup = System.nanoTime();
            // as VoidBox does: instrumentation only when an SDK was built
            OtelRunInstrumentation tracing =
                    otel.exporting() ? new OtelRunInstrumentation(otel.openTelemetry(), Context.root()) : null;
            long published = 0;
            for (int s = 0; s < STAGES; s++) {
                for (RunEvent e : events) {
                    if (tracing != null) {
                        tracing.onEvent(e);
                    }
                    published++;
                }
            }
            replay = System.nanoTime();
            if (otel.exporting()) {
                otel.flush(Duration.ofSeconds(3));
            }
            flush = System.nanoTime();
            otel.close();
            if (tracing != null) {
                tracing.close();
            }
            if (published != (long) STAGES * events.size()) {
                throw new IllegalStateException("published " + published);
            }
        }
        long end = System.nanoTime();
        System.out.printf(
                "cold %s: setup=%.1f events=%.1f flush=%.1f close=%.1f total=%.1f ms%n",
                arm,
                (setup - t0) / 1e6,
                (replay - setup) / 1e6,
                (flush - replay) / 1e6,
                (end - flush) / 1e6,
                (end - t0) / 1e6);
    }
}
