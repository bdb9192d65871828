package io.voidbox.agent.claude;

import io.voidbox.spi.support.FileTrees;
import java.io.File;
import java.io.IOException;
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
import java.util.regex.Pattern;

/**
 * Installs a Claude Code CLI from npm into a directory the project owns (never globally), so every
 * run uses a known CLI: {@code npm install --prefix DIR @anthropic-ai/claude-code@VERSION}, then the
 * native binary {@code DIR/node_modules/@anthropic-ai/claude-code-linux-x64/claude}, which runs
 * without Node (newer versions' npm wrapper needs Node >= 22; the binary does not). The pinned
 * {@link #VERSION} is the default; any other published version (or {@code latest}, resolved with
 * {@code npm view}) installs beside it, for boxes that set {@code agent.version}.
 *
 * <p>Default directory: {@code ${VOIDBOX_DATA_DIR:-${XDG_DATA_HOME:-~/.local/share}/voidbox}/claude-code/VERSION}.
 * Idempotent and safe when several threads or processes install at once: a file lock serializes
 * installers, npm installs into a temporary sibling directory, and the verified result is renamed
 * into place atomically, so a directory that exists is complete.
 */
public final class ClaudeCodeInstaller {
    /** The pinned CLI version (2.1.198+ need Node >= 22 for the npm wrapper). */
    public static final String VERSION = "2.1.197";
    /** The npm package installed. */
    public static final String PACKAGE = "@anthropic-ai/claude-code";
    /** Where the native binary lands inside the install directory. */
    static final String NATIVE_BINARY = "node_modules/@anthropic-ai/claude-code-linux-x64/claude";
    /** Written after the binary printed the right version: its presence means "installed". */
    static final String MARKER = ".voidbox-installed";

    /** Accepted spellings of a version: {@code 2.1.332}, {@code 2.1.332-beta.1}. */
    private static final Pattern VERSION_SYNTAX = Pattern.compile("[0-9]+\\.[0-9]+\\.[0-9]+(-[0-9A-Za-z.]+)?");

    private final Path installDir;
    private final String version;
    private final Function<String, String> env;
    private final String osName;
    private final String osArch;
    private final Duration npmTimeout;
    private final Duration lockTimeout;

    /** Installs the pinned version into {@code installDir} (a directory of its own; created, replaced if broken). */
    public ClaudeCodeInstaller(Path installDir) {
        this(installDir, VERSION);
    }

    /** Installs {@code version} (e.g. {@code 2.1.332}) into {@code installDir}. */
    public ClaudeCodeInstaller(Path installDir, String version) {
        this(
                installDir,
                version,
                System::getenv,
                System.getProperty("os.name"),
                System.getProperty("os.arch"),
                Duration.ofMinutes(10),
                Duration.ofMinutes(15));
    }

    ClaudeCodeInstaller(
            Path installDir,
            String version,
            Function<String, String> env,
            String osName,
            String osArch,
            Duration npmTimeout,
            Duration lockTimeout) {
        this.installDir = installDir.toAbsolutePath().normalize();
        this.version = checkVersion(version);
        this.env = Objects.requireNonNull(env, "env");
        this.osName = osName;
        this.osArch = osArch;
        this.npmTimeout = npmTimeout;
        this.lockTimeout = lockTimeout;
        if (this.installDir.getParent() == null) {
            throw new IllegalArgumentException("install directory needs a parent: " + installDir);
        }
    }

    /** An installer of the pinned version for the default directory (see class docs). */
    public static ClaudeCodeInstaller defaults() {
        return new ClaudeCodeInstaller(defaultInstallDir(System::getenv));
    }

    /**
     * An installer of {@code version} for its default directory, beside the pinned one;
     * {@code latest} is resolved to the newest published version first ({@code npm view}).
     *
     * @throws InstallException when {@code latest} cannot be resolved (npm missing or offline)
     */
    public static ClaudeCodeInstaller forVersion(String version) throws InstallException {
        String v = "latest".equals(version) ? latestVersion() : checkVersion(version);
        return new ClaudeCodeInstaller(defaultInstallDir(System::getenv, v), v);
    }

    /** {@link #latestVersion()} as first resolved in this JVM: one npm call per process, not per box. */
    private static volatile String latest;

    /**
     * The newest version published on npm ({@code npm view @anthropic-ai/claude-code version}),
     * asked once per process.
     */
    public static String latestVersion() throws InstallException {
        String known = latest;
        if (known != null) {
            return known;
        }
        latest = askNpmForLatest();
        return latest;
    }

    private static String askNpmForLatest() throws InstallException {
        ClaudeCodeInstaller probe = defaults();
        Path npm = probe.findNpm();
        try {
            Path out = Files.createTempFile("voidbox-npm-view", ".txt");
            try {
                int exit = run(
                        List.of(npm.toString(), "view", PACKAGE, "version"),
                        out.getParent(),
                        out,
                        Duration.ofSeconds(60),
                        "npm view");
                String printed = Files.readString(out, StandardCharsets.UTF_8).strip();
                if (exit != 0 || !VERSION_SYNTAX.matcher(printed).matches()) {
                    throw new InstallException(
                            InstallException.Reason.INSTALL_FAILED,
                            "npm view " + PACKAGE + " version failed (exit " + exit + "): " + printed);
                }
                return printed;
            } finally {
                Files.deleteIfExists(out);
            }
        } catch (InstallException e) {
            throw e;
        } catch (IOException e) {
            throw new InstallException(InstallException.Reason.INSTALL_FAILED, "npm view failed: " + e.getMessage());
        }
    }

    private static String checkVersion(String version) {
        if (version == null || !VERSION_SYNTAX.matcher(version).matches()) {
            throw new IllegalArgumentException(
                    "Claude Code version must look like 2.1.332 (or be 'latest'), got '" + version + "'");
        }
        return version;
    }

    /** {@code ${VOIDBOX_DATA_DIR:-${XDG_DATA_HOME:-~/.local/share}/voidbox}/claude-code/VERSION}. */
    static Path defaultInstallDir(Function<String, String> env) {
        return defaultInstallDir(env, VERSION);
    }

    static Path defaultInstallDir(Function<String, String> env, String version) {
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
        return dataDir.resolve("claude-code").resolve(version);
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
        Path binary = installDir.resolve(NATIVE_BINARY);
        return Files.isRegularFile(installDir.resolve(MARKER)) && Files.isExecutable(binary)
                ? Optional.of(binary)
                : Optional.empty();
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
            if (present.isPresent()) {
                return present.get();
            }
            return install(npm, parent);
        }
    }

    private Path install(Path npm, Path parent) throws IOException {
        String id = UUID.randomUUID().toString().substring(0, 8);
        Path tmp = parent.resolve(".tmp-" + installDir.getFileName() + "-" + id);
        Path logFile = parent.resolve(".tmp-" + installDir.getFileName() + "-" + id + ".log");
        try {
            Files.createDirectories(tmp);
            List<String> command = List.of(
                    npm.toString(),
                    "install",
                    "--prefix",
                    tmp.toString(),
                    "--no-audit",
                    "--no-fund",
                    PACKAGE + "@" + version);
            int exit = run(command, tmp, logFile, npmTimeout, "npm install");
            if (exit != 0) {
                throw new InstallException(
                        InstallException.Reason.INSTALL_FAILED,
                        "npm install of " + PACKAGE + "@" + version + " failed (exit " + exit + "): " + tail(logFile));
            }
            Path binary = tmp.resolve(NATIVE_BINARY);
            if (!Files.isRegularFile(binary)) {
                throw new InstallException(
                        InstallException.Reason.INSTALL_FAILED,
                        "npm install succeeded but " + NATIVE_BINARY
                                + " is missing (was the optional linux-x64 package skipped?): " + tail(logFile));
            }
            if (!Files.isExecutable(binary) && !binary.toFile().setExecutable(true)) {
                throw new InstallException(InstallException.Reason.INSTALL_FAILED, binary + " is not executable");
            }
            String printed = versionOf(binary, tmp);
            if (!printed.contains(version)) {
                throw new InstallException(
                        InstallException.Reason.INSTALL_FAILED,
                        binary + " --version printed '" + printed.strip() + "', expected " + version);
            }
            Files.writeString(tmp.resolve(MARKER), version + "\n", StandardCharsets.UTF_8);
            Optional<Path> raced = installed();
            if (raced.isPresent()) {
                // Another installer not sharing this lock (the shell script uses flock(1)) finished first.
                return raced.get();
            }
            if (Files.exists(installDir)) {
                // An incomplete directory (no marker) from an older, interrupted tool: move it aside.
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

    private String versionOf(Path binary, Path workDir) throws IOException {
        Path out = workDir.resolve(".version.txt");
        int exit =
                run(List.of(binary.toString(), "--version"), workDir, out, Duration.ofSeconds(60), "claude --version");
        String printed = Files.readString(out, StandardCharsets.UTF_8);
        Files.deleteIfExists(out);
        if (exit != 0) {
            throw new InstallException(
                    InstallException.Reason.INSTALL_FAILED,
                    binary + " --version failed (exit " + exit + "): " + printed.strip());
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
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
                throw new InstallException(
                        InstallException.Reason.INSTALL_FAILED,
                        what + " did not finish within " + timeout.toSeconds() + " s");
            }
            return process.exitValue();
        } catch (InterruptedException e) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new InstallException(InstallException.Reason.INSTALL_FAILED, what + " interrupted");
        }
    }

    private FileLock lock(FileChannel channel, Path lockFile) throws IOException {
        long deadline = System.nanoTime() + lockTimeout.toNanos();
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
                throw new IOException("timed out after " + lockTimeout.toSeconds() + " s waiting for " + lockFile
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
        String os = osName == null ? "" : osName.toLowerCase(Locale.ROOT);
        String arch = osArch == null ? "" : osArch.toLowerCase(Locale.ROOT);
        if (!os.startsWith("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
            throw new InstallException(
                    InstallException.Reason.UNSUPPORTED_PLATFORM,
                    "Claude Code is installed for linux-x64 only; this is " + osName + "/" + osArch);
        }
    }

    /** {@code npm} from {@code PATH}. */
    Path findNpm() throws InstallException {
        String path = env.apply("PATH");
        if (path != null) {
            for (String dir : path.split(File.pathSeparator)) {
                if (dir.isEmpty()) {
                    continue;
                }
                Path candidate = Path.of(dir, "npm");
                if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                    return candidate;
                }
            }
        }
        throw new InstallException(
                InstallException.Reason.NPM_MISSING,
                "npm not found on PATH, needed to install " + PACKAGE + "@" + version
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
