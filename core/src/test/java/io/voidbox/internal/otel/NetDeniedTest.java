package io.voidbox.internal.otel;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.data.LongPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader;
import io.voidbox.event.RunEvent;
import io.voidbox.event.RunEvent.NetDenied;
import io.voidbox.event.RunEventJson;
import io.voidbox.spi.BoxScope;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * {@code net.denied}: a box that connects in a loop gets a bounded number of events, the rest
 * summed into one when it stops, and the {@code voidbox.net.denied} counter counts every attempt.
 */
class NetDeniedTest {
    @Test
    void refusedAttemptsAreBoundedEventsAndAllCounted() {
        InMemoryMetricReader metrics = InMemoryMetricReader.create();
        try (OpenTelemetrySdk sdk = OpenTelemetrySdk.builder()
                .setMeterProvider(
                        SdkMeterProvider.builder().registerMetricReader(metrics).build())
                .build()) {
            OtelRunInstrumentation otel = new OtelRunInstrumentation(sdk, Context.root());
            List<RunEvent> events = new CopyOnWriteArrayList<>();
            BoxScope scope = new BoxScope("run-1", "p", "box", e -> {
                events.add(e);
                otel.onEvent(e);
            });
            scope.netDenied("10.0.2.2", 9999, "tcp", NetDenied.NOT_ALLOWED, 2);
            for (int i = 0; i < BoxScope.NET_DENIED_EVENTS + 10; i++)
                scope.netDenied("10.0.2.2", 9999, "tcp", NetDenied.NOT_ALLOWED, 1);
            scope.stopped("vm", "tcg", "done");

            List<NetDenied> denied = events.stream()
                    .filter(NetDenied.class::isInstance)
                    .map(NetDenied.class::cast)
                    .toList();
            assertThat(denied).hasSize(BoxScope.NET_DENIED_EVENTS + 1);
            assertThat(denied.getFirst().count()).isEqualTo(2);
            assertThat(denied.getLast().destination()).isEmpty();
            assertThat(denied.getLast().count()).isEqualTo(11);
            assertThat(events)
                    .filteredOn(e -> e instanceof RunEvent.Log l && l.line().startsWith("WARNING: 11 further"))
                    .hasSize(1);
            assertThat(new RunEventJson().toJson(denied.getFirst()))
                    .contains("\"type\":\"net.denied\"")
                    .contains("\"box\":\"box\"")
                    .contains("\"destination\":\"10.0.2.2\"")
                    .contains("\"port\":9999")
                    .contains("\"protocol\":\"tcp\"")
                    .contains("\"reason\":\"not_allowed\"")
                    .contains("\"count\":2");

            MetricData counter = metrics.collectAllMetrics().stream()
                    .filter(m -> m.getName().equals("voidbox.net.denied"))
                    .findFirst()
                    .orElseThrow();
            long total = counter.getLongSumData().getPoints().stream()
                    .mapToLong(LongPointData::getValue)
                    .sum();
            assertThat(total).isEqualTo(2 + BoxScope.NET_DENIED_EVENTS + 10);
            assertThat(counter.getLongSumData().getPoints()).anySatisfy(p -> {
                assertThat(p.getAttributes().get(AttributeKey.stringKey("stage")))
                        .isEqualTo("box");
                assertThat(p.getAttributes().get(AttributeKey.longKey("net.peer.port")))
                        .isEqualTo(9999L);
            });
        }
    }
}
