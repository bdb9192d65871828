package io.voidbox.sandbox.vm.internal;

import java.util.Locale;

/** How QEMU runs the guest's CPU: hardware virtualisation or the (slower, always available) emulator. */
public enum Accel {
    KVM,
    TCG;

    /** The name used in config, events and spans ({@code kvm}, {@code tcg}). */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
