package io.voidbox.observability.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.zip.GZIPOutputStream;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class OtlpReceiverTest {
    @RegisterExtension
    final OtlpReceiver otlp = new OtlpReceiver();

    private final HttpClient client =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private static byte[] oneSpanRequest() {
        Span span = Span.newBuilder()
                .setName("s")
                .setTraceId(ByteString.copyFrom(new byte[16]))
                .setSpanId(ByteString.copyFrom(new byte[] {1, 2, 3, 4, 5, 6, 7, 8}))
                .addAttributes(KeyValue.newBuilder()
                        .setKey("n")
                        .setValue(AnyValue.newBuilder().setIntValue(3)))
                .build();
        return ExportTraceServiceRequest.newBuilder()
                .addResourceSpans(ResourceSpans.newBuilder()
                        .addScopeSpans(ScopeSpans.newBuilder().addSpans(span)))
                .build()
                .toByteArray();
    }

    private HttpResponse<Void> post(byte[] body, boolean gzip) throws IOException, InterruptedException {
        byte[] payload = body;
        if (gzip) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (GZIPOutputStream z = new GZIPOutputStream(out)) {
                z.write(body);
            }
            payload = out.toByteArray();
        }
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(otlp.httpEndpoint() + "/v1/traces"))
                .timeout(Duration.ofSeconds(5))
                .header("Content-Type", "application/x-protobuf")
                .header("X-Probe", "yes")
                .POST(HttpRequest.BodyPublishers.ofByteArray(payload));
        if (gzip) {
            b.header("Content-Encoding", "gzip");
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.discarding());
    }

    @Test
    void decodesPlainAndGzippedProtobufBodies() throws Exception {
        assertThat(post(oneSpanRequest(), false).statusCode()).isEqualTo(200);
        assertThat(post(oneSpanRequest(), true).statusCode()).isEqualTo(200);

        assertThat(otlp.spans()).hasSize(2).allSatisfy(s -> {
            assertThat(s.name()).isEqualTo("s");
            assertThat(s.spanId()).isEqualTo("0102030405060708");
            assertThat(s.parentSpanId()).isEmpty();
            assertThat(s.attributes()).containsEntry("n", 3L);
        });
        assertThat(otlp.requests()).allSatisfy(r -> assertThat(r.headers()).containsEntry("x-probe", "yes"));
    }

    @Test
    void answersWithTheConfiguredErrorAndKeepsNoData() throws Exception {
        otlp.failWith(503);
        assertThat(post(oneSpanRequest(), false).statusCode()).isEqualTo(503);
        assertThat(otlp.requests()).hasSize(1);
        assertThat(otlp.spans()).isEmpty();

        otlp.healthy();
        assertThat(post(oneSpanRequest(), false).statusCode()).isEqualTo(200);
        assertThat(otlp.spans()).hasSize(1);
    }

    @Test
    void restartsOnTheSamePorts() throws Exception {
        String grpc = otlp.grpcEndpoint();
        String http = otlp.httpEndpoint();
        otlp.stop();
        assertThat(otlp.isRunning()).isFalse();
        try {
            post(oneSpanRequest(), false);
            Assertions.fail("stopped receiver accepted a request");
        } catch (ConnectException expected) {
            // refused, as a dead collector would
        }
        otlp.restart();
        assertThat(otlp.grpcEndpoint()).isEqualTo(grpc);
        assertThat(otlp.httpEndpoint()).isEqualTo(http);
        assertThat(post(oneSpanRequest(), false).statusCode()).isEqualTo(200);
    }

    @Test
    void rejectsGarbage() throws Exception {
        assertThat(post(new byte[] {(byte) 0xff, 0x01, 0x02}, false).statusCode())
                .isEqualTo(400);
    }
}
