package io.voidbox.sandbox.vm.internal;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Runs short host tools (apt-get, dpkg-deb, mksquashfs, ldd, jlink, qemu --version) with a timeout and a clear
 * error; shared by the image build and the VM launcher, hence public in this internal package.
 */
public final class HostCommand {
    /** Exit code and combined stdout+stderr of one command. */
    public record Result(int exitCode, String output) {}

    private HostCommand() {}

    public static Result run(Path workDir, long timeoutSeconds, List<String> command)
            throws IOException, InterruptedException {
        Path log = Files.createTempFile("voidbox-cmd", ".log");
        try {
            Process p = new ProcessBuilder(command)
                    .directory(workDir == null ? null : workDir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
                throw new IOException("timed out after " + timeoutSeconds + " s: " + String.join(" ", command));
            }
            return new Result(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(log);
        }
    }

    /** Runs and requires exit code 0; the error names the command and shows its output tail. */
    public static String check(Path workDir, long timeoutSeconds, List<String> command)
            throws IOException, InterruptedException {
        Result r = run(workDir, timeoutSeconds, command);
        if (r.exitCode() != 0) {
            throw new IOException("command failed (exit " + r.exitCode() + "): " + String.join(" ", command) + "\n"
                    + tail(r.output(), 2000));
        }
        return r.output();
    }

    static String tail(String s, int max) {
        return s.length() <= max ? s : "..." + s.substring(s.length() - max);
    }

    /** Finds an executable on PATH (plus sbin dirs, which non-root PATHs often lack). */
    public static Optional<Path> which(String name) {
        List<String> dirs = new ArrayList<>(
                List.of(System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")));
        dirs.addAll(List.of("/usr/local/sbin", "/usr/sbin", "/sbin", "/usr/bin", "/bin"));
        for (String d : dirs) {
            if (d.isEmpty()) continue;
            Path p = Path.of(d, name);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) return Optional.of(p);
        }
        return Optional.empty();
    }

    /** The tool, or an error saying which Debian package to install and how. */
    public static Path require(String tool, String debianPackage) throws IOException {
        return which(tool).orElseThrow(() -> new IOException(missingMessage(tool, debianPackage)));
    }

    public static String missingMessage(String tool, String debianPackage) {
        boolean root = "root".equals(System.getProperty("user.name"));
        String cmd = (root ? "" : "sudo ") + "apt-get install -y " + debianPackage;
        return "'" + tool + "' not found: install it with `" + cmd + "`"
                + " (or run scripts/install-vm-deps.sh, which installs everything the VM backend needs)";
    }
}
