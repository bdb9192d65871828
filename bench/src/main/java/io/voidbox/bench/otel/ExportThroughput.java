package io.voidbox.bench.otel;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.voidbox.bench.BenchArgs;
import io.voidbox.observability.ExportStats;
import io.voidbox.observability.OtelSetup;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;

/**
 * How many spans per second the export path sustains before it drops: spans shaped like
 * {@code claude.tool.*} spans go through the real {@link OtelSetup} configuration (batch span
 * processor, 2048-span bounded queue, 512-span batches, OTLP/gRPC) into a live receiver. The
 * offered rate is stepped; after each step the queue is flushed so "dropped" counts only spans
 * the bounded queue refused ({@link ExportStats#droppedSpans()}). A final unpaced step shows the
 * ceiling.
 *
 * <pre>
 * java -cp bench/target/benchmarks.jar io.voidbox.bench.otel.ExportThroughput \
 *      [--rates 1000,5000,20000,50000,100000] [--step-seconds 3] [--max-seconds 10] [--refine 2] \
 *      [--endpoint http://127.0.0.1:4317]   # an external receiver instead of one in this JVM
 * </pre>
 */
public final class ExportThroughput {
    private static final String INPUT =
            "{\"command\":\"uname -a && cat /proc/1/comm && ls -la /etc/systemd/system | head -20\","
                    + "\"description\":\"Record kernel and init\"}";
    private static final String OUTPUT = "Linux box 6.1.0 #1 SMP x86_64 GNU/Linux\ninit\n"
            + "-rw-r--r-- 1 root root  512 Jan  1 00:00 unit.service\n".repeat(10);

    /** One step's outcome; rates in spans per second. */
    record Step(
            String label, double seconds, long offered, long exported, long dropped, long failed, double drainSeconds) {
        double offeredRate() {
            return offered / seconds;
        }

        /** Exported over the whole step including the drain after it. */
        double exportedRate() {
            return exported / (seconds + drainSeconds);
        }

        double dropPercent() {
            return offered == 0 ? 0 : 100.0 * dropped / offered;
        }
    }

    private final OtelSetup setup;
    private final Tracer tracer;
    private final Context parent;
    private long sequence;

    private ExportThroughput(OtelSetup setup) {
        this.setup = setup;
        this.tracer = setup.openTelemetry().getTracer("io.voidbox.bench");
        Span stage = tracer.spanBuilder("stage:bench").setNoParent().startSpan();
        this.parent = Context.root().with(stage); // never ended: only its context is used as parent
    }

    public static void main(String[] args) throws IOException {
        BenchArgs cli = BenchArgs.parse(args, "--rates", "--step-seconds", "--max-seconds", "--refine", "--endpoint");
        List<Long> rates = Arrays.stream(
                        cli.get("--rates", "1000,5000,20000,50000,100000").split(","))
                .map(String::trim)
                .map(Long::parseLong)
                .toList();
        double stepSeconds = cli.doubleValue("--step-seconds", 3);
        double maxSeconds = cli.doubleValue("--max-seconds", 10);
        int refine = cli.intValue("--refine", 2);
        String endpoint = cli.get("--endpoint", null);
        CountingOtlpReceiver receiver = endpoint == null ? CountingOtlpReceiver.start() : null;
        Map<String, String> env = receiver != null
                ? receiver.environment()
                : Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint, "OTEL_EXPORTER_OTLP_PROTOCOL", "grpc");
        try (OtelSetup setup = OtelSetup.fromEnvironment(env, System.err)) {
            if (!setup.exporting()) {
                throw new IllegalStateException("OtelSetup did not build an exporter for " + env);
            }
            ExportThroughput bench = new ExportThroughput(setup);
            System.out.printf(
                    "export throughput: OtelSetup -> OTLP/gRPC -> %s receiver at %s; %d cores%n",
                    receiver != null ? "in-process counting" : "external",
                    env.get("OTEL_EXPORTER_OTLP_ENDPOINT"),
                    Runtime.getRuntime().availableProcessors());
            bench.step("warm-up", 20_000, 2); // JIT and connection; not reported
            List<Step> steps = new ArrayList<>();
            for (long rate : rates) {
                steps.add(bench.step(String.valueOf(rate), rate, stepSeconds));
            }
            // bisect between the last clean and the first dropping step
            long clean = 0;
            long dropping = -1;
            for (int i = 0; i < rates.size(); i++) {
                if (steps.get(i).dropped() == 0) {
                    clean = Math.max(clean, rates.get(i));
                } else if (dropping < 0 || rates.get(i) < dropping) {
                    dropping = rates.get(i);
                }
            }
            for (int r = 0; r < refine && dropping > 0 && dropping > clean; r++) {
                long mid = (clean + dropping) / 2;
                Step s = bench.step(String.valueOf(mid), mid, stepSeconds);
                steps.add(s);
                if (s.dropped() == 0) {
                    clean = mid;
                } else {
                    dropping = mid;
                }
            }
            steps.add(bench.step("unpaced", 0, maxSeconds));
            print(steps);
            if (dropping > 0) {
                System.out.printf("drops start between %,d and %,d spans/s offered%n", clean, dropping);
            } else {
                System.out.printf("no drops at any paced rate up to %,d spans/s%n", clean);
            }
            if (receiver != null) {
                System.out.printf(
                        "receiver counted %,d spans in %,d requests (OtelSetup counted %,d exported)%n",
                        receiver.spans(),
                        receiver.traceRequests(),
                        setup.stats().exportedSpans());
            }
        } finally {
            if (receiver != null) {
                receiver.close();
            }
        }
    }

    /**
     * Offers {@code rate} spans/s (0: as fast as possible) for {@code seconds}, then flushes
     * (bounded) and reports what the counters saw for this step.
     */
    private Step step(String label, long rate, double seconds) {
        ExportStats before = setup.stats();
        long durationNanos = (long) (seconds * 1e9);
        long t0 = System.nanoTime();
        long offered = 0;
        long elapsed;
        while ((elapsed = System.nanoTime() - t0) < durationNanos) {
            if (rate <= 0) {
                for (int i = 0; i < 256; i++) {
                    emit();
                }
                offered += 256;
                continue;
            }
            long due = (long) (rate * (elapsed / 1e9));
            if (offered < due) {
                long n = Math.min(due - offered, 1_000);
                for (long i = 0; i < n; i++) {
                    emit();
                }
                offered += n;
            } else {
                LockSupport.parkNanos(Math.min(1_000_000, (long) (1e9 / rate)));
            }
        }
        double genSeconds = (System.nanoTime() - t0) / 1e9;
        long d0 = System.nanoTime();
        boolean flushed = setup.flush(Duration.ofSeconds(10));
        double drainSeconds = (System.nanoTime() - d0) / 1e9;
        ExportStats after = setup.stats();
        Step s = new Step(
                label,
                genSeconds,
                offered,
                after.exportedSpans() - before.exportedSpans(),
                after.droppedSpans() - before.droppedSpans(),
                after.failedSpans() - before.failedSpans(),
                drainSeconds);
        if (!flushed) {
            System.out.println(
                    "  (step " + label + ": flush did not complete within 10 s; dropped includes spans still queued)");
        }
        return s;
    }

    private void emit() {
        long n = sequence++;
        String id = "toolu_bench" + n;
        Instant start = Instant.now();
        Span span = tracer.spanBuilder("claude.tool.Bash")
                .setParent(parent)
                .setSpanKind(SpanKind.INTERNAL)
                .setStartTimestamp(start)
                .setAttribute("gen_ai.operation.name", "execute_tool")
                .setAttribute("gen_ai.tool.name", "Bash")
                .setAttribute("tool.name", "Bash")
                .setAttribute("gen_ai.tool.call.id", id)
                .setAttribute("tool.use_id", id)
                .setAttribute("tool.input", INPUT)
                .startSpan();
        span.setAttribute("tool.output", OUTPUT);
        span.end(start.plusMillis(150));
    }

    private static void print(List<Step> steps) {
        System.out.println();
        System.out.println(
                "| offered (target/s) | offered (/s) | exported | dropped | drop % | failed | exported (/s) | drain (s) |");
        System.out.println("|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (Step s : steps) {
            System.out.printf(
                    "| %s | %,.0f | %,d | %,d | %.1f | %,d | %,.0f | %.2f |%n",
                    s.label(),
                    s.offeredRate(),
                    s.exported(),
                    s.dropped(),
                    s.dropPercent(),
                    s.failed(),
                    s.exportedRate(),
                    s.drainSeconds());
        }
        System.out.println();
    }
}
