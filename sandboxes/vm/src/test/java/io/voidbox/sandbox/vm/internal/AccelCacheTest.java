package io.voidbox.sandbox.vm.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.voidbox.SandboxOptions;
import io.voidbox.sandbox.vm.image.GuestImage;
import io.voidbox.sandbox.vm.internal.AccelCache.HostKey;
import io.voidbox.sandbox.vm.internal.AccelSelector.Decision;
import io.voidbox.sandbox.vm.internal.AccelSelector.Source;
import io.voidbox.sandbox.vm.internal.AccelTrials.Measurement;
import io.voidbox.sandbox.vm.internal.AccelTrials.Trial;
import io.voidbox.spi.SandboxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AccelCacheTest {
    static final HostKey KEY = new HostKey("6.18.44", "AMD EPYC", "QEMU emulator version 7.2.22", "6.1.0-56 ab12");
    static final Measurement TCG_WINS = new Measurement(
            Accel.TCG,
            new Trial(false, 2400, "no boot within 2.4 s (TCG was faster)"),
            new Trial(true, 2400, ""),
            Instant.parse("2026-11-27T20:01:00Z"));

    @Test
    void aDecisionWrittenIsReadBackForTheSameKeyAndMissesWhenAnyPartOfTheKeyChanges(@TempDir Path dir)
            throws Exception {
        AccelCache cache = new AccelCache(dir.resolve("accel.json"));
        cache.write(KEY, TCG_WINS);
        assertThat(cache.read(KEY, w -> {
                            throw new AssertionError(w);
                        })
                        .hit())
                .contains(TCG_WINS);
        assertThat(Files.readString(cache.file())).contains("\"qemu_version\"").contains("\"measured_at\"");
        assertThat(dir.toFile().list()).containsExactly("accel.json"); // the temp file was renamed, none left

        List<HostKey> changed = List.of(
                new HostKey("6.19.0", KEY.cpuModel(), KEY.qemuVersion(), KEY.guestKernel()),
                new HostKey(KEY.hostKernel(), "Intel Xeon", KEY.qemuVersion(), KEY.guestKernel()),
                new HostKey(KEY.hostKernel(), KEY.cpuModel(), "QEMU emulator version 9.2.0", KEY.guestKernel()),
                new HostKey(KEY.hostKernel(), KEY.cpuModel(), KEY.qemuVersion(), "6.12.0 cd34"));
        List<String> misses = new ArrayList<>();
        for (HostKey k : changed) {
            AccelCache.Lookup l = cache.read(k, w -> {
                throw new AssertionError(w);
            });
            assertThat(l.hit()).isEmpty();
            misses.add(l.miss());
        }
        assertThat(misses)
                .containsExactly(
                        "host kernel changed", "CPU model changed", "QEMU version changed", "guest kernel changed");
        assertThat(new AccelCache(dir.resolve("none.json")).read(KEY, w -> {}).miss())
                .isEqualTo("no decision cached yet");
    }

    @Test
    void aCorruptFileIsIgnoredWithOneWarningThenMeasuredAgainAndReplaced(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("accel.json");
        Files.writeString(file, "{\"format\": 1, \"key\": {\"host_kern");
        AccelCache cache = new AccelCache(file);
        List<String> warnings = new ArrayList<>();
        assertThat(cache.read(KEY, warnings::add).hit()).isEmpty();
        assertThat(warnings)
                .singleElement()
                .asString()
                .contains(file.toString())
                .contains("measuring again");

        // through the selector: the corrupt file costs one measurement, which replaces it
        Files.writeString(file, "not json at all");
        Counting trials = new Counting(Map.of(Accel.TCG, Duration.ofMillis(1600)));
        AccelSelector s = selector(dir, cache, trials);
        warnings.clear();
        Decision d = s.decide(image(dir), false, warnings::add);
        assertThat(d.source()).isEqualTo(Source.MEASURED);
        assertThat(trials.boots).hasValue(2);
        assertThat(warnings).anyMatch(w -> w.contains("ignoring the accelerator decision"));
        assertThat(cache.read(keyOf(dir), w -> {}).hit())
                .get()
                .isEqualTo(d.measurement().orElseThrow());
    }

    @Test
    void aFormatOrFieldThatIsNotOursIsCorruptToo(@TempDir Path dir) throws Exception {
        AccelCache cache = new AccelCache(dir.resolve("accel.json"));
        cache.write(KEY, TCG_WINS);
        String good = Files.readString(cache.file());
        for (String bad : List.of(
                good.replace("\"format\" : 1", "\"format\" : 7"),
                good.replace("\"TCG\"", "\"FAST\""),
                good.replace("\"measured_at\"", "\"unknown_field\""))) {
            Files.writeString(cache.file(), bad);
            List<String> warnings = new ArrayList<>();
            assertThat(cache.read(KEY, warnings::add).hit()).as(bad).isEmpty();
            assertThat(warnings).as(bad).hasSize(1);
        }
    }

    @Test
    void theFasterTrialWinsAndTheSecondSelectorOfTheHostUsesTheCacheWithoutATrialBoot(@TempDir Path dir)
            throws Exception {
        AccelCache cache = new AccelCache(dir.resolve("accel.json"));
        GuestImage image = image(dir);
        Counting first = new Counting(Map.of(Accel.TCG, Duration.ofMillis(1600), Accel.KVM, Duration.ofMillis(300)));
        List<String> notices = new ArrayList<>();
        assertThat(selector(dir, cache, first).select(SandboxOptions.Accel.AUTO, image, w -> {}, notices::add))
                .isEqualTo(Accel.KVM);
        assertThat(first.boots).hasValue(2);
        assertThat(notices).containsExactly("accelerator kvm (measured now: kvm 0.3 s, tcg 1.6 s)");

        Counting second = new Counting(Map.of());
        AccelSelector again = selector(dir, cache, second);
        notices.clear();
        assertThat(again.select(SandboxOptions.Accel.AUTO, image, w -> {}, notices::add))
                .isEqualTo(Accel.KVM);
        assertThat(again.select(SandboxOptions.Accel.AUTO, image, w -> {}, notices::add))
                .isEqualTo(Accel.KVM);
        assertThat(second.boots).hasValue(0);
        assertThat(notices)
                .singleElement()
                .asString()
                .startsWith("accelerator kvm (cached decision from ")
                .endsWith(": kvm 0.3 s, tcg 1.6 s; no trial boot)");
        assertThat(again.autoDecision()).get().extracting(Decision::source).isEqualTo(Source.CACHED);

        // --refresh measures again even with a valid cache, and the new decision replaces it
        Counting refresh = new Counting(Map.of(Accel.TCG, Duration.ofMillis(1500)));
        Decision d = selector(dir, cache, refresh).decide(image, true, w -> {});
        assertThat(refresh.boots).hasValue(2);
        assertThat(d.accel()).isEqualTo(Accel.TCG);
        assertThat(d.fallbackReason()).get().asString().contains("kvm no boot within 1.5 s (TCG was faster)");
        assertThat(cache.read(keyOf(dir), w -> {}).hit())
                .get()
                .extracting(Measurement::choice)
                .isEqualTo(Accel.TCG);
    }

    @Test
    void onTwoCoresTcgRunsFirstAndKvmGetsNoLongerThanTcgTook(@TempDir Path dir) throws Exception {
        Counting boots = new Counting(Map.of(Accel.TCG, Duration.ofMillis(2400)));
        AccelTrials two = new AccelTrials(boots, 2, Clock.fixed(Instant.EPOCH, ZoneOffset.UTC));
        assertThat(two.parallel()).isFalse();
        Measurement m = two.measure(image(dir), true, "");
        assertThat(boots.order).containsExactly(Accel.TCG, Accel.KVM);
        assertThat(boots.deadlines.get(Accel.KVM)).isEqualTo(Duration.ofMillis(2400));
        assertThat(m.choice()).isEqualTo(Accel.TCG);
        assertThat(m.summary()).isEqualTo("kvm no boot within 2.4 s (TCG was faster), tcg 2.4 s");

        Counting noKvm = new Counting(Map.of(Accel.TCG, Duration.ofMillis(2000)));
        Measurement tcgOnly =
                new AccelTrials(noKvm, 2, Clock.systemUTC()).measure(image(dir), false, "/dev/kvm absent");
        assertThat(noKvm.order).containsExactly(Accel.TCG);
        assertThat(tcgOnly.summary()).isEqualTo("kvm /dev/kvm absent, tcg 2.0 s");
    }

    @Test
    void withEnoughCoresBothTrialsRunAtOnceAndTheFirstToBootStopsTheOther(@TempDir Path dir) throws Exception {
        AccelTrials.Boot boot = (image, accel, deadline) -> {
            if (accel == Accel.KVM) {
                Thread.sleep(deadline.toMillis()); // a KVM guest that hangs: interrupted once TCG is up
                throw new SandboxException("no marker");
            }
            Thread.sleep(200);
            return Duration.ofMillis(200);
        };
        long t0 = System.nanoTime();
        Measurement m = new AccelTrials(boot, 4, Clock.systemUTC()).measure(image(dir), true, "");
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(AccelSelector.KVM_TRIAL_DEADLINE);
        assertThat(m.choice()).isEqualTo(Accel.TCG);
        assertThat(m.kvm().booted()).isFalse();
        assertThat(m.kvm().note()).contains("(TCG was faster)");
    }

    @Test
    void aTrialThatQemuAbortsSaysWhyInOneLine() {
        assertThat(AccelTrials.firstLine(
                        "VM bare: QEMU exited (code 134) before the guest was ready; last console lines:\n"
                                + "  qemu-system-x86_64: error: failed to set MSR 0x10a to 0x2000000e1\n"))
                .isEqualTo("QEMU exited (code 134) before the guest was ready"
                        + " (qemu-system-x86_64: error: failed to set MSR 0x10a to 0x2000000e1)");
        assertThat(AccelTrials.firstLine(
                        "VM bare: QEMU exited (code 1) before the guest was ready; last console lines:\n  (none)"))
                .isEqualTo("QEMU exited (code 1) before the guest was ready");
    }

    /** Trial boots that take the given time per accelerator (none given: no boot until the deadline) and count. */
    static final class Counting implements AccelTrials.Boot {
        final Map<Accel, Duration> times;
        final AtomicInteger boots = new AtomicInteger();
        final List<Accel> order = new ArrayList<>();
        final Map<Accel, Duration> deadlines = new ConcurrentHashMap<>();

        Counting(Map<Accel, Duration> times) {
            this.times = times;
        }

        @Override
        public Duration toMarker(GuestImage image, Accel accel, Duration deadline)
                throws SandboxException, InterruptedException {
            synchronized (this) {
                boots.incrementAndGet();
                order.add(accel);
                deadlines.put(accel, deadline);
            }
            Duration t = times.get(accel);
            if (t != null && t.compareTo(deadline) <= 0) return t;
            Thread.sleep(deadline.toMillis()); // a guest that does not come up: the whole deadline passes
            throw new SandboxException("no marker");
        }
    }

    /** A selector with a usable (fake) /dev/kvm and QEMU, the given cache and trials. */
    static AccelSelector selector(Path dir, AccelCache cache, Counting boots) throws Exception {
        Path kvm = Files.writeString(dir.resolve("kvm"), "");
        Path qemu = Files.writeString(dir.resolve("qemu-system-x86_64"), "");
        return new AccelSelector(
                new AccelProbe(kvm, Optional.of(qemu)), cache, p -> new AccelTrials(boots, 2, Clock.systemUTC()));
    }

    static GuestImage image(Path dir) throws Exception {
        Path kernel = dir.resolve("vmlinuz");
        if (!Files.exists(kernel)) Files.writeString(kernel, "kernel bytes");
        return new GuestImage(
                dir,
                new GuestImage.BootFiles(kernel, kernel, kernel, kernel),
                "squashfs",
                "6.1.0-56-cloud-amd64",
                false,
                0,
                Instant.EPOCH);
    }

    static HostKey keyOf(Path dir) throws Exception {
        return HostKey.of("unknown", image(dir));
    }
}
