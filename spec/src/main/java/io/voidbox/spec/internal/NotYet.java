package io.voidbox.spec.internal;

/**
 * VoidBox spec fields this runtime knows but does not do yet. They are refused by name with a
 * reason, {@code path: not supported yet (...)}, never reported as unknown and never silently
 * ignored: a spec that relies on one must not run as if it did not say it.
 */
final class NotYet {
    /** Every such error message starts with this. */
    static final String PREFIX = "not supported yet";

    static final String IMAGE = "OCI images: boxes run on this runtime's own guest image";
    static final String GUEST_IMAGE = "guest images from OCI registries: this runtime builds its own guest image;"
            + " guest_image: \"\" (no pull) is accepted";
    static final String SNAPSHOT = "VM snapshots: every box boots fresh";
    static final String KERNEL =
            "custom kernels: the guest image pairs its own kernel with its modules and guest agent";
    static final String INITRAMFS =
            "custom initramfs images: the guest image carries this runtime's guest agent, which VoidBox's does not";
    static final String AGENT_MODE = "agent modes service and interactive: boxes run as tasks (mode: task)";
    static final String MESSAGING = "agent messaging";
    static final String OCI_SKILL = "OCI image skills";
    static final String LOGS_OFF = "turning box logs off: [vm:NAME] lines and log events are always on";
    static final String KIND_SANDBOX = "kind: sandbox (an idle VM to attach to): boxes here run an agent or programs";
    static final String KIND_WORKFLOW = "kind: workflow";

    private NotYet() {}

    static void report(Errors errors, String path, String why, Node.Loc loc) {
        errors.add(path, PREFIX + " (" + why + ")", loc);
    }

    /** Reports {@code key} of {@code f} when it is given (not null); returns whether it was. */
    static boolean ifGiven(Fields f, String key, String why) {
        if (f.absent(key)) return false;
        report(f.errors, f.pathOf(key), why, f.keyLocOf(key));
        return true;
    }
}
