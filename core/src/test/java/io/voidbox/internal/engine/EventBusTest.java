package io.voidbox.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.voidbox.event.RunEvent;
import io.voidbox.event.RunEvent.Header;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class EventBusTest {
    private static final Header BOX = Header.box(Instant.EPOCH, "run", "p", "flood");

    @Test
    void aFloodOfOutputLinesCannotPushOutTheEventsThatFollowIt() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        List<RunEvent> delivered = new CopyOnWriteArrayList<>();
        EventBus bus = new EventBus(64);
        bus.addListener(e -> {
            try {
                release.await(10, TimeUnit.SECONDS); // a slow listener: the queue fills up
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
            delivered.add(e);
        });
        int accepted = 0;
        for (int i = 0; i < 1000; i++) if (bus.publish(new RunEvent.Log(BOX, "stderr", "line " + i))) accepted++;
        boolean warning = bus.publish(new RunEvent.Log(BOX, "runtime", "WARNING: 900 output lines dropped"));
        boolean stopped = bus.publish(new RunEvent.BoxStopped(BOX, "local", null, "closed"));
        release.countDown();
        bus.close(Duration.ofSeconds(10));

        assertThat(accepted).as("output lines stop at the reserved eighth").isBetween(56, 58);
        assertThat(warning).isTrue();
        assertThat(stopped).isTrue();
        assertThat(bus.droppedCount()).isEqualTo(1000 - accepted);
        assertThat(delivered).last().isInstanceOf(RunEvent.BoxStopped.class);
    }
}
