package io.voidbox.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.voidbox.event.RunEvent;
import io.voidbox.event.RunEvent.Header;
import java.time.Clock;
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

    @Test
    void knownSecretsAreRedactedFromEveryListenersEventsAndFromTheBoxLog() {
        List<RunEvent> delivered = new CopyOnWriteArrayList<>();
        List<RunEvent> seenSync = new CopyOnWriteArrayList<>();
        EventBus bus = new EventBus(64);
        bus.addListener(delivered::add);
        bus.addSyncListener(seenSync::add);
        bus.redactor().addAll(List.of("sk-ant-known-secret-1"));
        RunScope run = new RunScope("run", "p", bus, Clock.systemUTC(), RunScope.StageTracing.NONE);
        var scope = run.openBox("leaky", 0);
        scope.line("stdout", "ANTHROPIC_API_KEY=sk-ant-known-secret-1");
        scope.toolResult("Bash", "t1", false, 1, "echo sk-ant-known-secret-1\nsk-ant-known-secret-1", null);
        scope.toolCall("Bash", "t2", "{\"command\":\"echo sk-ant-known-secret-1\"}", null);
        scope.warning("a warning naming sk-ant-known-secret-1");
        scope.line("stdout", "nothing secret here");
        bus.close(Duration.ofSeconds(10));

        for (List<RunEvent> events : List.of(delivered, seenSync)) {
            assertThat(events.toString()).doesNotContain("sk-ant-known-secret-1");
            assertThat(events)
                    .filteredOn(e -> e instanceof RunEvent.Log)
                    .extracting(e -> ((RunEvent.Log) e).line())
                    .contains(
                            "ANTHROPIC_API_KEY=[REDACTED]",
                            "WARNING: a warning naming [REDACTED]",
                            "nothing secret here");
            assertThat(events)
                    .filteredOn(e -> e instanceof RunEvent.AgentToolResult)
                    .extracting(e -> ((RunEvent.AgentToolResult) e).output())
                    .containsExactly("echo [REDACTED]\n[REDACTED]");
            assertThat(events)
                    .filteredOn(e -> e instanceof RunEvent.AgentToolCall)
                    .extracting(e -> ((RunEvent.AgentToolCall) e).input())
                    .containsExactly("{\"command\":\"echo [REDACTED]\"}");
        }
    }
}
