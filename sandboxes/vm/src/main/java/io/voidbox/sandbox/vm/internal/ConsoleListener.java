package io.voidbox.sandbox.vm.internal;

/**
 * Receives the VM's console and QEMU's own diagnostics one line at a time. {@code stream} is
 * {@code console} (guest serial console, QEMU's stdout) or {@code qemu} (QEMU's stderr).
 * Called from the machine's reader threads; implementations must be quick and thread-safe.
 */
@FunctionalInterface
public interface ConsoleListener {
    void line(String stream, String line);

    ConsoleListener NONE = (s, l) -> {};
}
