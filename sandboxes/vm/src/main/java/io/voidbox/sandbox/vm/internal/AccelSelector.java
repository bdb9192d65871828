package io.voidbox.sandbox.vm.internal;

import io.voidbox.SandboxOptions;
import io.voidbox.sandbox.vm.image.GuestImage;
import io.voidbox.spi.SandboxException;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Turns the configured {@code accel} ({@code auto}, {@code kvm}, {@code tcg}) into the accelerator
 * to use. {@code auto} probes once (device, then a short KVM boot) and remembers the answer for the
 * lifetime of this instance, which the runtime keeps one of per JVM; falling back to TCG is
 * announced with exactly one warning line.
 */
public final class AccelSelector {
    /** Deadline of the KVM trial boot; a healthy KVM bare boot takes well under a second. */
    public static final Duration KVM_TRIAL_DEADLINE = Duration.ofSeconds(10);

    /** The outcome of {@code auto}, with the reason when it is TCG. */
    public record Decision(Accel accel, Optional<String> fallbackReason) {}

    private final AccelProbe probe;
    private Decision auto;
    private boolean warned;

    public AccelSelector(AccelProbe probe) {
        this.probe = probe;
    }

    /**
     * @param requested the configured accelerator; null means {@code auto}
     * @param image     used for the KVM trial boot of {@code auto}
     * @param warning   receives the single fallback warning (first fallback only)
     */
    public synchronized Accel select(SandboxOptions.Accel requested, GuestImage image, Consumer<String> warning)
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
                if (auto == null) auto = decide(image);
                if (auto.fallbackReason().isPresent() && !warned) {
                    warned = true;
                    warning.accept("KVM not used: " + auto.fallbackReason().get()
                            + "; running VMs under TCG emulation (much slower)");
                }
                yield auto.accel();
            }
        };
    }

    /** The cached {@code auto} decision, if it was made. */
    public synchronized Optional<Decision> autoDecision() {
        return Optional.ofNullable(auto);
    }

    private Decision decide(GuestImage image) throws InterruptedException {
        Optional<String> why = probe.kvmUnusableReason();
        if (why.isPresent()) return new Decision(Accel.TCG, why);
        AccelProbe.Report r = probe.probe(Optional.ofNullable(image), KVM_TRIAL_DEADLINE, false);
        return r.kvmBoot().isPresent()
                ? new Decision(Accel.KVM, Optional.empty())
                : new Decision(Accel.TCG, r.kvmReason());
    }
}
