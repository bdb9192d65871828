package io.voidbox.bench.otel;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.context.Context;
import io.voidbox.event.RunEvent;
import io.voidbox.internal.otel.OtelRunInstrumentation;
import io.voidbox.observability.ExportStats;
import io.voidbox.observability.OtelSetup;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Cost per event of {@link OtelRunInstrumentation#onEvent} on the publishing thread (it is a
 * synchronous listener, so this is what a run pays per event): with the noop OpenTelemetry (export
 * off) and with the real SDK from {@link OtelSetup} exporting over gRPC to a live receiver in
 * this JVM (export on). One invocation replays {@link StageEvents#sequence()}: 31 events, 13 spans.
 *
 * <p>Export on, replayed back to back, offers far more spans than any collector takes, so the
 * batch processor's bounded queue is full most of the time and its export thread and the receiver
 * compete with the benchmark thread for the CPUs: an upper bound for a real run, which publishes
 * tens of events per second. The spans exported and dropped are printed at the end of the trial.
 *
 * <p>{@code java -jar bench/target/benchmarks.jar OnEventBenchmark}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 1)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Xmx1g", "--enable-native-access=ALL-UNNAMED"})
public class OnEventBenchmark {
    @Param({"noop", "export"})
    public String otel;

    private List<RunEvent> events;
    private CountingOtlpReceiver receiver;
    private OtelSetup setup;
    private OtelRunInstrumentation instrumentation;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        events = StageEvents.sequence();
        OpenTelemetry api;
        switch (otel) {
            case "noop" -> api = OpenTelemetry.noop();
            case "export" -> {
                receiver = CountingOtlpReceiver.start();
                setup = OtelSetup.fromEnvironment(receiver.environment(), System.err);
                if (!setup.exporting()) {
                    throw new IllegalStateException(
                            "OtelSetup did not build an exporter for " + receiver.grpcEndpoint());
                }
                api = setup.openTelemetry();
            }
            default -> throw new IllegalArgumentException("otel must be noop or export, was " + otel);
        }
        instrumentation = new OtelRunInstrumentation(api, Context.root());
    }

    @Benchmark
    @OperationsPerInvocation(StageEvents.EVENTS)
    public void stage() {
        for (RunEvent e : events) {
            instrumentation.onEvent(e);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        instrumentation.onClose();
        if (setup != null) {
            setup.flush(Duration.ofSeconds(5));
            ExportStats s = setup.stats();
            setup.close(Duration.ofSeconds(5));
            instrumentation.close();
            System.out.printf(
                    "%n[export] receiver got %d spans; OtelSetup: exported %d, dropped %d, failed %d, "
                            + "metric batches %d; export failures %d%n",
                    receiver.spans(),
                    s.exportedSpans(),
                    s.droppedSpans(),
                    s.failedSpans(),
                    s.exportedMetricBatches(),
                    s.exportFailures());
            receiver.close();
        } else {
            instrumentation.close();
        }
    }
}
