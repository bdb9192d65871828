package io.voidbox.agent.claude;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.voidbox.spi.support.NpmInstaller.InstallException;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Test helper: the real Claude Code CLI, installed once per JVM with {@link ClaudeCodeInstaller} into
 * its default directory (shared with later runs), and a headless invocation exactly as documented in
 * {@code docs/scripted-model.md}. Tests that need the CLI call {@link #binary()}, which skips
 * them with the reason when npm is unavailable.
 */
public final class ClaudeCli {
    private static final Object LOCK = new Object();
    private static Path binary;
    private static String unavailable;

    private ClaudeCli() {}

    /** The installed native CLI; skips the calling test if it cannot be installed for lack of npm/platform. */
    public static Path binary() {
        synchronized (LOCK) {
            if (binary == null && unavailable == null) {
                try {
                    binary = ClaudeCodeInstaller.defaults().ensureInstalled();
                } catch (InstallException e) {
                    if (e.reason() == InstallException.Reason.INSTALL_FAILED) {
                        throw new IllegalStateException(e.getMessage(), e);
                    }
                    unavailable = e.getMessage();
                } catch (IOException e) {
                    throw new IllegalStateException("installing Claude Code failed: " + e.getMessage(), e);
                }
            }
            Assumptions.assumeTrue(unavailable == null, () -> "real Claude Code CLI unavailable: " + unavailable);
            return binary;
        }
    }

    private static String newest;
    private static String newestUnavailable;

    /**
     * The newest Claude Code published on npm ({@code VOIDBOX_CLAUDE_CODE_NEWEST} if set, else
     * {@code npm view}), installed beside the pinned one; skips the calling test with the reason
     * when npm cannot tell or install it.
     */
    public static String newestVersion() {
        synchronized (LOCK) {
            if (newest == null && newestUnavailable == null) {
                String fixed = System.getenv("VOIDBOX_CLAUDE_CODE_NEWEST");
                try {
                    newest = fixed != null && !fixed.isBlank() ? fixed.strip() : ClaudeCodeInstaller.latestVersion();
                    ClaudeCodeInstaller.forVersion(newest).ensureInstalled();
                } catch (InstallException e) {
                    newest = null;
                    newestUnavailable = e.getMessage();
                } catch (IOException e) {
                    throw new IllegalStateException(
                            "installing Claude Code " + newest + " failed: " + e.getMessage(), e);
                }
            }
            Assumptions.assumeTrue(
                    newestUnavailable == null, () -> "newest Claude Code unavailable: " + newestUnavailable);
            return newest;
        }
    }

    /** The CLI versions the end-to-end tests run: the pinned one and the newest on npm. */
    public enum Version {
        PINNED,
        NEWEST;

        /** The native binary of this version, installed if needed. */
        public Path binary() {
            if (this == PINNED) {
                return ClaudeCli.binary();
            }
            try {
                return ClaudeCodeInstaller.forVersion(newestVersion()).ensureInstalled();
            } catch (IOException e) {
                throw new IllegalStateException("installing Claude Code failed: " + e.getMessage(), e);
            }
        }

        /** The version to put in {@code AgentOptions.version}: empty for the pinned one. */
        public Optional<String> option() {
            if (this == PINNED) {
                ClaudeCli.binary();
                return Optional.empty();
            }
            return Optional.of(newestVersion());
        }
    }

    /** What one headless run printed. */
    public record Result(int exitCode, List<String> stdout, String stderr) {
        /** The stream-json lines parsed (non-JSON lines skipped). */
        public List<JsonNode> events() {
            var mapper = JsonMapper.builder().build();
            List<JsonNode> out = new ArrayList<>();
            for (String line : stdout) {
                try {
                    out.add(mapper.readTree(line));
                } catch (IOException e) {
                    // not a stream-json line
                }
            }
            return out;
        }

        /** The final {@code {"type":"result"}} line. */
        public Optional<JsonNode> result() {
            return events().stream()
                    .filter(e -> "result".equals(e.path("type").asText()))
                    .reduce((a, b) -> b);
        }

        @Override
        public String toString() {
            return "exit " + exitCode + "\nstdout:\n" + String.join("\n", stdout) + "\nstderr:\n" + stderr;
        }
    }

    /**
     * Runs {@code claude -p PROMPT --output-format stream-json --verbose --dangerously-skip-permissions
     * --model MODEL} in {@code workspace} against {@code baseUrl}, with a clean environment (PATH only
     * from the host; HOME, TMPDIR and CLAUDE_CONFIG_DIR fresh under {@code home}), killing it after
     * {@code timeout}.
     */
    public static Result runHeadless(
            Path claude, String prompt, String model, String baseUrl, Path workspace, Path home, Duration timeout)
            throws IOException, InterruptedException {
        Path config = Files.createDirectories(home.resolve("claude-config"));
        Path tmpDir = Files.createDirectories(home.resolve("tmp"));
        Path stdout = home.resolve("stdout.jsonl");
        Path stderr = home.resolve("stderr.txt");
        var pb = new ProcessBuilder(
                        claude.toString(),
                        "-p",
                        prompt,
                        "--output-format",
                        "stream-json",
                        "--verbose",
                        "--dangerously-skip-permissions",
                        "--model",
                        model)
                .directory(workspace.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(stdout.toFile())
                .redirectError(stderr.toFile());
        Map<String, String> env = pb.environment();
        String path = env.getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin");
        env.clear();
        env.put("PATH", path);
        env.put("HOME", home.toString());
        env.put("LANG", "C.UTF-8");
        env.put("TMPDIR", tmpDir.toString()); // the CLI keeps per-session state in $TMPDIR/claude-<uid>
        env.put("IS_SANDBOX", "1");
        env.put("DISABLE_TELEMETRY", "1");
        env.put("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1");
        env.put("ANTHROPIC_BASE_URL", baseUrl);
        env.put("ANTHROPIC_API_KEY", "scripted");
        env.put("CLAUDE_CONFIG_DIR", config.toString());
        Process process = pb.start();
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError("claude did not finish within " + timeout.toSeconds() + " s; stdout so far:\n"
                        + Files.readString(stdout, StandardCharsets.UTF_8));
            }
            return new Result(
                    process.exitValue(),
                    Files.readAllLines(stdout, StandardCharsets.UTF_8),
                    Files.readString(stderr, StandardCharsets.UTF_8));
        } finally {
            if (process.isAlive()) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }
}
