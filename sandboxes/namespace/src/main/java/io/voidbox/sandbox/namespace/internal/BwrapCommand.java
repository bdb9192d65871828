package io.voidbox.sandbox.namespace.internal;

import io.voidbox.SandboxOptions.Mount;
import io.voidbox.spi.support.SandboxUser;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The command line that runs one command in a namespace box:
 *
 * <ol>
 *   <li>as root only: {@code unshare --mount} (a private mount namespace that dies with the
 *       command) in which the agent binary and the mounts' host directories are bind-mounted into
 *       the box's staging directory, so the unprivileged user reaches them without any host
 *       permission changing, then {@code setpriv} to that user with every capability, the bounding
 *       set and supplementary groups dropped;
 *   <li>{@code bwrap}: new user, mount, pid, ipc, uts and cgroup namespaces (the network one is the
 *       box's {@link NetNamespace}, entered first), no further user namespaces, killed with its parent, own
 *       session; {@code /usr} and the top-level library links read-only, {@code /etc} read-only
 *       without its secrets, a fresh {@code /proc} and {@code /dev}, private {@code /tmp}, home and
 *       {@code /run}, the workspace at {@code /workspace} and the mounts at their guest paths
 *       ({@code ro} ones read-only), the root read-only, and the seccomp filter;
 *   <li>inside, the command, as the box user's uid.
 * </ol>
 */
public final class BwrapCommand {
    /** Where the box sees the agent binary's directory, its workspace, home and model sockets. */
    public static final String AGENT_DIR = "/opt/voidbox/agent";

    public static final String WORKSPACE = "/workspace";
    public static final String HOME = "/home/voidbox";
    static final String RUN_DIR = "/run/voidbox";
    /** Size of each private tmpfs ({@code /tmp}, {@code /var}, {@code /home}, {@code /run}): memory the box can fill. */
    static final long TMPFS_BYTES = 512L << 20;
    /** The fd bwrap reads the seccomp program from (opened by the outer shell). */
    static final int SECCOMP_FD = 9;

    /** {@code /etc} entries a box never sees: password hashes, sudo rules, SSH host keys. */
    static final Set<String> ETC_SECRETS =
            Set.of("shadow", "shadow-", "gshadow", "gshadow-", "sudoers", "sudoers.d", "ssh", ".pwd.lock");

    /**
     * The outer shell (root only: as root) moves itself into the box's cgroups, makes the binds,
     * opens the seccomp program on fd 9, then runs the rest.
     */
    private static final String OUTER = "while [ \"$1\" != -- ]; do echo $$ > \"$1\" || exit 126; shift; done; shift;"
            + " while [ \"$1\" != -- ]; do mount --bind -- \"$1\" \"$2\" || exit 126; shift 2; done; shift;"
            + " exec " + SECCOMP_FD + "<\"$1\" || exit 126; shift; exec \"$@\"";

    /**
     * Where one box's pieces are on the host.
     *
     * @param user      who the box runs as
     * @param root      the box's staging directory (mount points for the root-only binds)
     * @param workspace host directory shown at {@value #WORKSPACE}
     * @param agentDir  host directory of the agent binary, shown read-only at {@value #AGENT_DIR} (empty: none)
     * @param mounts    host directories (real paths) and their guest paths
     * @param runDir    host directory of the model sockets, shown read-only at {@code /run/voidbox}
     * @param seccomp   the seccomp program ({@link SeccompFilter#program()})
     * @param cgroups   the {@code cgroup.procs} files each command joins first (empty: no limits)
     */
    public record Layout(
            SandboxUser user,
            Path root,
            Path workspace,
            Optional<Path> agentDir,
            List<Mount> mounts,
            Path runDir,
            Path seccomp,
            List<String> cgroups) {
        public Layout {
            mounts = List.copyOf(mounts);
            cgroups = List.copyOf(cgroups);
        }
    }

    private BwrapCommand() {}

    /**
     * The full argv running {@code command} in {@code workingDir}, after {@code enter} (the prefix
     * that joins the box's network namespace).
     */
    public static List<String> argv(Layout layout, List<String> enter, List<String> command, String workingDir)
            throws IOException {
        List<String> argv = new ArrayList<>(enter);
        List<String> binds = new ArrayList<>();
        Optional<Path> agentSource = layout.agentDir();
        List<Path> mountSources = new ArrayList<>();
        for (Mount m : layout.mounts()) mountSources.add(m.host());
        if (layout.user().dropFromRoot()) {
            if (agentSource.isPresent())
                agentSource = Optional.of(stage(layout.root().resolve("agent"), agentSource.get(), binds));
            for (int i = 0; i < mountSources.size(); i++)
                mountSources.set(i, stage(layout.root().resolve("m" + i), mountSources.get(i), binds));
            argv.addAll(List.of("unshare", "--mount", "--propagation", "private", "--"));
        }
        argv.addAll(List.of("/bin/sh", "-c", OUTER, "sh"));
        argv.addAll(layout.cgroups());
        argv.add("--");
        argv.addAll(binds);
        argv.add("--");
        argv.add(layout.seccomp().toString());
        if (layout.user().dropFromRoot())
            argv.addAll(List.of(
                    "setpriv",
                    "--reuid=" + layout.user().uid(),
                    "--regid=" + layout.user().gid(),
                    "--clear-groups",
                    "--inh-caps=-all",
                    "--bounding-set=-all",
                    "--no-new-privs",
                    "--"));
        argv.addAll(List.of(
                "bwrap",
                "--unshare-all",
                "--share-net",
                "--unshare-user",
                "--disable-userns",
                "--die-with-parent",
                "--new-session",
                "--hostname",
                "voidbox",
                "--uid",
                String.valueOf(layout.user().uid()),
                "--gid",
                String.valueOf(layout.user().gid())));
        argv.addAll(List.of("--ro-bind", "/usr", "/usr"));
        for (String top : List.of("bin", "sbin", "lib", "lib32", "lib64", "libx32")) system(Path.of("/" + top), argv);
        etc(argv, layout.runDir());
        argv.addAll(List.of("--proc", "/proc", "--dev", "/dev"));
        for (String dir : List.of("/tmp", "/var", "/home", "/run"))
            argv.addAll(List.of("--size", String.valueOf(TMPFS_BYTES), "--tmpfs", dir));
        argv.addAll(List.of("--dir", "/var/tmp", "--dir", HOME));
        argv.addAll(List.of("--ro-bind", layout.runDir().toString(), RUN_DIR));
        agentSource.ifPresent(a -> argv.addAll(List.of("--ro-bind", a.toString(), AGENT_DIR)));
        argv.addAll(List.of("--bind", layout.workspace().toString(), WORKSPACE));
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < layout.mounts().size(); i++) order.add(i);
        order.sort(Comparator.comparingInt(
                i -> Path.of(layout.mounts().get(i).guest()).getNameCount()));
        for (int i : order) {
            Mount m = layout.mounts().get(i);
            argv.addAll(List.of(
                    m.readOnly() ? "--ro-bind" : "--bind",
                    mountSources.get(i).toString(),
                    Path.of(m.guest()).normalize().toString()));
        }
        argv.addAll(List.of("--remount-ro", "/"));
        argv.addAll(List.of("--seccomp", String.valueOf(SECCOMP_FD)));
        argv.addAll(List.of("--chdir", workingDir == null ? WORKSPACE : workingDir));
        argv.add("--");
        argv.addAll(command);
        return argv;
    }

    /** Adds the root-only bind of {@code source} onto a mount point in the staging directory; returns the latter. */
    private static Path stage(Path mountPoint, Path source, List<String> binds) throws IOException {
        if (Files.isDirectory(source)) Files.createDirectories(mountPoint);
        else if (!Files.exists(mountPoint)) Files.createFile(mountPoint);
        binds.add(source.toString());
        binds.add(mountPoint.toString());
        return mountPoint;
    }

    private static void system(Path top, List<String> argv) throws IOException {
        if (Files.isSymbolicLink(top))
            argv.addAll(List.of("--symlink", Files.readSymbolicLink(top).toString(), top.toString()));
        else if (Files.isDirectory(top)) argv.addAll(List.of("--ro-bind", top.toString(), top.toString()));
    }

    /**
     * {@code /etc} entry by entry (links as links), without {@link #ETC_SECRETS}, the box's own
     * {@link NamespaceNetwork#ETC_FILES} from {@code runDir} where they are, then read-only.
     */
    private static void etc(List<String> argv, Path runDir) throws IOException {
        argv.addAll(List.of("--tmpfs", "/etc"));
        Set<String> own = new HashSet<>();
        for (String name : NamespaceNetwork.ETC_FILES) {
            Path file = runDir.resolve(name);
            if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) continue;
            argv.addAll(List.of("--ro-bind", file.toString(), "/etc/" + name));
            own.add(name);
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(Path.of("/etc"))) {
            List<Path> sorted = new ArrayList<>();
            entries.forEach(sorted::add);
            sorted.sort(Comparator.naturalOrder());
            for (Path e : sorted) {
                String name = e.getFileName().toString();
                if (ETC_SECRETS.contains(name) || own.contains(name)) continue;
                if (Files.isSymbolicLink(e))
                    argv.addAll(List.of("--symlink", Files.readSymbolicLink(e).toString(), e.toString()));
                else argv.addAll(List.of("--ro-bind-try", e.toString(), e.toString()));
            }
        }
        argv.addAll(List.of("--remount-ro", "/etc"));
    }
}
