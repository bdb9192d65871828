/**
 * The {@code vm} sandbox backend: every box in its own QEMU micro-VM, reached over an
 * authenticated virtio-serial channel. Found by {@code VoidBox} through {@link
 * io.voidbox.sandbox.vm.VmSandboxPlugin}; {@link io.voidbox.sandbox.vm.VmSandboxProvider} boots
 * the boxes and {@link io.voidbox.sandbox.vm.VmHostCheck} tells {@code voidbox doctor} whether
 * micro-VMs (and KVM) work here. The guest image lives in {@code io.voidbox.sandbox.vm.image};
 * QEMU, the launcher and the accelerator choice are in {@code io.voidbox.sandbox.vm.internal}.
 */
package io.voidbox.sandbox.vm;
