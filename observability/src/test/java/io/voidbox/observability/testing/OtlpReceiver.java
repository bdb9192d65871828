package io.voidbox.observability.testing;

import com.google.protobuf.InvalidProtocolBufferException;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse;
import io.opentelemetry.proto.collector.metrics.v1.MetricsServiceGrpc;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real OTLP collector for tests, on loopback: gRPC ({@code TraceService}/{@code MetricsService}
 * on one port) and http/protobuf ({@code /v1/traces}, {@code /v1/metrics}, optional gzip, on
 * another). It decodes exactly what the exporter sent, so tests assert on what a collector would
 * really have received, including request headers. It can be stopped and restarted on the same
 * ports, made slow, or made to answer with errors.
 *
 * <p>As a JUnit 5 extension: {@code @RegisterExtension final OtlpReceiver otlp = new OtlpReceiver();}
 * starts it before each test and stops it after; registered on a {@code static} field it lives
 * for the class and is {@link #reset()} before each test.
 */
public final class OtlpReceiver
        implements AutoCloseable, BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback {

    public enum Transport {
        GRPC,
        HTTP
    }

    /** One export request as received. Header names are lower case. */
    public record Request(Transport transport, String signal, Map<String, String> headers, int items) {}

    /** A received span with its resource and scope. Ids are lower-case hex; a root has an empty parent id. */
    public record ReceivedSpan(Map<String, Object> resource, String scope, Span proto) {
        public String name() {
            return proto.getName();
        }

        public String traceId() {
            return hex(proto.getTraceId().toByteArray());
        }

        public String spanId() {
            return hex(proto.getSpanId().toByteArray());
        }

        public String parentSpanId() {
            return hex(proto.getParentSpanId().toByteArray());
        }

        /** Attribute values as Java types: String, Long, Double, Boolean (so types can be asserted). */
        public Map<String, Object> attributes() {
            return toMap(proto.getAttributesList());
        }

        public long startEpochNanos() {
            return proto.getStartTimeUnixNano();
        }

        public long endEpochNanos() {
            return proto.getEndTimeUnixNano();
        }

        public boolean isError() {
            return proto.getStatus().getCode() == io.opentelemetry.proto.trace.v1.Status.StatusCode.STATUS_CODE_ERROR;
        }
    }

    /** A received metric with its resource and scope. */
    public record ReceivedMetric(Map<String, Object> resource, String scope, Metric proto) {
        public String name() {
            return proto.getName();
        }

        /** Gauge or sum points, values as Long or Double. Empty for histograms. */
        public List<Point> points() {
            List<NumberDataPoint> pts = switch (proto.getDataCase()) {
                case GAUGE -> proto.getGauge().getDataPointsList();
                case SUM -> proto.getSum().getDataPointsList();
                default -> List.of();
            };
            return pts.stream()
                    .map(p -> new Point(
                            toMap(p.getAttributesList()),
                            p.getValueCase() == NumberDataPoint.ValueCase.AS_INT
                                    ? (Number) p.getAsInt()
                                    : (Number) p.getAsDouble()))
                    .toList();
        }

        /** Histogram points: attributes, count and sum. Empty for other kinds. */
        public List<HistogramPoint> histogramPoints() {
            if (proto.getDataCase() != Metric.DataCase.HISTOGRAM) {
                return List.of();
            }
            return proto.getHistogram().getDataPointsList().stream()
                    .map(p -> new HistogramPoint(toMap(p.getAttributesList()), p.getCount(), p.getSum()))
                    .toList();
        }
    }

    public record Point(Map<String, Object> attributes, Number value) {}

    public record HistogramPoint(Map<String, Object> attributes, long count, double sum) {}

    private static final Context.Key<Metadata> HEADERS = Context.key("otlp-receiver-headers");
    private static final int MAX_BODY = 32 * 1024 * 1024;

    private final Object lock = new Object();
    private final List<ReceivedSpan> spans = new ArrayList<>();
    private final List<ReceivedMetric> metrics = new ArrayList<>();
    private final List<Request> requests = new ArrayList<>();
    private volatile Duration delay = Duration.ZERO;
    private volatile int failWithHttpStatus; // 0 = healthy
    private volatile boolean running;
    private int grpcPort;
    private int httpPort;
    private Server grpc;
    private HttpServer http;
    private ExecutorService httpExecutor;
    private boolean perTest;

    // ------------------------------------------------------------------ lifecycle

    /** Binds both servers on loopback (ephemeral ports the first time, the same ports after a stop). */
    public synchronized OtlpReceiver start() throws IOException {
        if (grpc != null) {
            return this;
        }
        IOException last = null;
        for (int attempt = 0; attempt < 20; attempt++) { // a just-closed port can take a moment to free up
            try {
                startServers();
                return this;
            } catch (IOException e) {
                last = e;
                stopServers();
                sleep(Duration.ofMillis(100));
            }
        }
        throw last;
    }

    private void startServers() throws IOException {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        ServerInterceptor captureHeaders = new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(
                    ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
                return Contexts.interceptCall(Context.current().withValue(HEADERS, headers), call, headers, next);
            }
        };
        grpc = NettyServerBuilder.forAddress(new InetSocketAddress(loopback, grpcPort))
                .addService(ServerInterceptors.intercept(new TraceService(), captureHeaders))
                .addService(ServerInterceptors.intercept(new MetricsService(), captureHeaders))
                .build();
        try {
            grpc.start();
        } catch (IOException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new BindException("gRPC port " + grpcPort + ": " + e.getMessage());
        }
        grpcPort = grpc.getPort();
        http = HttpServer.create(new InetSocketAddress(loopback, httpPort), 16);
        httpExecutor = Executors.newVirtualThreadPerTaskExecutor();
        http.setExecutor(httpExecutor);
        http.createContext("/v1/traces", ex -> handleHttp(ex, "traces"));
        http.createContext("/v1/metrics", ex -> handleHttp(ex, "metrics"));
        http.start();
        httpPort = http.getAddress().getPort();
        running = true;
    }

    /** Stops both servers (the ports are kept for {@link #restart()}); received data stays. */
    public synchronized void stop() {
        stopServers();
    }

    private void stopServers() {
        running = false;
        if (grpc != null) {
            grpc.shutdownNow();
            try {
                grpc.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            grpc = null;
        }
        if (http != null) {
            http.stop(0);
            http = null;
        }
        if (httpExecutor != null) {
            httpExecutor.shutdownNow();
            httpExecutor = null;
        }
    }

    public synchronized OtlpReceiver restart() throws IOException {
        stopServers();
        return start();
    }

    public synchronized boolean isRunning() {
        return grpc != null;
    }

    @Override
    public void close() {
        stop();
    }

    /** Forgets everything received and becomes healthy and fast again. */
    public void reset() {
        synchronized (lock) {
            spans.clear();
            metrics.clear();
            requests.clear();
        }
        delay = Duration.ZERO;
        failWithHttpStatus = 0;
    }

    // ------------------------------------------------------------------ behaviour

    /** Every request waits this long before answering (a slow collector). */
    public OtlpReceiver delay(Duration delay) {
        this.delay = delay;
        return this;
    }

    /**
     * Answer every request with this HTTP status (gRPC: the matching status, e.g. 503 -&gt;
     * UNAVAILABLE, 400 -&gt; INVALID_ARGUMENT); requests are still recorded, their data is not.
     */
    public OtlpReceiver failWith(int httpStatus) {
        this.failWithHttpStatus = httpStatus;
        return this;
    }

    public OtlpReceiver healthy() {
        this.failWithHttpStatus = 0;
        this.delay = Duration.ZERO;
        return this;
    }

    // ------------------------------------------------------------------ endpoints

    public synchronized String grpcEndpoint() {
        return "http://127.0.0.1:" + grpcPort;
    }

    /** Base URL for http/protobuf (the exporter appends {@code /v1/traces}). */
    public synchronized String httpEndpoint() {
        return "http://127.0.0.1:" + httpPort;
    }

    /** {@code OTEL_EXPORTER_OTLP_ENDPOINT} and {@code OTEL_EXPORTER_OTLP_PROTOCOL} for this receiver. */
    public Map<String, String> environment(Transport transport) {
        return transport == Transport.GRPC
                ? Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", grpcEndpoint(), "OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")
                : Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", httpEndpoint(), "OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf");
    }

    // ------------------------------------------------------------------ what was received

    public List<ReceivedSpan> spans() {
        synchronized (lock) {
            return List.copyOf(spans);
        }
    }

    public List<ReceivedSpan> spans(String name) {
        return spans().stream().filter(s -> s.name().equals(name)).toList();
    }

    public List<ReceivedMetric> metrics() {
        synchronized (lock) {
            return List.copyOf(metrics);
        }
    }

    public List<ReceivedMetric> metrics(String name) {
        return metrics().stream().filter(m -> m.name().equals(name)).toList();
    }

    public List<Request> requests() {
        synchronized (lock) {
            return List.copyOf(requests);
        }
    }

    /** Waits (bounded) until {@code condition} holds for the received spans. */
    public boolean awaitSpans(Predicate<List<ReceivedSpan>> condition, Duration timeout) {
        return await(() -> condition.test(spans()), timeout);
    }

    public boolean awaitMetrics(Predicate<List<ReceivedMetric>> condition, Duration timeout) {
        return await(() -> condition.test(metrics()), timeout);
    }

    private static boolean await(BooleanSupplier condition, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            sleep(Duration.ofMillis(20));
        }
        return true;
    }

    // ------------------------------------------------------------------ handling

    /** Waits the configured delay (cut short by {@link #stop()}); true when the answer is success. */
    private boolean respondSlowly() {
        long deadline = System.nanoTime() + delay.toNanos();
        while (System.nanoTime() < deadline && running) {
            sleep(Duration.ofMillis(20));
        }
        return failWithHttpStatus == 0;
    }

    private void recordTraces(Transport t, Map<String, String> headers, ExportTraceServiceRequest req, boolean keep) {
        List<ReceivedSpan> got = new ArrayList<>();
        for (ResourceSpans rs : req.getResourceSpansList()) {
            Map<String, Object> resource = toMap(rs.getResource().getAttributesList());
            for (ScopeSpans ss : rs.getScopeSpansList()) {
                for (Span s : ss.getSpansList()) {
                    got.add(new ReceivedSpan(resource, ss.getScope().getName(), s));
                }
            }
        }
        synchronized (lock) {
            requests.add(new Request(t, "traces", headers, got.size()));
            if (keep) {
                spans.addAll(got);
            }
        }
    }

    private void recordMetrics(
            Transport t, Map<String, String> headers, ExportMetricsServiceRequest req, boolean keep) {
        List<ReceivedMetric> got = new ArrayList<>();
        for (ResourceMetrics rm : req.getResourceMetricsList()) {
            Map<String, Object> resource = toMap(rm.getResource().getAttributesList());
            for (ScopeMetrics sm : rm.getScopeMetricsList()) {
                for (Metric m : sm.getMetricsList()) {
                    got.add(new ReceivedMetric(resource, sm.getScope().getName(), m));
                }
            }
        }
        synchronized (lock) {
            requests.add(new Request(t, "metrics", headers, got.size()));
            if (keep) {
                metrics.addAll(got);
            }
        }
    }

    private static Map<String, String> headers(Metadata md) {
        Map<String, String> out = new LinkedHashMap<>();
        if (md != null) {
            for (String key : md.keys()) {
                if (!key.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
                    String v = md.get(Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER));
                    if (v != null) {
                        out.put(key.toLowerCase(Locale.ROOT), v);
                    }
                }
            }
        }
        return out;
    }

    private Status grpcFailure() {
        return switch (failWithHttpStatus) {
            case 400 -> Status.INVALID_ARGUMENT;
            case 401 -> Status.UNAUTHENTICATED;
            case 403 -> Status.PERMISSION_DENIED;
            case 429 -> Status.RESOURCE_EXHAUSTED;
            case 503 -> Status.UNAVAILABLE;
            default -> Status.INTERNAL;
        };
    }

    private final class TraceService extends TraceServiceGrpc.TraceServiceImplBase {
        @Override
        public void export(ExportTraceServiceRequest request, StreamObserver<ExportTraceServiceResponse> response) {
            boolean ok = respondSlowly();
            recordTraces(Transport.GRPC, headers(HEADERS.get()), request, ok);
            if (ok) {
                response.onNext(ExportTraceServiceResponse.getDefaultInstance());
                response.onCompleted();
            } else {
                response.onError(grpcFailure()
                        .withDescription("test receiver told to fail")
                        .asRuntimeException());
            }
        }
    }

    private final class MetricsService extends MetricsServiceGrpc.MetricsServiceImplBase {
        @Override
        public void export(ExportMetricsServiceRequest request, StreamObserver<ExportMetricsServiceResponse> response) {
            boolean ok = respondSlowly();
            recordMetrics(Transport.GRPC, headers(HEADERS.get()), request, ok);
            if (ok) {
                response.onNext(ExportMetricsServiceResponse.getDefaultInstance());
                response.onCompleted();
            } else {
                response.onError(grpcFailure()
                        .withDescription("test receiver told to fail")
                        .asRuntimeException());
            }
        }
    }

    private void handleHttp(HttpExchange ex, String signal) throws IOException {
        try (ex) {
            if (!"POST".equals(ex.getRequestMethod())) {
                ex.sendResponseHeaders(405, -1);
                return;
            }
            Map<String, String> headers = new LinkedHashMap<>();
            ex.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), String.join(",", v)));
            byte[] body;
            InputStream in = ex.getRequestBody();
            if ("gzip".equalsIgnoreCase(headers.getOrDefault("content-encoding", ""))) {
                in = new GZIPInputStream(in);
            }
            body = in.readNBytes(MAX_BODY + 1);
            if (body.length > MAX_BODY) {
                ex.sendResponseHeaders(413, -1);
                return;
            }
            ExportTraceServiceRequest traces = null;
            ExportMetricsServiceRequest metricsRequest = null;
            try {
                if (signal.equals("traces")) {
                    traces = ExportTraceServiceRequest.parseFrom(body);
                } else {
                    metricsRequest = ExportMetricsServiceRequest.parseFrom(body);
                }
            } catch (InvalidProtocolBufferException e) {
                ex.sendResponseHeaders(400, -1);
                return;
            }
            boolean ok = respondSlowly();
            byte[] response;
            if (traces != null) {
                recordTraces(Transport.HTTP, headers, traces, ok);
                response = ExportTraceServiceResponse.getDefaultInstance().toByteArray();
            } else {
                recordMetrics(Transport.HTTP, headers, metricsRequest, ok);
                response = ExportMetricsServiceResponse.getDefaultInstance().toByteArray();
            }
            if (!ok) {
                ex.sendResponseHeaders(failWithHttpStatus, -1);
                return;
            }
            ex.getResponseHeaders().set("Content-Type", "application/x-protobuf");
            ex.sendResponseHeaders(200, response.length == 0 ? -1 : response.length);
            if (response.length > 0) {
                try (OutputStream out = ex.getResponseBody()) {
                    out.write(response);
                }
            }
        }
    }

    // ------------------------------------------------------------------ helpers

    static Map<String, Object> toMap(List<KeyValue> kvs) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (KeyValue kv : kvs) {
            out.put(kv.getKey(), value(kv.getValue()));
        }
        return out;
    }

    private static Object value(AnyValue v) {
        return switch (v.getValueCase()) {
            case STRING_VALUE -> v.getStringValue();
            case INT_VALUE -> v.getIntValue();
            case DOUBLE_VALUE -> v.getDoubleValue();
            case BOOL_VALUE -> v.getBoolValue();
            case ARRAY_VALUE ->
                v.getArrayValue().getValuesList().stream()
                        .map(OtlpReceiver::value)
                        .toList();
            case BYTES_VALUE -> v.getBytesValue().toByteArray();
            default -> v.toString();
        };
    }

    private static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public Optional<ReceivedSpan> span(String name) {
        List<ReceivedSpan> found = spans(name);
        return found.size() == 1 ? Optional.of(found.getFirst()) : Optional.empty();
    }

    // ------------------------------------------------------------------ JUnit 5

    @Override
    public void beforeAll(ExtensionContext context) throws IOException {
        start();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        close();
    }

    @Override
    public void beforeEach(ExtensionContext context) throws IOException {
        synchronized (this) {
            if (grpc == null && grpcPort == 0) {
                perTest = true; // instance field: one receiver per test
            }
        }
        if (perTest) {
            start();
        } else {
            if (!isRunning()) {
                start();
            }
            reset();
        }
    }

    @Override
    public void afterEach(ExtensionContext context) {
        if (perTest) {
            close();
        }
    }
}
