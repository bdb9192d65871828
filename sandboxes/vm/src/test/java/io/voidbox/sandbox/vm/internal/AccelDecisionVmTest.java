package io.voidbox.sandbox.vm.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.voidbox.SandboxOptions;
import io.voidbox.sandbox.vm.VmTestSupport.Env;
import io.voidbox.sandbox.vm.VmTestSupport.VmTest;
import io.voidbox.sandbox.vm.internal.AccelSelector.Decision;
import io.voidbox.sandbox.vm.internal.AccelSelector.Source;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@VmTest
class AccelDecisionVmTest {
    @Test
    void theSecondRuntimeOfTheHostTakesTheDecisionFromTheCacheWithoutATrialBoot(Env env, @TempDir Path dir)
            throws Exception {
        AccelProbe probe = AccelProbe.system();
        assumeTrue(
                probe.kvmUnusableReason().isEmpty(),
                () -> "no usable /dev/kvm: auto is TCG without trial boots, nothing to cache ("
                        + probe.kvmUnusableReason().orElseThrow() + ")");
        AccelCache cache = new AccelCache(dir.resolve("accel.json"));
        AtomicInteger boots = new AtomicInteger();
        AccelTrials.Boot bare = (image, accel, deadline) -> {
            boots.incrementAndGet();
            return BareBoot.run(env.qemu(), image, accel, deadline, ConsoleListener.NONE)
                    .toMarker();
        };

        List<String> notices = new ArrayList<>();
        long t0 = System.nanoTime();
        Accel first = new AccelSelector(probe, cache, p -> new AccelTrials(bare, 2, Clock.systemUTC()))
                .select(SandboxOptions.Accel.AUTO, env.image(), w -> {}, notices::add);
        Duration measuring = Duration.ofNanos(System.nanoTime() - t0);
        assertThat(boots).hasValue(2);
        assertThat(notices).singleElement().asString().startsWith("accelerator " + first.id() + " (measured now: kvm ");

        // a new runtime (as the next `voidbox run` is): the decision comes from the file, no QEMU started
        AccelSelector next = new AccelSelector(probe, cache, p -> new AccelTrials(bare, 2, Clock.systemUTC()));
        notices.clear();
        t0 = System.nanoTime();
        Accel second = next.select(SandboxOptions.Accel.AUTO, env.image(), w -> {}, notices::add);
        Duration cached = Duration.ofNanos(System.nanoTime() - t0);
        assertThat(second).isEqualTo(first);
        assertThat(boots).hasValue(2);
        assertThat(next.autoDecision()).get().extracting(Decision::source).isEqualTo(Source.CACHED);
        assertThat(notices)
                .singleElement()
                .asString()
                .contains("cached decision from")
                .endsWith("; no trial boot)");
        System.out.printf(
                "[vm-test] accel %s: measured in %d ms (%s), cached decision in %d ms%n",
                first.id(), measuring.toMillis(), notices.getFirst(), cached.toMillis());
    }
}
