package io.voidbox.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.voidbox.internal.engine.BoxScheduler.Demand;
import io.voidbox.internal.engine.BoxScheduler.Limits;
import io.voidbox.internal.engine.BoxScheduler.Permit;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BoxSchedulerTest {
    @Test
    void vmsAreAdmittedWhileTheirVcpusFitTheCoresAndTheirMemoryTheBudgetLocalBoxesAlways() throws Exception {
        BoxScheduler s = new BoxScheduler(new Limits(OptionalInt.empty(), 2, 3000));
        Permit a = s.admit(Demand.vm(1, 1024));
        Permit b = s.admit(Demand.vm(1, 1024));
        // cores full: a local box still gets in, the third VM waits
        try (Permit local = s.admit(Demand.LOCAL)) {
            assertThat(local.waited()).isLessThan(Duration.ofMillis(500));
        }
        Thread third = Thread.ofVirtual().start(() -> admitAndClose(s, Demand.vm(1, 1024)));
        assertThat(third.join(Duration.ofMillis(300))).isFalse();
        a.close();
        assertThat(third.join(Duration.ofSeconds(5))).isTrue();
        b.close();

        // memory: two 2 GiB guests do not fit 3000 MB even with cores free
        BoxScheduler mem = new BoxScheduler(new Limits(OptionalInt.empty(), 16, 3000));
        Permit big = mem.admit(Demand.vm(1, 2048));
        Thread second = Thread.ofVirtual().start(() -> admitAndClose(mem, Demand.vm(1, 2048)));
        assertThat(second.join(Duration.ofMillis(300))).isFalse();
        big.close();
        assertThat(second.join(Duration.ofSeconds(5))).isTrue();

        // a VM that can never fit still runs once no other VM does
        try (Permit huge = new BoxScheduler(new Limits(OptionalInt.empty(), 2, 1000)).admit(Demand.vm(8, 64000))) {
            assertThat(huge.waited()).isLessThan(Duration.ofMillis(500));
        }
    }

    @Test
    void maxParallelIsFirstComeFirstServedAndALeaverFromTheQueueLetsTheNextIn() throws Exception {
        BoxScheduler s = new BoxScheduler(new Limits(OptionalInt.of(1), 64, 1 << 20));
        Permit first = s.admit(Demand.LOCAL);
        List<String> order = new CopyOnWriteArrayList<>();
        Thread leaver = Thread.ofVirtual().start(() -> {
            try {
                s.admit(Demand.LOCAL).close();
                order.add("leaver");
            } catch (InterruptedException e) {
                order.add("left");
            }
        });
        TimeUnit.MILLISECONDS.sleep(100);
        Thread next = Thread.ofVirtual().start(() -> {
            try (Permit p = s.admit(Demand.LOCAL)) {
                order.add("next waited " + (p.waited().toMillis() >= 150));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        TimeUnit.MILLISECONDS.sleep(100);
        leaver.interrupt(); // cancelled while queued (a failed sibling): leaves the queue
        assertThat(leaver.join(Duration.ofSeconds(5))).isTrue();
        TimeUnit.MILLISECONDS.sleep(100);
        first.close();
        assertThat(next.join(Duration.ofSeconds(5))).isTrue();
        assertThat(order).containsExactly("left", "next waited true");
        assertThatThrownBy(() -> new Limits(OptionalInt.of(0), 2, 1)).hasMessageContaining("at least 1");
    }

    @Test
    void availableMemoryIsReadFromMeminfo(@TempDir Path dir) throws Exception {
        Path meminfo =
                Files.writeString(dir.resolve("meminfo"), "MemTotal:       24684000 kB\nMemAvailable:   22956032 kB\n");
        assertThat(BoxScheduler.availableMemoryMb(meminfo)).hasValue(22418);
        assertThat(BoxScheduler.availableMemoryMb(dir.resolve("none"))).isEmpty();
    }

    private static void admitAndClose(BoxScheduler s, Demand d) {
        try {
            s.admit(d).close();
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }
}
