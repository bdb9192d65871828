package io.voidbox.sandbox.vm.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.voidbox.sandbox.vm.VmTestSupport.Env;
import io.voidbox.sandbox.vm.VmTestSupport.VmTest;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

@VmTest
class BareBootVmTest {
    @Test
    void bareBootPrintsItsMarkerAndPowersOff(Env env) throws Exception {
        BareBoot.Timing t = BareBoot.run(
                env.qemu(),
                env.image(),
                env.accel(),
                Duration.ofSeconds(90),
                (s, l) -> System.out.println("[vm:bare] " + l));
        assertThat(t.accel()).isEqualTo(env.accel());
        assertThat(t.toMarker()).isPositive().isLessThanOrEqualTo(t.wall());
        assertThat(t.guestUptimeS()).isPresent();
        System.out.printf(
                "[vm-test] bare boot under %s: marker after %d ms (guest uptime %.2f s), QEMU exit after %d ms%n",
                t.accel().id(),
                t.toMarker().toMillis(),
                t.guestUptimeS().orElseThrow(),
                t.wall().toMillis());
    }

    @Test
    void probeReportsTcgWorkingAndExplainsMissingKvm(Env env) throws Exception {
        AccelProbe.Report r =
                AccelProbe.system().probe(Optional.of(env.image()), AccelSelector.KVM_TRIAL_DEADLINE, true);
        r.lines().forEach(l -> System.out.println("[vm-test] doctor: " + l));
        assertThat(r.qemu()).isPresent();
        assertThat(r.qemuVersion()).get().asString().startsWith("QEMU emulator version");
        assertThat(r.tcgBoot()).as(r.tcgReason().orElse("")).isPresent();
        if (!r.kvmUsable()) assertThat(r.kvmReason()).isPresent();
    }
}
