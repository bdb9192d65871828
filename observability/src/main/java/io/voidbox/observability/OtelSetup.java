package io.voidbox.observability;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.MeterProvider;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.exporter.otlp.http.metrics.OtlpHttpMetricExporter;
import io.opentelemetry.exporter.otlp.http.metrics.OtlpHttpMetricExporterBuilder;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporterBuilder;
import io.opentelemetry.exporter.otlp.metrics.OtlpGrpcMetricExporter;
import io.opentelemetry.exporter.otlp.metrics.OtlpGrpcMetricExporterBuilder;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporterBuilder;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.export.RetryPolicy;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.export.MetricExporter;
import io.opentelemetry.sdk.metrics.export.PeriodicMetricReader;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.voidbox.observability.OtlpSettings.Protocol;
import java.io.PrintStream;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The one place the OpenTelemetry SDK and OTLP exporters are built, from the environment
 * variables of the contract ({@code docs/observability.md}, section 4). Everything else uses the
 * {@link #openTelemetry()} API instance it hands out.
 *
 * <p>Guarantees that matter to a CLI run: with no endpoint nothing is built and nothing connects;
 * a malformed variable prints one line naming it and the run goes on without export; a dead or
 * slow collector costs at most the bounded {@link #close(Duration)} at the end (export timeout
 * {@value #EXPORT_TIMEOUT_MS} ms, bounded queue that drops instead of blocking), and the
 * outcome is printed as one summary line.
 *
 * <pre>{@code
 * try (OtelSetup otel = OtelSetup.fromEnvironment(System.getenv(), System.err)) {
 *     var instrumentation = new OtelRunInstrumentation(otel.openTelemetry());
 *     ... run ...
 * } // flushes within CLOSE_TIMEOUT, prints "otel: exported N spans, ..." when export was on
 * }</pre>
 */
public final class OtelSetup implements AutoCloseable {
    static final long EXPORT_TIMEOUT_MS = 2000;
    static final Duration CONNECT_TIMEOUT = Duration.ofMillis(1000);
    /** Default bound of {@link #close()}. */
    public static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(3);

    static final Duration METRIC_INTERVAL = Duration.ofSeconds(5);
    static final Duration SPAN_SCHEDULE_DELAY = Duration.ofSeconds(1);
    static final int SPAN_QUEUE_SIZE = 2048;
    static final int SPAN_BATCH_SIZE = 512;
    /** Loggers whose per-failure messages would otherwise flood stderr while a collector is down. */
    private static final List<String> QUIET_LOGGERS = List.of(
            "io.opentelemetry.exporter", "io.opentelemetry.sdk.trace.export", "io.opentelemetry.sdk.metrics.export");

    private final OpenTelemetry openTelemetry;
    private final OpenTelemetrySdk sdk;
    private final OtlpSettings settings;
    private final ExportCounters counters;
    private final PrintStream err;
    private final List<Logger> quieted = new ArrayList<>();
    private final List<Level> previousLevels = new ArrayList<>();
    private boolean closed;

    /** {@code sdk}, {@code settings} and {@code counters} are all null when nothing is exported. */
    private OtelSetup(OpenTelemetrySdk sdk, OtlpSettings settings, ExportCounters counters, PrintStream err) {
        this.openTelemetry = sdk != null ? sdk : OpenTelemetry.noop();
        this.sdk = sdk;
        this.settings = settings;
        this.counters = counters;
        this.err = err;
    }

    /** {@link #fromEnvironment(Map, PrintStream)} with the process environment and {@code System.err}. */
    public static OtelSetup fromEnvironment() {
        return fromEnvironment(System.getenv(), System.err);
    }

    /**
     * Resolves the configuration from {@code env} and builds the SDK if an endpoint is set.
     * Never throws for bad configuration: problems are printed on {@code err}, one line each.
     */
    public static OtelSetup fromEnvironment(Map<String, String> env, PrintStream err) {
        Objects.requireNonNull(env, "env");
        Objects.requireNonNull(err, "err");
        OtlpSettings.Resolution r = OtlpSettings.resolve(env);
        r.problems().forEach(err::println);
        if (r.settings().isEmpty()) {
            if (r.debug() && r.problems().isEmpty()) {
                err.println("otel: export disabled: neither " + OtlpSettings.VOIDBOX_OTLP_ENDPOINT + " nor "
                        + OtlpSettings.OTEL_EXPORTER_OTLP_ENDPOINT + " is set (service.name=" + r.serviceName() + ")");
            }
            return disabled(err);
        }
        OtlpSettings s = r.settings().get();
        if (s.debug()) {
            err.println(describe(s));
        }
        OtelSetup setup;
        try {
            setup = build(s, err);
        } catch (RuntimeException e) {
            // e.g. no sender on the class path of a badly shaded jar: still never fail the run
            err.println("otel: could not create the OTLP exporter (" + e.getMessage()
                    + "); continuing without OpenTelemetry export");
            return disabled(err);
        }
        if (!s.debug()) {
            setup.quietExporterLogs();
        }
        return setup;
    }

    /** A holder that exports nothing: the API is the noop implementation. */
    public static OtelSetup disabled(PrintStream err) {
        return new OtelSetup(null, null, null, err);
    }

    private static OtelSetup build(OtlpSettings s, PrintStream err) {
        ExportCounters counters = new ExportCounters();
        SpanExporter spanExporter = counters.counting(spanExporter(s));
        MetricExporter metricExporter = counters.counting(metricExporter(s));
        Resource resource = Resource.getDefault()
                .merge(Resource.create(Attributes.of(AttributeKey.stringKey("service.name"), s.serviceName())));
        SdkTracerProvider tracerProvider = SdkTracerProvider.builder()
                .setResource(resource)
                .setSampler(Sampler.parentBased(Sampler.traceIdRatioBased(s.samplerRatio())))
                .addSpanProcessor(counters.endedSpanCounter())
                .addSpanProcessor(BatchSpanProcessor.builder(spanExporter)
                        .setMaxQueueSize(SPAN_QUEUE_SIZE)
                        .setMaxExportBatchSize(SPAN_BATCH_SIZE)
                        .setScheduleDelay(SPAN_SCHEDULE_DELAY)
                        .setExporterTimeout(Duration.ofMillis(EXPORT_TIMEOUT_MS + 500))
                        .setMeterProvider(MeterProvider.noop())
                        .build())
                .build();
        SdkMeterProvider meterProvider = SdkMeterProvider.builder()
                .setResource(resource)
                .registerMetricReader(PeriodicMetricReader.builder(metricExporter)
                        .setInterval(METRIC_INTERVAL)
                        .build())
                .build();
        OpenTelemetrySdk sdk = OpenTelemetrySdk.builder()
                .setTracerProvider(tracerProvider)
                .setMeterProvider(meterProvider)
                .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
                .build();
        return new OtelSetup(sdk, s, counters, err);
    }

    private static RetryPolicy retryPolicy() {
        return RetryPolicy.builder()
                .setMaxAttempts(3)
                .setInitialBackoff(Duration.ofMillis(100))
                .setMaxBackoff(Duration.ofMillis(500))
                .build();
    }

    private static SpanExporter spanExporter(OtlpSettings s) {
        ExporterSettings settings = ExporterSettings.of(s, "traces");
        return s.protocol() == Protocol.HTTP_PROTOBUF
                ? settings.build(OtlpHttpSpanExporter.builder(), HTTP_SPANS)
                : settings.build(OtlpGrpcSpanExporter.builder(), GRPC_SPANS);
    }

    private static MetricExporter metricExporter(OtlpSettings s) {
        ExporterSettings settings = ExporterSettings.of(s, "metrics");
        return s.protocol() == Protocol.HTTP_PROTOBUF
                ? settings.build(OtlpHttpMetricExporter.builder(), HTTP_METRICS)
                : settings.build(OtlpGrpcMetricExporter.builder(), GRPC_METRICS);
    }

    /**
     * What every exporter gets, whatever its signal and transport: one endpoint, the headers, and
     * the fixed timeouts, retry policy and noop self-metrics. Applied in one place because the four
     * OTel exporter builders share no type; each is reached through its own {@link Setters}.
     */
    private record ExporterSettings(String endpoint, Map<String, String> headers) {
        /** The per-signal URL over HTTP ({@code .../v1/traces}), the bare endpoint over gRPC. */
        static ExporterSettings of(OtlpSettings s, String signal) {
            URI endpoint = s.protocol() == Protocol.HTTP_PROTOBUF ? s.signalUrl(signal) : s.endpoint();
            return new ExporterSettings(endpoint.toString(), s.headers());
        }

        <B, E> E build(B builder, Setters<B, E> set) {
            set.endpoint().accept(builder, endpoint);
            set.timeout().accept(builder, Duration.ofMillis(EXPORT_TIMEOUT_MS));
            set.connectTimeout().accept(builder, CONNECT_TIMEOUT);
            set.retryPolicy().accept(builder, retryPolicy());
            set.meterProvider().accept(builder, MeterProvider::noop);
            headers.forEach((name, value) -> set.header().set(builder, name, value));
            return set.build().apply(builder);
        }
    }

    /** The common setters of one exporter builder type {@code B}, and how it builds an {@code E}. */
    private record Setters<B, E>(
            BiConsumer<B, String> endpoint,
            BiConsumer<B, Duration> timeout,
            BiConsumer<B, Duration> connectTimeout,
            BiConsumer<B, RetryPolicy> retryPolicy,
            BiConsumer<B, Supplier<MeterProvider>> meterProvider,
            HeaderSetter<B> header,
            Function<B, E> build) {}

    @FunctionalInterface
    private interface HeaderSetter<B> {
        void set(B builder, String name, String value);
    }

    private static final Setters<OtlpHttpSpanExporterBuilder, OtlpHttpSpanExporter> HTTP_SPANS = new Setters<>(
            OtlpHttpSpanExporterBuilder::setEndpoint,
            OtlpHttpSpanExporterBuilder::setTimeout,
            OtlpHttpSpanExporterBuilder::setConnectTimeout,
            OtlpHttpSpanExporterBuilder::setRetryPolicy,
            OtlpHttpSpanExporterBuilder::setMeterProvider,
            OtlpHttpSpanExporterBuilder::addHeader,
            OtlpHttpSpanExporterBuilder::build);
    private static final Setters<OtlpGrpcSpanExporterBuilder, OtlpGrpcSpanExporter> GRPC_SPANS = new Setters<>(
            OtlpGrpcSpanExporterBuilder::setEndpoint,
            OtlpGrpcSpanExporterBuilder::setTimeout,
            OtlpGrpcSpanExporterBuilder::setConnectTimeout,
            OtlpGrpcSpanExporterBuilder::setRetryPolicy,
            OtlpGrpcSpanExporterBuilder::setMeterProvider,
            OtlpGrpcSpanExporterBuilder::addHeader,
            OtlpGrpcSpanExporterBuilder::build);
    private static final Setters<OtlpHttpMetricExporterBuilder, OtlpHttpMetricExporter> HTTP_METRICS = new Setters<>(
            OtlpHttpMetricExporterBuilder::setEndpoint,
            OtlpHttpMetricExporterBuilder::setTimeout,
            OtlpHttpMetricExporterBuilder::setConnectTimeout,
            OtlpHttpMetricExporterBuilder::setRetryPolicy,
            OtlpHttpMetricExporterBuilder::setMeterProvider,
            OtlpHttpMetricExporterBuilder::addHeader,
            OtlpHttpMetricExporterBuilder::build);
    private static final Setters<OtlpGrpcMetricExporterBuilder, OtlpGrpcMetricExporter> GRPC_METRICS = new Setters<>(
            OtlpGrpcMetricExporterBuilder::setEndpoint,
            OtlpGrpcMetricExporterBuilder::setTimeout,
            OtlpGrpcMetricExporterBuilder::setConnectTimeout,
            OtlpGrpcMetricExporterBuilder::setRetryPolicy,
            OtlpGrpcMetricExporterBuilder::setMeterProvider,
            OtlpGrpcMetricExporterBuilder::addHeader,
            OtlpGrpcMetricExporterBuilder::build);

    /** The debug line: header names only, never values. */
    static String describe(OtlpSettings s) {
        StringBuilder b = new StringBuilder("otel: endpoint=")
                .append(s.endpointForDisplay())
                .append(" (from ")
                .append(s.endpointVariable())
                .append(")")
                .append(", protocol=")
                .append(s.protocol().id);
        if (s.protocol() == Protocol.HTTP_PROTOBUF) {
            b.append(" (traces ")
                    .append(OtlpSettings.redact(s.signalUrl("traces").toString()))
                    .append(", metrics ")
                    .append(OtlpSettings.redact(s.signalUrl("metrics").toString()))
                    .append(")");
        }
        b.append(", service.name=")
                .append(s.serviceName())
                .append(", headers=")
                .append(List.copyOf(s.headers().keySet()))
                .append(", sampler=parentbased_traceidratio(")
                .append(s.samplerRatio())
                .append(")");
        return b.toString();
    }

    private void quietExporterLogs() {
        for (String name : QUIET_LOGGERS) {
            Logger logger = Logger.getLogger(name);
            quieted.add(logger); // strong reference: JUL forgets levels of unreferenced loggers
            previousLevels.add(logger.getLevel());
            logger.setLevel(Level.OFF);
        }
    }

    /** The API entry point: SDK-backed when export is configured, else the noop implementation. */
    public OpenTelemetry openTelemetry() {
        return openTelemetry;
    }

    /** True when an exporter was built (an endpoint was set and the configuration was valid). */
    public boolean exporting() {
        return sdk != null;
    }

    /** The resolved endpoint (user info redacted), when exporting. */
    public Optional<String> endpoint() {
        return settings == null ? Optional.empty() : Optional.of(settings.endpointForDisplay());
    }

    /** Counts so far; final after {@link #close()}. */
    public ExportStats stats() {
        return counters == null ? ExportStats.NONE : counters.snapshot();
    }

    /**
     * Exports what is buffered (spans and a metric collection), waiting at most {@code timeout}.
     * Returns whether everything was flushed in time and accepted.
     */
    public boolean flush(Duration timeout) {
        if (sdk == null) {
            return true;
        }
        CompletableResultCode r = CompletableResultCode.ofAll(List.of(
                sdk.getSdkTracerProvider().forceFlush(),
                sdk.getSdkMeterProvider().forceFlush()));
        return r.join(Math.max(1, timeout.toMillis()), TimeUnit.MILLISECONDS).isSuccess();
    }

    /** {@link #close(Duration)} with {@link #CLOSE_TIMEOUT}. */
    @Override
    public void close() {
        close(CLOSE_TIMEOUT);
    }

    /**
     * Final export and shutdown, bounded by {@code timeout} whatever the collector does, then
     * the summary line on the error stream (only when exporting). Idempotent.
     */
    public synchronized void close(Duration timeout) {
        if (closed) {
            return;
        }
        closed = true;
        if (sdk == null) {
            return;
        }
        // shutdown() exports what is queued and runs a last metric collection itself.
        sdk.shutdown().join(Math.max(1, timeout.toMillis()), TimeUnit.MILLISECONDS);
        err.println(summary());
        for (int i = 0; i < quieted.size(); i++) {
            quieted.get(i).setLevel(previousLevels.get(i));
        }
    }

    /**
     * {@code otel: exported N spans, M metric batches; K export failures, D dropped (endpoint ...)}, where
     * K counts failed export calls (spans and metrics) and D the spans that never reached the collector
     * (dropped from the queue or part of a failed export).
     */
    public String summary() {
        ExportStats st = stats();
        String line = "otel: exported " + st.exportedSpans() + " spans, " + st.exportedMetricBatches()
                + " metric batches; " + st.exportFailures() + " export failures, "
                + (st.droppedSpans() + st.failedSpans()) + " dropped"
                + " (endpoint "
                + (settings == null ? "none" : settings.endpointForDisplay() + ", " + settings.protocol().id)
                + ")";
        if (st.firstError() != null) {
            line += "; first error: " + st.firstError();
        }
        return line;
    }
}
