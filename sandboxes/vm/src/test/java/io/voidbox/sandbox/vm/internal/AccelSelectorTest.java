package io.voidbox.sandbox.vm.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.voidbox.SandboxOptions;
import io.voidbox.SpecEnum;
import io.voidbox.spi.SandboxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AccelSelectorTest {
    @Test
    void autoFallsBackToTcgWithExactlyOneWarningWhenKvmIsMissing(@TempDir Path dir) throws Exception {
        AccelSelector s = new AccelSelector(new AccelProbe(dir.resolve("kvm"), Optional.empty()));
        List<String> warnings = new ArrayList<>();
        assertThat(s.select(SandboxOptions.Accel.AUTO, null, warnings::add)).isEqualTo(Accel.TCG);
        assertThat(s.select(SandboxOptions.Accel.AUTO, null, warnings::add)).isEqualTo(Accel.TCG);
        assertThat(warnings).hasSize(1);
        assertThat(warnings.getFirst())
                .contains("KVM not used")
                .contains("does not exist")
                .contains("TCG");
        assertThat(s.autoDecision())
                .get()
                .extracting(AccelSelector.Decision::accel)
                .isEqualTo(Accel.TCG);
    }

    @Test
    void explicitKvmFailsClearlyWhenTheDeviceIsUnusable(@TempDir Path dir) {
        AccelSelector s = new AccelSelector(new AccelProbe(dir.resolve("kvm"), Optional.empty()));
        assertThatThrownBy(() -> s.select(SandboxOptions.Accel.KVM, null, w -> {}))
                .isInstanceOf(SandboxException.class)
                .hasMessageContaining("accel: kvm was requested")
                .hasMessageContaining("does not exist");
        // an unknown accelerator cannot reach the selector: it is refused where the text becomes an Accel
        assertThatThrownBy(() -> SpecEnum.parse("accel", "fast", SandboxOptions.Accel.values()))
                .hasMessageContaining("auto, kvm or tcg");
    }

    @Test
    void tcgNeedsNoProbe(@TempDir Path dir) throws Exception {
        AccelSelector s = new AccelSelector(new AccelProbe(dir.resolve("kvm"), Optional.empty()));
        assertThat(s.select(SandboxOptions.Accel.TCG, null, w -> {
                    throw new AssertionError(w);
                }))
                .isEqualTo(Accel.TCG);
        assertThat(s.autoDecision()).isEmpty();
    }

    @Test
    void reportExplainsEveryNo(@TempDir Path dir) throws Exception {
        AccelProbe.Report r = new AccelProbe(dir.resolve("kvm"), Optional.empty())
                .probe(Optional.empty(), Duration.ofSeconds(1), true);
        assertThat(r.kvmDevicePresent()).isFalse();
        assertThat(r.recommended()).isEqualTo(Accel.TCG);
        assertThat(String.join("\n", r.lines()))
                .contains("qemu: not found")
                .contains("apt-get install -y qemu-system-x86")
                .contains("kvm: device absent")
                .contains("tcg: qemu-system-x86_64 not found")
                .contains("acceleration: tcg");
    }
}
