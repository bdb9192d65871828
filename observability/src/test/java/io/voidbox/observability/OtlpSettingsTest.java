package io.voidbox.observability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class OtlpSettingsTest {

    private static OtlpSettings.Resolution resolve(Map<String, String> env) {
        return OtlpSettings.resolve(env);
    }

    @Test
    void noEndpointMeansNoSettingsAndNoProblem() {
        var r = resolve(Map.of("VOIDBOX_SERVICE_NAME", "x"));
        assertThat(r.settings()).isEmpty();
        assertThat(r.problems()).isEmpty();
    }

    @Test
    void voidboxEndpointTakesPrecedence() {
        var s = resolve(Map.of(
                        "VOIDBOX_OTLP_ENDPOINT", "http://a:4317", "OTEL_EXPORTER_OTLP_ENDPOINT", "http://b:4317"))
                .settings()
                .orElseThrow();
        assertThat(s.endpoint()).hasToString("http://a:4317");
        assertThat(s.endpointVariable()).isEqualTo("VOIDBOX_OTLP_ENDPOINT");
    }

    @Test
    void otelEndpointIsTheFallback() {
        var s = resolve(Map.of("VOIDBOX_OTLP_ENDPOINT", " ", "OTEL_EXPORTER_OTLP_ENDPOINT", "http://b:4317"))
                .settings()
                .orElseThrow();
        assertThat(s.endpoint()).hasToString("http://b:4317");
        assertThat(s.endpointVariable()).isEqualTo("OTEL_EXPORTER_OTLP_ENDPOINT");
    }

    @Test
    void defaultsAreGrpcVoidBoxAndFullSampling() {
        var s = resolve(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://b:4317"))
                .settings()
                .orElseThrow();
        assertThat(s.protocol()).isEqualTo(OtlpSettings.Protocol.GRPC);
        assertThat(s.serviceName()).isEqualTo("void-box");
        assertThat(s.samplerRatio()).isEqualTo(1.0);
        assertThat(s.headers()).isEmpty();
    }

    @Test
    void voidboxProtocolTakesPrecedence() {
        var s = resolve(Map.of(
                        "OTEL_EXPORTER_OTLP_ENDPOINT",
                        "http://b:4318",
                        "VOIDBOX_OTLP_PROTOCOL",
                        "http/protobuf",
                        "OTEL_EXPORTER_OTLP_PROTOCOL",
                        "grpc"))
                .settings()
                .orElseThrow();
        assertThat(s.protocol()).isEqualTo(OtlpSettings.Protocol.HTTP_PROTOBUF);
    }

    @Test
    void httpSignalUrlsAppendToTheBasePath() {
        var plain = resolve(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://b:4318"))
                .settings()
                .orElseThrow();
        var slash = resolve(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://b:4318/"))
                .settings()
                .orElseThrow();
        var path = resolve(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "https://b/otlp"))
                .settings()
                .orElseThrow();
        assertThat(plain.signalUrl("traces")).hasToString("http://b:4318/v1/traces");
        assertThat(slash.signalUrl("metrics")).hasToString("http://b:4318/v1/metrics");
        assertThat(path.signalUrl("traces")).hasToString("https://b/otlp/v1/traces");
    }

    @Test
    void voidboxHeadersWinPerKeyCaseInsensitively() {
        var s = resolve(Map.of(
                        "OTEL_EXPORTER_OTLP_ENDPOINT",
                        "http://b:4317",
                        "OTEL_EXPORTER_OTLP_HEADERS",
                        "Authorization=Bearer a,X-Tenant=one",
                        "VOIDBOX_OTLP_HEADERS",
                        "x-tenant=two,x-extra=3"))
                .settings()
                .orElseThrow();
        assertThat(s.headers())
                .containsExactly(
                        Map.entry("authorization", "Bearer a"),
                        Map.entry("x-tenant", "two"),
                        Map.entry("x-extra", "3"));
    }

    @Test
    void headerValuesArePercentDecodedButPlusIsKept() {
        assertThat(OtlpSettings.parseHeaders("a=b%20c, k = v+w= ,,"))
                .containsExactly(Map.entry("a", "b c"), Map.entry("k", "v+w="));
    }

    @Test
    void malformedHeaderMessagesNeverEchoTheEntry() {
        assertThatThrownBy(() -> OtlpSettings.parseHeaders("ok=1,Authorization: Bearer s3cr3t"))
                .hasMessage("entry 2 is not key=value")
                .hasMessageNotContaining("s3cr3t");
        assertThatThrownBy(() -> OtlpSettings.parseHeaders("bad name=s3cr3t"))
                .hasMessage("entry 1 has an invalid header name");
        assertThatThrownBy(() -> OtlpSettings.parseHeaders("k=%zz")).hasMessageContaining("malformed %-escape");
    }

    @Test
    void malformedEndpointIsOneLineNamingTheVariable() {
        for (String bad : new String[] {"localhost:4317", "ftp://x:1", "http://", "http://h:1/ x", "http://u:p@h:1"}) {
            var r = resolve(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", bad));
            assertThat(r.settings()).as(bad).isEmpty();
            assertThat(r.problems())
                    .as(bad)
                    .singleElement()
                    .asString()
                    .startsWith("otel: OTEL_EXPORTER_OTLP_ENDPOINT=")
                    .endsWith("continuing without OpenTelemetry export")
                    .doesNotContain("\n")
                    .doesNotContain("u:p");
        }
    }

    @Test
    void malformedRatioFallsBackToOneAndKeepsExporting() {
        for (String bad : new String[] {"abc", "1.5", "-0.1", "NaN"}) {
            var r = resolve(
                    Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://b:4317", "VOIDBOX_TRACES_SAMPLER_RATIO", bad));
            assertThat(r.settings())
                    .as(bad)
                    .get()
                    .extracting(OtlpSettings::samplerRatio)
                    .isEqualTo(1.0);
            assertThat(r.problems()).singleElement().asString().startsWith("otel: VOIDBOX_TRACES_SAMPLER_RATIO=");
        }
        var ok =
                resolve(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://b:4317", "VOIDBOX_TRACES_SAMPLER_RATIO", "0.25"));
        assertThat(ok.settings().orElseThrow().samplerRatio()).isEqualTo(0.25);
    }

    @Test
    void unsupportedProtocolDisablesExport() {
        var r = resolve(
                Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://b:4317", "OTEL_EXPORTER_OTLP_PROTOCOL", "http/json"));
        assertThat(r.settings()).isEmpty();
        assertThat(r.problems())
                .singleElement()
                .asString()
                .startsWith(
                        "otel: OTEL_EXPORTER_OTLP_PROTOCOL='http/json' is not supported (use grpc or http/protobuf)");
    }

    @Test
    void debugLineListsHeaderNamesOnly() {
        var s = resolve(Map.of(
                        "VOIDBOX_OTLP_ENDPOINT",
                        "http://b:4318",
                        "VOIDBOX_OTLP_PROTOCOL",
                        "http/protobuf",
                        "OTEL_EXPORTER_OTLP_HEADERS",
                        "authorization=Bearer s3cr3t",
                        "VOIDBOX_SERVICE_NAME",
                        "svc",
                        "VOIDBOX_OTEL_DEBUG",
                        "1"))
                .settings()
                .orElseThrow();
        assertThat(s.debug()).isTrue();
        assertThat(OtelSetup.describe(s))
                .isEqualTo("otel: endpoint=http://b:4318 (from VOIDBOX_OTLP_ENDPOINT), protocol=http/protobuf"
                        + " (traces http://b:4318/v1/traces, metrics http://b:4318/v1/metrics), service.name=svc,"
                        + " headers=[authorization], sampler=parentbased_traceidratio(1.0)");
    }
}
