package io.voidbox.sandbox.vm;

import io.voidbox.sandbox.vm.image.GuestImage;
import io.voidbox.sandbox.vm.internal.AccelProbe;
import io.voidbox.sandbox.vm.internal.AccelSelector;
import java.util.List;
import java.util.Optional;

/**
 * The VM backend's part of {@code voidbox doctor}: is QEMU installed, does KVM really boot a guest
 * here (a trial boot, not just an open {@code /dev/kvm}), does TCG. The probing is internal; this
 * is what it concluded, in the lines doctor prints.
 *
 * @param lines   one line each for qemu, kvm, tcg and the acceleration {@code accel: auto} picks
 * @param runsVms whether micro-VMs can run here: QEMU found and a trial boot worked (or none was tried)
 * @param accel   what {@code accel: auto} picks, as named in config and events: {@code kvm} or {@code tcg}
 */
public record VmHostCheck(List<String> lines, boolean runsVms, String accel) {
    public VmHostCheck {
        lines = List.copyOf(lines);
    }

    /**
     * Probes this machine. With {@code trialBoots} it boots {@code image}'s bare initramfs under KVM
     * (when {@code /dev/kvm} is usable) and under TCG; without, nothing is booted.
     */
    public static VmHostCheck run(Optional<GuestImage> image, boolean trialBoots) throws InterruptedException {
        AccelProbe.Report r = AccelProbe.system()
                .probe(trialBoots ? image : Optional.empty(), AccelSelector.KVM_TRIAL_DEADLINE, trialBoots);
        boolean runsVms =
                r.qemu().isPresent() && (r.tcgBoot().isPresent() || r.kvmBoot().isPresent() || !trialBoots);
        return new VmHostCheck(r.lines(), runsVms, r.recommended().id());
    }
}
