package io.voidbox.sandbox.vm.internal;

import java.util.Map;
import java.util.Optional;

/**
 * The unprivileged host user QEMU switches to when voidbox runs as root ({@code -runas}): a guest
 * that breaks out of the emulator lands in a process with no capabilities and no root files,
 * instead of in root. QEMU opens everything it is given (kernel, disks, fw_cfg files, its sockets)
 * before it switches, so only what it reaches later must be reachable by this user: the socket a
 * snapshot is written through. {@value #DEFAULT_UID} ({@code nobody}) unless {@value #VARIABLE}
 * names another ({@code UID} or {@code UID:GID}); a uid of its own is better on a host where
 * other daemons run as {@code nobody}. After the switch QEMU is not dumpable, so other processes of
 * that uid cannot trace it.
 */
record QemuUser(int uid, int gid) {
    static final int DEFAULT_UID = 65534;
    static final String VARIABLE = "VOIDBOX_QEMU_UID";

    /** The user QEMU runs as when this process (uid {@code self}) starts it: empty when not root. */
    static Optional<QemuUser> of(int self, Map<String, String> environment) {
        if (self != 0) return Optional.empty();
        String spec = environment.getOrDefault(VARIABLE, "").strip();
        if (spec.isEmpty()) return Optional.of(new QemuUser(DEFAULT_UID, DEFAULT_UID));
        try {
            String[] parts = spec.split(":", 2);
            int uid = Integer.parseInt(parts[0]);
            int gid = parts.length > 1 ? Integer.parseInt(parts[1]) : uid;
            if (uid <= 0 || gid <= 0) throw new NumberFormatException("must be above 0");
            return Optional.of(new QemuUser(uid, gid));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    VARIABLE + " must be UID or UID:GID (numbers above 0), was '" + spec + "'", e);
        }
    }

    /** The user for QEMUs this process starts. */
    static Optional<QemuUser> forThisProcess() {
        return of(TempDirs.currentUid(), System.getenv());
    }
}
