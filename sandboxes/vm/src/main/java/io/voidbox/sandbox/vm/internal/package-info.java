/**
 * How the {@code vm} backend runs a box, not meant for users: the QEMU command line and process
 * ({@code MachineSpec}, {@code QemuCommand}, {@code QemuMachine}), booting and waiting for the guest
 * ({@code VmLauncher}), KVM or TCG ({@code AccelProbe}, {@code AccelSelector}, {@code BareBoot}) and
 * the box seen through its channel ({@code VmSandbox}).
 */
package io.voidbox.sandbox.vm.internal;
