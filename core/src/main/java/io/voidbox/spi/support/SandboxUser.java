package io.voidbox.spi.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The host user a box's files belong to: the user a namespace box runs as, and the owner a VM box's
 * agent has on the host through its live mounts. Never root: bubblewrap started by root maps the
 * sandbox to the real root, which reads {@code /etc/shadow} whatever {@code --uid} says. So when voidbox runs
 * as root the box runs as an unprivileged host uid ({@value #DEFAULT_UID}, {@code nobody}, or
 * {@code VOIDBOX_BOX_UID}, optionally {@code UID:GID}; also QEMU's uid and the owner a VM box's rw mounts are lent to), with every capability dropped
 * ({@code setpriv}) before bubblewrap starts; otherwise as the invoking user.
 *
 * @param uid          host uid of the box's processes
 * @param gid          host gid of the box's processes
 * @param dropFromRoot true when voidbox is root and must switch to {@code uid} first
 */
public record SandboxUser(int uid, int gid, boolean dropFromRoot) {
    public static final int DEFAULT_UID = 65534;
    static final String UID_VARIABLE = "VOIDBOX_BOX_UID";
    /** The variable's earlier name, from when only namespace boxes used it; still read. */
    static final String OLD_UID_VARIABLE = "VOIDBOX_NAMESPACE_UID";

    /** The user for boxes started by this process, {@code environment} holding {@value #UID_VARIABLE}. */
    public static SandboxUser forThisProcess(Map<String, String> environment) {
        return of(currentUid(), currentGid(), environment);
    }

    /** The user for boxes started by a process of uid {@code self} and gid {@code selfGid}. */
    static SandboxUser of(int self, int selfGid, Map<String, String> environment) {
        if (self != 0) return new SandboxUser(self, selfGid, false);
        String variable = environment.containsKey(UID_VARIABLE) ? UID_VARIABLE : OLD_UID_VARIABLE;
        String spec = environment.getOrDefault(variable, "").strip();
        if (spec.isEmpty()) return new SandboxUser(DEFAULT_UID, DEFAULT_UID, true);
        try {
            String[] parts = spec.split(":", 2);
            int uid = Integer.parseInt(parts[0]);
            int gid = parts.length > 1 ? Integer.parseInt(parts[1]) : uid;
            if (uid <= 0 || gid <= 0) throw new NumberFormatException("must be above 0");
            return new SandboxUser(uid, gid, true);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    variable + " must be UID or UID:GID (numbers above 0), was '" + spec + "'", e);
        }
    }

    public static int currentUid() {
        return procSelf("unix:uid");
    }

    public static int currentGid() {
        return procSelf("unix:gid");
    }

    private static int procSelf(String attribute) {
        try {
            return (Integer) Files.getAttribute(Path.of("/proc/self"), attribute);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read /proc/self: " + e.getMessage(), e);
        }
    }

    /** Gives {@code dir} itself to this user (a box's own workspace). No-op unless switching from root. */
    public void own(Path dir) throws IOException {
        if (dropFromRoot) chown(dir, uid, gid);
    }

    /** Trees lent right now, by root, shared by boxes that mount the same directory at once. Guarded by itself. */
    private static final Map<Path, Lent> LENT = new HashMap<>();

    /** A lent tree: its recorded owners and how many boxes hold it. */
    private static final class Lent {
        final Map<Path, int[]> owners;
        int holders;

        Lent(Map<Path, int[]> owners) {
            this.owners = owners;
        }
    }

    /**
     * Lends the tree below {@code root} (an {@code rw} mount) to this user for the stage: every
     * entry's owner is recorded and changed, links not followed. When the last box holding it
     * closes its {@link Lease}, the recorded entries go back to their owners and what the boxes
     * created to the owner of {@code root}. With no switch from root nothing changes (the box runs
     * as the owner already).
     */
    public Lease lend(Path root) throws IOException {
        if (!dropFromRoot) return () -> {};
        synchronized (LENT) {
            Lent lent = LENT.get(root);
            if (lent == null) {
                Map<Path, int[]> owners = new LinkedHashMap<>();
                try (Stream<Path> walk = Files.walk(root)) {
                    for (Path p : walk.toList()) {
                        owners.put(p, new int[] {attr(p, "unix:uid"), attr(p, "unix:gid")});
                        chown(p, uid, gid);
                    }
                } catch (IOException | RuntimeException e) {
                    restore(root, owners);
                    throw e;
                }
                lent = new Lent(owners);
                LENT.put(root, lent);
            }
            lent.holders++;
            return holding(root, lent);
        }
    }

    /** Closes every lease of a box; each one that fails is told to {@code failed} (its message), the rest still close. */
    public static void giveBack(List<Lease> leases, Consumer<String> failed) {
        for (Lease lease : leases) {
            try {
                lease.close();
            } catch (IOException e) {
                failed.accept(e.getMessage());
            }
        }
    }

    /** One box's hold on a lent tree: closing it (once; again does nothing) gives the tree back if it was the last. */
    @FunctionalInterface
    public interface Lease extends AutoCloseable {
        @Override
        void close() throws IOException;
    }

    private Lease holding(Path root, Lent lent) {
        AtomicBoolean closed = new AtomicBoolean();
        return () -> {
            synchronized (LENT) {
                if (!closed.compareAndSet(false, true) || --lent.holders > 0) return;
                LENT.remove(root);
                restore(root, lent.owners);
            }
        };
    }

    /** Recorded entries back to their owners, the others (created by boxes) to the owner of {@code root}. */
    private void restore(Path root, Map<Path, int[]> owners) throws IOException {
        int[] rootOwner = owners.get(root);
        if (rootOwner == null) return;
        List<Path> all = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(root)) {
            walk.forEach(all::add);
        }
        for (Path p : all) {
            int[] o = owners.getOrDefault(p, rootOwner);
            if (attr(p, "unix:uid") == uid) chown(p, o[0], o[1]);
        }
    }

    private static int attr(Path p, String name) throws IOException {
        return (Integer) Files.getAttribute(p, name, LinkOption.NOFOLLOW_LINKS);
    }

    private static void chown(Path p, int uid, int gid) throws IOException {
        Files.setAttribute(p, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(p, "unix:gid", gid, LinkOption.NOFOLLOW_LINKS);
    }
}
