package io.voidbox.internal.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import io.voidbox.event.RunEvent;
import io.voidbox.protocol.TelemetryBatch;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class TelemetryAggregatorTest {
    private final List<RunEvent> events = new CopyOnWriteArrayList<>();

    private static RunEvent.Header box(String name) {
        return RunEvent.Header.box(Instant.now(), "run", "p", name);
    }

    private static TelemetryBatch batch(long seq, double cpu, long used, long total) {
        return new TelemetryBatch(
                seq, List.of(new TelemetryBatch.Sample(1_000 + seq, cpu, used, total, 1, 10, List.of())));
    }

    @Test
    void samplesBecomeEventsAttributedToTheirBoxAndAreKeptInABoundedRing() {
        try (var agg = new TelemetryAggregator(events::add, Clock.systemUTC(), 3)) {
            var feed = agg.register(box("box"), "7", 1000);
            for (int i = 0; i < 5; i++) feed.accept(batch(i, 10 + i, 100, 1000));
            assertThat(events)
                    .filteredOn(RunEvent.GuestTelemetry.class::isInstance)
                    .hasSize(5)
                    .allSatisfy(e -> {
                        var g = (RunEvent.GuestTelemetry) e;
                        assertThat(g.box()).isEqualTo("box");
                        assertThat(g.vm()).isEqualTo("box");
                        assertThat(g.stage()).isEqualTo("box");
                        assertThat(g.vmCid()).isEqualTo("7");
                    });
            assertThat(agg.recent("box"))
                    .extracting(TelemetryBatch.Sample::cpuPercent)
                    .containsExactly(12.0, 13.0, 14.0);
        }
    }

    @Test
    void malformedBatchesAreDroppedAndCountedAndSequenceGapsReported() {
        try (var agg = new TelemetryAggregator(events::add, Clock.systemUTC(), 10)) {
            var feed = agg.register(box("box"), "3", 1000);
            feed.accept(batch(0, 5, 1, 10));
            feed.accept(batch(1, Double.NaN, 1, 10));
            feed.accept(batch(2, 5, 20, 10));
            feed.accept(new TelemetryBatch(3, List.of()));
            feed.accept(batch(7, 5, 1, 10));
            assertThat(agg.malformedDropped()).isEqualTo(3);
            assertThat(agg.gapsReported()).isEqualTo(1);
            assertThat(events)
                    .filteredOn(RunEvent.TelemetryWarning.class::isInstance)
                    .extracting(e -> ((RunEvent.TelemetryWarning) e).warning())
                    .anySatisfy(w -> assertThat(w).contains("cpu_percent NaN"))
                    .anySatisfy(w -> assertThat(w).contains("3 batch(es) missing before seq 7"));
            assertThat(events)
                    .filteredOn(RunEvent.GuestTelemetry.class::isInstance)
                    .hasSize(2);
        }
    }

    @Test
    void aGuestThatFallsSilentIsNoticedButBootTimeIsNot() throws InterruptedException {
        try (var agg = new TelemetryAggregator(events::add, Clock.systemUTC(), 10)) {
            var quiet = agg.register(box("booting"), "2", 100);
            var talker = agg.register(box("silent"), "3", 100);
            talker.accept(batch(0, 1, 1, 10));
            Thread.sleep(3800);
            assertThat(events)
                    .filteredOn(RunEvent.TelemetryWarning.class::isInstance)
                    .extracting(e -> ((RunEvent.TelemetryWarning) e).box())
                    .containsExactly("silent");
            assertThat(quiet).isNotNull();
        }
    }
}
