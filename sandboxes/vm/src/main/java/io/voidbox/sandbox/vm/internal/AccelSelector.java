package io.voidbox.sandbox.vm.internal;

import io.voidbox.SandboxOptions;
import io.voidbox.sandbox.vm.image.GuestImage;
import io.voidbox.sandbox.vm.internal.AccelCache.HostKey;
import io.voidbox.sandbox.vm.internal.AccelTrials.Measurement;
import io.voidbox.spi.SandboxException;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Turns the configured {@code accel} ({@code auto}, {@code kvm}, {@code tcg}) into the accelerator
 * to use. {@code auto} is decided by measurement once per host ({@link AccelTrials}: a KVM and a
 * TCG trial boot, the faster wins) and kept on disk ({@link AccelCache}) until the host kernel,
 * CPU, QEMU or guest kernel changes or {@code voidbox doctor --refresh}; without a usable
 * {@code /dev/kvm} it is TCG with no trial at all. In memory the decision lives as long as this
 * instance (one per runtime). Every box's log says where the decision came from, once; falling back
 * to TCG is announced with exactly one warning line.
 */
public final class AccelSelector {
    /** Deadline of the KVM trial boot; a healthy KVM bare boot takes well under a second. */
    public static final Duration KVM_TRIAL_DEADLINE = Duration.ofSeconds(10);

    private static final DateTimeFormatter WHEN =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'").withZone(ZoneOffset.UTC);

    /** Where an {@code auto} decision came from. */
    public enum Source {
        /** {@code /dev/kvm} is not usable: TCG, nothing to measure. */
        NO_KVM,
        /** Trial boots just now. */
        MEASURED,
        /** The on-disk decision of an earlier measurement: no trial boot. */
        CACHED
    }

    /**
     * The outcome of {@code auto}.
     *
     * @param accel          what boxes use
     * @param fallbackReason why it is not KVM, when it is TCG
     * @param source         how it was decided
     * @param measurement    the trial timings (measured now or cached), unless {@link Source#NO_KVM}
     */
    public record Decision(
            Accel accel, Optional<String> fallbackReason, Source source, Optional<Measurement> measurement) {
        /** A decision without trials. */
        public Decision(Accel accel, Optional<String> fallbackReason) {
            this(accel, fallbackReason, Source.NO_KVM, Optional.empty());
        }

        /**
         * One line for the box log: {@code accelerator tcg (cached decision from 2026-11-27 20:01
         * UTC: kvm no boot within 2.4 s (TCG was faster), tcg 2.4 s; no trial boot)}.
         */
        public String describe() {
            return "accelerator " + accel.id() + " ("
                    + switch (source) {
                        case NO_KVM -> fallbackReason.orElse("no usable /dev/kvm");
                        case MEASURED ->
                            "measured now: " + measurement.orElseThrow().summary();
                        case CACHED ->
                            "cached decision from "
                                    + WHEN.format(measurement.orElseThrow().measuredAt()) + ": "
                                    + measurement.orElseThrow().summary() + "; no trial boot";
                    }
                    + ")";
        }
    }

    /** {@code 2026-11-27 20:01 UTC}: when a decision was measured. */
    public static String when(Instant measuredAt) {
        return WHEN.format(measuredAt);
    }

    private final AccelProbe probe;
    private final AccelCache cache;
    private final Function<AccelProbe, AccelTrials> trials;
    private Decision auto;
    private boolean warned;
    private boolean announced;

    /** With the host's decision cache and real trial boots. */
    public AccelSelector(AccelProbe probe) {
        this(probe, AccelCache.defaults(), p -> AccelTrials.system(p.qemu().orElseThrow()));
    }

    /**
     * @param cache  where the decision is kept
     * @param trials the trial boots (given the probe, whose QEMU they use)
     */
    public AccelSelector(AccelProbe probe, AccelCache cache, Function<AccelProbe, AccelTrials> trials) {
        this.probe = probe;
        this.cache = cache;
        this.trials = trials;
    }

    /**
     * @param requested the configured accelerator; null means {@code auto}
     * @param image     used for the trial boots of {@code auto}
     * @param warning   receives the single fallback warning (first fallback only)
     */
    public Accel select(SandboxOptions.Accel requested, GuestImage image, Consumer<String> warning)
            throws SandboxException, InterruptedException {
        return select(requested, image, warning, line -> {});
    }

    /**
     * The same; {@code notice} receives, for the first box only, where an {@code auto} decision came
     * from ({@link Decision#describe()}).
     */
    public synchronized Accel select(
            SandboxOptions.Accel requested, GuestImage image, Consumer<String> warning, Consumer<String> notice)
            throws SandboxException, InterruptedException {
        return switch (requested == null ? SandboxOptions.Accel.AUTO : requested) {
            case TCG -> Accel.TCG;
            case KVM -> {
                Optional<String> why = probe.kvmUnusableReason();
                if (why.isPresent())
                    throw new SandboxException(
                            "accel: kvm was requested but " + why.get() + "; use accel: auto or tcg");
                yield Accel.KVM;
            }
            case AUTO -> {
                if (auto == null) auto = decide(image, false, warning);
                if (!announced && auto.source() != Source.NO_KVM) {
                    announced = true;
                    notice.accept(auto.describe());
                }
                if (auto.fallbackReason().isPresent() && !warned) {
                    warned = true;
                    warning.accept("KVM not used: " + auto.fallbackReason().get()
                            + "; running VMs under TCG emulation (much slower)");
                }
                yield auto.accel();
            }
        };
    }

    /** The {@code auto} decision of this instance, if it was made. */
    public synchronized Optional<Decision> autoDecision() {
        return Optional.ofNullable(auto);
    }

    /**
     * Decides {@code auto} for {@code image} (for {@code voidbox doctor}): the cached decision, or
     * trial boots when there is none for this host or {@code refresh}; the new one is cached.
     */
    public synchronized Decision decide(GuestImage image, boolean refresh, Consumer<String> warning)
            throws InterruptedException {
        Optional<String> why = probe.kvmUnusableReason();
        if (why.isPresent()) return new Decision(Accel.TCG, why);
        if (image == null || probe.qemu().isEmpty()) {
            // nothing to boot: the old probe explains why (no image, no QEMU)
            AccelProbe.Report r = probe.probe(Optional.ofNullable(image), KVM_TRIAL_DEADLINE, false);
            return r.kvmBoot().isPresent()
                    ? new Decision(Accel.KVM, Optional.empty())
                    : new Decision(Accel.TCG, r.kvmReason());
        }
        Optional<HostKey> key = key(image, warning);
        if (key.isPresent() && !refresh) {
            AccelCache.Lookup cached = cache.read(key.get(), warning);
            if (cached.hit().isPresent()) return decision(cached.hit().get(), Source.CACHED);
        }
        Measurement m = trials.apply(probe).measure(image, true, "");
        if (key.isPresent() && m.conclusive()) {
            try {
                cache.write(key.get(), m);
            } catch (IOException e) {
                warning.accept("could not keep the accelerator decision in " + cache.file() + ": " + e.getMessage());
            }
        }
        return decision(m, Source.MEASURED);
    }

    /** The decision cached for {@code image} on this host, without measuring anything. */
    public synchronized Optional<Decision> cached(GuestImage image, Consumer<String> warning) {
        return key(image, warning).flatMap(k -> cache.read(k, warning).hit()).map(m -> decision(m, Source.CACHED));
    }

    /** The key of this host and image; empty (and no caching) when it cannot be read. */
    private Optional<HostKey> key(GuestImage image, Consumer<String> warning) {
        try {
            String qemuVersion = probe.qemu().flatMap(AccelProbe::version).orElse("unknown");
            return Optional.of(HostKey.of(qemuVersion, image));
        } catch (IOException e) {
            warning.accept("cannot key the accelerator decision (" + e.getMessage() + "); measuring every run");
            return Optional.empty();
        }
    }

    private static Decision decision(Measurement m, Source source) {
        Optional<String> fallback = m.choice() == Accel.KVM
                ? Optional.empty()
                : Optional.of(
                        m.kvm().booted()
                                ? "the KVM trial boot was slower (" + m.summary() + ")"
                                : "the KVM trial boot did not come up first (" + m.summary() + ")");
        return new Decision(m.choice(), fallback, source, Optional.of(m));
    }
}
