package io.voidbox.spi.support;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * Installs an agent CLI published on npm into a directory the project owns (never globally), so
 * every run uses a known CLI: {@code npm install --prefix DIR PACKAGE@VERSION}, then the native
 * binary npm put in the optional linux-x64 package, which runs without Node. Both agents' CLIs
 * ship this way; a {@link Cli} says what differs between them.
 *
 * <p>Default directory: {@code ${VOIDBOX_DATA_DIR:-${XDG_DATA_HOME:-~/.local/share}/voidbox}/NAME/VERSION}
 * (the layout {@code scripts/install-*.sh} share). Idempotent and safe when several threads or
 * processes install at once: a file lock serializes installers, npm installs into a temporary
 * sibling directory, and the verified result is renamed into place atomically, so a directory that
 * exists is complete.
 */
public final class NpmInstaller {
    /**
     * One npm-packaged CLI.
     *
     * @param displayName  how messages name it ({@code Claude Code})
     * @param npmPackage   the package installed ({@code @anthropic-ai/claude-code})
     * @param nativeBinary where the native binary lands inside the install directory
     * @param dirName      its directory under the VoidBox data directory ({@code claude-code})
     */
    public record Cli(String displayName, String npmPackage, String nativeBinary, String dirName) {
        public Cli {
            Objects.requireNonNull(displayName, "displayName");
            Objects.requireNonNull(npmPackage, "npmPackage");
            Objects.requireNonNull(nativeBinary, "nativeBinary");
            Objects.requireNonNull(dirName, "dirName");
        }
    }

    /**
     * The machine an install runs on: its environment ({@code PATH}, data directories), platform,
     * and how long npm and waiting for another installer may take. Tests pass their own.
     */
    public record Host(
            Function<String, String> env, String osName, String osArch, Duration npmTimeout, Duration lockTimeout) {
        public Host {
            Objects.requireNonNull(env, "env");
        }

        /** This JVM's environment and platform; npm gets 10 minutes, another installer 15. */
        public static Host current() {
            return new Host(
                    System::getenv,
                    System.getProperty("os.name"),
                    System.getProperty("os.arch"),
                    Duration.ofMinutes(10),
                    Duration.ofMinutes(15));
        }
    }

    /** Written after the binary printed the right version: its presence means "installed". */
    static final String MARKER = ".voidbox-installed";

    /** Accepted spellings of a version: {@code 2.1.332}, {@code 2.1.332-beta.1}. */
    private static final Pattern VERSION_SYNTAX = Pattern.compile("[0-9]+\\.[0-9]+\\.[0-9]+(-[0-9A-Za-z.]+)?");

    private final Cli cli;
    private final Path installDir;
    private final String version;
    private final Host host;

    /** Installs {@code version} of {@code cli} into {@code installDir} (a directory of its own; created, replaced if broken). */
    public NpmInstaller(Cli cli, Path installDir, String version, Host host) {
        this.cli = Objects.requireNonNull(cli, "cli");
        this.installDir = installDir.toAbsolutePath().normalize();
        this.version = checkVersion(cli, version);
        this.host = Objects.requireNonNull(host, "host");
        if (this.installDir.getParent() == null) {
            throw new IllegalArgumentException("install directory needs a parent: " + installDir);
        }
    }

    /** An installer of {@code version} into its default directory on this machine (see class docs). */
    public static NpmInstaller defaults(Cli cli, String version) {
        return new NpmInstaller(cli, defaultInstallDir(System::getenv, cli, version), version, Host.current());
    }

    /** {@code version} if it looks like {@code 2.1.332}; otherwise a clear error naming the CLI. */
    public static String checkVersion(Cli cli, String version) {
        if (version == null || !VERSION_SYNTAX.matcher(version).matches()) {
            throw new IllegalArgumentException(
                    cli.displayName() + " version must look like 2.1.332 (or be 'latest'), got '" + version + "'");
        }
        return version;
    }

    /** {@code ${VOIDBOX_DATA_DIR:-${XDG_DATA_HOME:-~/.local/share}/voidbox}/NAME/VERSION}. */
    public static Path defaultInstallDir(Function<String, String> env, Cli cli, String version) {
        Path dataDir;
        String voidbox = env.apply("VOIDBOX_DATA_DIR");
        if (voidbox != null && !voidbox.isBlank()) {
            dataDir = Path.of(voidbox);
        } else {
            String xdg = env.apply("XDG_DATA_HOME");
            Path base = xdg != null && !xdg.isBlank()
                    ? Path.of(xdg)
                    : Path.of(
                            Objects.requireNonNullElse(env.apply("HOME"), System.getProperty("user.home")),
                            ".local",
                            "share");
            dataDir = base.resolve("voidbox");
        }
        return dataDir.resolve(cli.dirName()).resolve(version);
    }

    /** The version this installer installs. */
    public String version() {
        return version;
    }

    /** The directory the CLI is (or will be) installed in. */
    public Path installDir() {
        return installDir;
    }

    /** The native CLI binary if a complete install is present. */
    public Optional<Path> installed() {
        Path binary = installDir.resolve(cli.nativeBinary());
        return Files.isRegularFile(installDir.resolve(MARKER)) && Files.isExecutable(binary)
                ? Optional.of(binary)
                : Optional.empty();
    }

    /**
     * This installer's binary as a supplier for the runtime: installed on first use, then reused; a
     * failed install surfaces as an {@link UncheckedIOException} naming the CLI and version.
     */
    public Supplier<Path> onFirstUse() {
        return new Supplier<>() {
            private Path path;

            @Override
            public synchronized Path get() {
                if (path == null) {
                    try {
                        path = ensureInstalled();
                    } catch (IOException e) {
                        throw new UncheckedIOException(
                                "cannot install " + cli.displayName() + " " + version + ": " + e.getMessage(), e);
                    }
                }
                return path;
            }
        };
    }

    /**
     * The newest version published on npm ({@code npm view PACKAGE version}).
     *
     * @throws InstallException when npm is missing, offline, or prints no version
     */
    public String latestVersion() throws InstallException {
        Path npm = findNpm();
        try {
            Path out = Files.createTempFile("voidbox-npm-view", ".txt");
            try {
                int exit = run(
                        List.of(npm.toString(), "view", cli.npmPackage(), "version"),
                        out.getParent(),
                        out,
                        Duration.ofSeconds(60),
                        "npm view");
                String printed = Files.readString(out, StandardCharsets.UTF_8).strip();
                if (exit != 0 || !VERSION_SYNTAX.matcher(printed).matches()) {
                    throw failed("npm view " + cli.npmPackage() + " version failed (exit " + exit + "): " + printed);
                }
                return printed;
            } finally {
                Files.deleteIfExists(out);
            }
        } catch (InstallException e) {
            throw e;
        } catch (IOException e) {
            throw failed("npm view failed: " + e.getMessage());
        }
    }

    /**
     * Returns the native CLI binary, installing it first if needed.
     *
     * @throws InstallException if npm is missing, the platform is not linux-x64, or the install fails
     * @throws IOException      if the install directory cannot be written
     */
    public Path ensureInstalled() throws IOException {
        Optional<Path> present = installed();
        if (present.isPresent()) {
            return present.get();
        }
        checkPlatform();
        Path npm = findNpm();
        Path parent = installDir.getParent();
        Files.createDirectories(parent);
        Path lockFile = parent.resolve("." + installDir.getFileName() + ".lock");
        try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                FileLock lock = lock(channel, lockFile)) {
            assert lock.isValid();
            present = installed();
            return present.isPresent() ? present.get() : install(npm, parent);
        }
    }

    private Path install(Path npm, Path parent) throws IOException {
        String id = UUID.randomUUID().toString().substring(0, 8);
        Path tmp = parent.resolve(".tmp-" + installDir.getFileName() + "-" + id);
        Path logFile = parent.resolve(".tmp-" + installDir.getFileName() + "-" + id + ".log");
        String spec = cli.npmPackage() + "@" + version;
        try {
            Files.createDirectories(tmp);
            List<String> command =
                    List.of(npm.toString(), "install", "--prefix", tmp.toString(), "--no-audit", "--no-fund", spec);
            int exit = run(command, tmp, logFile, host.npmTimeout(), "npm install");
            if (exit != 0) {
                throw failed("npm install of " + spec + " failed (exit " + exit + "): " + tail(logFile));
            }
            Path binary = tmp.resolve(cli.nativeBinary());
            if (!Files.isRegularFile(binary)) {
                throw failed("npm install succeeded but " + cli.nativeBinary()
                        + " is missing (was the optional linux-x64 package skipped?): " + tail(logFile));
            }
            if (!Files.isExecutable(binary) && !binary.toFile().setExecutable(true)) {
                throw failed(binary + " is not executable");
            }
            String printed = versionOf(binary, tmp);
            if (!printed.contains(version)) {
                throw failed(binary + " --version printed '" + printed + "', expected " + version);
            }
            Files.writeString(tmp.resolve(MARKER), version + "\n", StandardCharsets.UTF_8);
            Optional<Path> raced = installed();
            if (raced.isPresent()) {
                // Another installer not sharing this lock (the shell script uses flock(1)) finished first.
                return raced.get();
            }
            if (Files.exists(installDir)) {
                // An incomplete directory (no marker) from an interrupted install: move it aside.
                Path broken = parent.resolve(".broken-" + installDir.getFileName() + "-" + id);
                Files.move(installDir, broken, StandardCopyOption.ATOMIC_MOVE);
                FileTrees.delete(broken);
            }
            try {
                Files.move(tmp, installDir, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException | FileAlreadyExistsException e) {
                throw new IOException("cannot move " + tmp + " to " + installDir + ": " + e, e);
            }
            return installed().orElseThrow(() -> new IOException("install vanished: " + installDir));
        } finally {
            FileTrees.delete(tmp);
            Files.deleteIfExists(logFile);
        }
    }

    /** What {@code binary --version} printed (stripped), or a failure if it exited non-zero. */
    private static String versionOf(Path binary, Path workDir) throws IOException {
        Path out = workDir.resolve(".version.txt");
        String what = binary.getFileName() + " --version";
        int exit = run(List.of(binary.toString(), "--version"), workDir, out, Duration.ofSeconds(60), what);
        String printed = Files.readString(out, StandardCharsets.UTF_8).strip();
        Files.deleteIfExists(out);
        if (exit != 0) {
            throw failed(binary + " --version failed (exit " + exit + "): " + printed);
        }
        return printed;
    }

    private static int run(List<String> command, Path workDir, Path output, Duration timeout, String what)
            throws IOException {
        Process process = new ProcessBuilder(command)
                .directory(workDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(output.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start();
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                kill(process);
                throw failed(what + " did not finish within " + timeout.toSeconds() + " s");
            }
            return process.exitValue();
        } catch (InterruptedException e) {
            kill(process);
            Thread.currentThread().interrupt();
            throw failed(what + " interrupted");
        }
    }

    private static void kill(Process process) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private FileLock lock(FileChannel channel, Path lockFile) throws IOException {
        long deadline = System.nanoTime() + host.lockTimeout().toNanos();
        while (true) {
            try {
                FileLock lock = channel.tryLock();
                if (lock != null) {
                    return lock;
                }
            } catch (OverlappingFileLockException e) {
                // Another thread of this JVM is installing; wait like for another process.
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("timed out after " + host.lockTimeout().toSeconds() + " s waiting for " + lockFile
                        + " (another install still running?)");
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted waiting for " + lockFile, e);
            }
        }
    }

    private void checkPlatform() throws InstallException {
        String os = host.osName() == null ? "" : host.osName().toLowerCase(Locale.ROOT);
        String arch = host.osArch() == null ? "" : host.osArch().toLowerCase(Locale.ROOT);
        if (!os.startsWith("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
            throw new InstallException(
                    InstallException.Reason.UNSUPPORTED_PLATFORM,
                    cli.displayName() + " is installed for linux-x64 only; this is " + host.osName() + "/"
                            + host.osArch());
        }
    }

    /** {@code npm} from {@code PATH}. */
    private Path findNpm() throws InstallException {
        String path = host.env().apply("PATH");
        if (path != null) {
            for (String dir : path.split(File.pathSeparator)) {
                if (!dir.isEmpty()) {
                    Path candidate = Path.of(dir, "npm");
                    if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                        return candidate;
                    }
                }
            }
        }
        throw new InstallException(
                InstallException.Reason.NPM_MISSING,
                "npm not found on PATH, needed to install " + cli.npmPackage() + "@" + version
                        + ": install Node.js/npm: apt-get install -y nodejs npm");
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()))
                    .strip();
        } catch (IOException e) {
            return "(no npm output: " + e.getMessage() + ")";
        }
    }

    private static InstallException failed(String message) {
        return new InstallException(InstallException.Reason.INSTALL_FAILED, message);
    }

    /** The CLI could not be installed; {@link #reason()} says whether the machine lacks something. */
    public static final class InstallException extends IOException {
        private static final long serialVersionUID = 1L;

        /** Why an install failed. */
        public enum Reason {
            NPM_MISSING,
            UNSUPPORTED_PLATFORM,
            INSTALL_FAILED
        }

        private final Reason reason;

        public InstallException(Reason reason, String message) {
            super(message);
            this.reason = reason;
        }

        public Reason reason() {
            return reason;
        }
    }
}
