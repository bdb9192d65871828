package io.voidbox.sandbox.vm;

import io.voidbox.sandbox.vm.image.GuestImage;
import io.voidbox.sandbox.vm.internal.Accel;
import io.voidbox.sandbox.vm.internal.AccelCache;
import io.voidbox.sandbox.vm.internal.AccelProbe;
import io.voidbox.sandbox.vm.internal.AccelSelector;
import io.voidbox.sandbox.vm.internal.AccelSelector.Decision;
import io.voidbox.sandbox.vm.internal.AccelSelector.Source;
import io.voidbox.sandbox.vm.internal.AccelTrials;
import io.voidbox.sandbox.vm.internal.AccelTrials.Measurement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The VM backend's part of {@code voidbox doctor}: is QEMU installed, is {@code /dev/kvm} usable,
 * and which accelerator {@code accel: auto} uses here and why: the timings of a KVM and a TCG trial
 * boot and whether that decision was just measured or comes from the host's cache (the one runs
 * use). The probing is internal; this is what it concluded, in the lines doctor prints.
 *
 * @param lines   one line each for qemu, kvm, both trials and the acceleration {@code accel: auto} picks
 * @param runsVms whether micro-VMs can run here: QEMU found and a trial boot worked (or none was tried)
 * @param accel   what {@code accel: auto} picks, as named in config and events: {@code kvm} or {@code tcg}
 */
public record VmHostCheck(List<String> lines, boolean runsVms, String accel) {
    public VmHostCheck {
        lines = List.copyOf(lines);
    }

    /** {@link #run(Optional, boolean, boolean, Consumer)} using the cached decision, warnings as lines. */
    public static VmHostCheck run(Optional<GuestImage> image, boolean trialBoots) throws InterruptedException {
        List<String> warnings = new ArrayList<>();
        VmHostCheck c = run(image, trialBoots, false, warnings::add);
        List<String> lines = new ArrayList<>(c.lines());
        warnings.forEach(w -> lines.add("warning: " + w));
        return new VmHostCheck(lines, c.runsVms(), c.accel());
    }

    /**
     * Probes this machine. With {@code trialBoots} the {@code auto} decision is taken from the
     * host's cache, or measured with trial boots of {@code image}'s bare initramfs (always with
     * {@code refresh}) and cached; without, nothing is booted and only a cached decision is shown.
     */
    public static VmHostCheck run(
            Optional<GuestImage> image, boolean trialBoots, boolean refresh, Consumer<String> warning)
            throws InterruptedException {
        AccelProbe probe = AccelProbe.system();
        AccelProbe.Report host = probe.probe(Optional.empty(), AccelSelector.KVM_TRIAL_DEADLINE, false);
        List<String> lines = new ArrayList<>(List.of(
                host.qemuLine(),
                host.deviceLine()
                        + probe.kvmUnusableReason().map(r -> " (" + r + ")").orElse("")));
        if (host.qemu().isEmpty() || image.isEmpty()) {
            String why = host.qemu().isEmpty() ? "qemu-system-x86_64 not found" : "no guest image yet";
            lines.add("trial boots: not run (" + why + ")");
            lines.add("acceleration: tcg");
            return new VmHostCheck(lines, host.qemu().isPresent() && !trialBoots, Accel.TCG.id());
        }
        AccelSelector selector = new AccelSelector(probe);
        Optional<Decision> decision = trialBoots
                ? Optional.of(selector.decide(image.get(), refresh, warning))
                : selector.cached(image.get(), warning);
        Optional<Measurement> m = decision.flatMap(Decision::measurement);
        if (decision.isPresent() && decision.get().source() == Source.NO_KVM && trialBoots) {
            // nothing to decide, but doctor still tells how fast TCG boots here (not cached: it costs nothing to
            // decide)
            m = Optional.of(AccelTrials.system(host.qemu().get())
                    .measure(image.get(), false, decision.get().fallbackReason().orElse("")));
        }
        lines.add("kvm trial: " + m.map(x -> x.kvm().describe()).orElse("not run"));
        lines.add("tcg trial: " + m.map(x -> x.tcg().describe()).orElse("not run"));
        Accel accel = decision.map(Decision::accel).orElse(Accel.TCG);
        String source = decision.map(d -> switch (d.source()) {
                    case NO_KVM -> "no usable /dev/kvm, no trial needed";
                    case MEASURED ->
                        "measured now, cached in " + AccelCache.defaults().file();
                    case CACHED ->
                        "cached decision from "
                                + AccelSelector.when(
                                        d.measurement().orElseThrow().measuredAt())
                                + ", no trial boot; voidbox doctor --refresh measures again";
                })
                .orElse("not measured yet: voidbox doctor (without --no-boot) measures it");
        lines.add("acceleration: " + accel.id() + " (" + source + ")"
                + (accel == Accel.TCG ? "; emulation: boots and commands are several times slower" : ""));
        boolean booted = m.map(Measurement::conclusive).orElse(false);
        return new VmHostCheck(lines, booted || !trialBoots, accel.id());
    }
}
