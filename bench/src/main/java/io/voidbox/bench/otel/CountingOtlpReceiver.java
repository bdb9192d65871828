package io.voidbox.bench.otel;

import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse;
import io.opentelemetry.proto.collector.metrics.v1.MetricsServiceGrpc;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.ToLongFunction;

/**
 * A live OTLP/gRPC collector on loopback that decodes every request fully (as a real collector
 * must) and only counts what it got. The project's test receiver ({@code OtlpReceiver}) keeps
 * every span in memory for assertions, which at benchmark rates would measure our heap, not the
 * export path; this one keeps nothing.
 *
 * <p>Runs in the benchmark's JVM by default; {@link #main} runs it standalone (bounded) so the
 * collector's CPU and GC can be kept out of the measured process.
 */
public final class CountingOtlpReceiver implements AutoCloseable {
    private final AtomicLong spans = new AtomicLong();
    private final AtomicLong traceRequests = new AtomicLong();
    private final AtomicLong metricPoints = new AtomicLong();
    private final AtomicLong metricRequests = new AtomicLong();
    private final Server server;

    private CountingOtlpReceiver(int port) throws IOException {
        server = NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), port))
                .addService(new Traces())
                .addService(new Metrics())
                .maxInboundMessageSize(64 * 1024 * 1024)
                .build()
                .start();
    }

    /** Starts on an ephemeral loopback port. */
    public static CountingOtlpReceiver start() throws IOException {
        return new CountingOtlpReceiver(0);
    }

    public String grpcEndpoint() {
        return "http://127.0.0.1:" + server.getPort();
    }

    /** The environment that points {@code OtelSetup} at this receiver over gRPC. */
    public Map<String, String> environment() {
        return Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", grpcEndpoint(), "OTEL_EXPORTER_OTLP_PROTOCOL", "grpc");
    }

    public long spans() {
        return spans.get();
    }

    public long traceRequests() {
        return traceRequests.get();
    }

    public long metricPoints() {
        return metricPoints.get();
    }

    public long metricRequests() {
        return metricRequests.get();
    }

    @Override
    public void close() {
        server.shutdownNow();
        try {
            server.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The items of one request: summed over its resources' scopes (spans or metrics alike). */
    private static <R, S> long count(List<R> resources, Function<R, List<S>> scopes, ToLongFunction<S> items) {
        return resources.stream()
                .flatMap(r -> scopes.apply(r).stream())
                .mapToLong(items)
                .sum();
    }

    /** Counts one request carrying {@code items} and acknowledges it. */
    private static <R> void received(
            long items, AtomicLong itemCount, AtomicLong requestCount, StreamObserver<R> response, R ack) {
        itemCount.addAndGet(items);
        requestCount.incrementAndGet();
        response.onNext(ack);
        response.onCompleted();
    }

    private final class Traces extends TraceServiceGrpc.TraceServiceImplBase {
        @Override
        public void export(ExportTraceServiceRequest request, StreamObserver<ExportTraceServiceResponse> response) {
            long n = count(request.getResourceSpansList(), ResourceSpans::getScopeSpansList, ScopeSpans::getSpansCount);
            received(n, spans, traceRequests, response, ExportTraceServiceResponse.getDefaultInstance());
        }
    }

    private final class Metrics extends MetricsServiceGrpc.MetricsServiceImplBase {
        @Override
        public void export(ExportMetricsServiceRequest request, StreamObserver<ExportMetricsServiceResponse> response) {
            long n = count(
                    request.getResourceMetricsList(),
                    ResourceMetrics::getScopeMetricsList,
                    ScopeMetrics::getMetricsCount);
            received(n, metricPoints, metricRequests, response, ExportMetricsServiceResponse.getDefaultInstance());
        }
    }

    /**
     * Standalone: {@code CountingOtlpReceiver [port] [seconds]} (defaults 4317 and 600). Prints the
     * counts every 5 s and exits after {@code seconds}.
     */
    public static void main(String[] args) throws Exception {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 4317;
        long seconds = args.length > 1 ? Long.parseLong(args[1]) : 600;
        try (CountingOtlpReceiver r = new CountingOtlpReceiver(port)) {
            System.out.println("receiver: listening on " + r.grpcEndpoint() + " for " + seconds + " s");
            long deadline = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
            while (System.nanoTime() < deadline) {
                Thread.sleep(Math.min(5000, Math.max(1, (deadline - System.nanoTime()) / 1_000_000)));
                System.out.printf(
                        "receiver: %d spans in %d requests, %d metrics in %d requests%n",
                        r.spans(), r.traceRequests(), r.metricPoints(), r.metricRequests());
            }
        }
    }
}
