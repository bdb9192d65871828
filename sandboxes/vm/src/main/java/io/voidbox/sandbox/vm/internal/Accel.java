package io.voidbox.sandbox.vm.internal;

/** How QEMU runs the guest's CPU: hardware virtualisation or the (slower, always available) emulator. */
public enum Accel {
    KVM,
    TCG;

    /** The name used in config, events and spans ({@code kvm}, {@code tcg}). */
    public String id() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
