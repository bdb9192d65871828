package io.voidbox.bench;

import io.voidbox.SandboxOptions;
import io.voidbox.SandboxOptions.Mount;
import io.voidbox.agent.claude.ClaudeCodeInstaller;
import io.voidbox.sandbox.vm.VmSandboxProvider;
import io.voidbox.spi.BoxScope;
import io.voidbox.spi.ExecResult;
import io.voidbox.spi.ExecSpec;
import io.voidbox.spi.OutputSink;
import io.voidbox.spi.Sandbox;
import io.voidbox.spi.SandboxRequest;
import io.voidbox.spi.support.FileTrees;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Throughput of a live mount (virtio-9p) in a VM box against the guest's tmpfs and the host disk,
 * in one run: sequential write ({@code dd conv=fsync}) and read of {@code --mib} MiB, and a walk
 * over a repository of {@code --files} files ({@code git status} on the host; the guest image has
 * no git, so there {@code find | wc -l} plus a {@code stat} of every file). Each figure is the
 * median of {@code --runs} repetitions with their range. Usage:
 * {@code MountBench [--runs 5] [--mib 64] [--files 10000]}
 */
public final class MountBench {
    private MountBench() {}

    /** One repetition's timings, in seconds, printed by the script as {@code NAME SECONDS} lines. */
    private static final String IO_SCRIPT = """
            d="$1"; mib="$2"; f="$d/bench.bin"
            el() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.6f", b - a }'; }
            t0=$EPOCHREALTIME; dd if=/dev/zero of="$f" bs=1M count="$mib" conv=fsync 2>/dev/null || exit 3
            t1=$EPOCHREALTIME; dd if="$f" of=/dev/null bs=1M 2>/dev/null || exit 4
            t2=$EPOCHREALTIME; rm -f "$f"
            echo "write $(el $t0 $t1)"; echo "read $(el $t1 $t2)"
            """;

    private static final String WALK_SCRIPT = """
            cd "$1" || exit 3
            el() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.6f", b - a }'; }
            t0=$EPOCHREALTIME; n=$(find . -path ./.git -prune -o -type f -print | wc -l)
            find . -path ./.git -prune -o -type f -print0 | xargs -0 stat -c %Y > /dev/null
            t1=$EPOCHREALTIME
            echo "walk $(el $t0 $t1) $n"
            if command -v git > /dev/null; then
              t0=$EPOCHREALTIME; c=$(git status --porcelain | wc -l); t1=$EPOCHREALTIME; echo "git $(el $t0 $t1) $c"
            fi
            """;

    public static void main(String[] args) throws Exception {
        BenchArgs cli = BenchArgs.parse(args, "--runs", "--mib", "--files");
        int runs = cli.intValue("--runs", 5);
        int mib = cli.intValue("--mib", 64);
        int files = cli.intValue("--files", 10_000);
        Path claude = ClaudeCodeInstaller.defaults().ensureInstalled();
        Path root = Files.createTempDirectory("voidbox-mount-bench-");
        Map<String, List<Double>> results = new LinkedHashMap<>();
        try {
            Path share = Files.createDirectories(root.resolve("share"));
            Path repo = Files.createDirectories(share.resolve("repo"));
            makeRepository(repo, files);
            Path hostDir = Files.createDirectories(root.resolve("host"));
            for (int r = 0; r < runs; r++) {
                record(results, "host disk", host(IO_SCRIPT, hostDir.toString(), Integer.toString(mib)));
                record(results, "host disk", host(WALK_SCRIPT, repo.toString()));
            }
            VmSandboxProvider vm = new VmSandboxProvider(() -> claude, m -> System.out.println("[vm] " + m));
            BoxScope scope = new BoxScope("bench", "mount-bench", "mounts", e -> {});
            SandboxRequest request = new SandboxRequest(
                    scope,
                    new SandboxOptions(
                            SandboxOptions.Backend.VM,
                            SandboxOptions.Accel.AUTO,
                            2048,
                            1,
                            false,
                            Map.of(),
                            List.of(new Mount(share, "/mnt/share", false)),
                            1000),
                    b -> {});
            try (Sandbox sb = vm.start(request)) {
                System.out.println(
                        "[vm] guest kernel " + sb.environment().guestKernel().orElse("?") + ", accel "
                                + sb.environment().accel().orElse("?"));
                for (int r = 0; r < runs; r++) {
                    record(results, "vm 9p mount", guest(sb, IO_SCRIPT, "/mnt/share", Integer.toString(mib)));
                    record(results, "vm tmpfs", guest(sb, IO_SCRIPT, "/workspace", Integer.toString(mib)));
                    record(results, "vm 9p mount", guest(sb, WALK_SCRIPT, "/mnt/share/repo"));
                }
                guest(sb, "cp -r \"$1\" /workspace/repo", "/mnt/share/repo");
                for (int r = 0; r < runs; r++) record(results, "vm tmpfs", guest(sb, WALK_SCRIPT, "/workspace/repo"));
            }
        } finally {
            FileTrees.delete(root);
        }
        System.out.printf(
                Locale.ROOT,
                "%n%d MiB sequential, %d files, %d runs: median (min-max)%n%n| where | measure | median | range |%n|---|---|---|---|%n",
                mib,
                files,
                runs);
        for (var e : results.entrySet()) {
            List<Double> v = new ArrayList<>(e.getValue());
            v.sort(Double::compare);
            double median = v.get(v.size() / 2);
            String[] key = e.getKey().split("\\|");
            boolean rate = key[1].equals("write") || key[1].equals("read");
            String unit = rate ? " MB/s" : " s";
            System.out.printf(
                    Locale.ROOT,
                    "| %s | %s | %.2f%s | %.2f-%.2f |%n",
                    key[0],
                    label(key[1], mib, files),
                    rate ? mib / median : median,
                    unit,
                    rate ? mib / v.getLast() : v.getFirst(),
                    rate ? mib / v.getFirst() : v.getLast());
        }
    }

    private static String label(String measure, int mib, int files) {
        return switch (measure) {
            case "write" -> "write " + mib + " MiB (dd, fsync)";
            case "read" -> "read " + mib + " MiB (dd)";
            case "walk" -> "find + stat of " + files + " files";
            case "git" -> "git status, " + files + " files";
            default -> measure;
        };
    }

    /** {@code NAME SECONDS [...]} lines into {@code where|NAME} series. */
    private static void record(Map<String, List<Double>> results, String where, String output) {
        for (String line : output.lines().toList()) {
            String[] f = line.trim().split(" ");
            if (f.length < 2 || !f[0].matches("write|read|walk|git")) continue;
            results.computeIfAbsent(where + "|" + f[0], k -> new ArrayList<>()).add(Double.parseDouble(f[1]));
        }
    }

    private static String host(String script, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("/bin/bash", "-c", script, "bench"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd)
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(600, TimeUnit.SECONDS) || p.exitValue() != 0)
            throw new IOException("host script failed: " + out);
        return out;
    }

    private static String guest(Sandbox sb, String script, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("/bin/bash", "-c", script, "bench"));
        cmd.addAll(List.of(args));
        StringBuilder out = new StringBuilder();
        ExecResult r = sb.exec(new ExecSpec(cmd, Map.of(), null, Duration.ofMinutes(20)), new OutputSink() {
            @Override
            public void stdout(String line) {
                out.append(line).append('\n');
            }

            @Override
            public void stderr(String line) {
                out.append("# ").append(line).append('\n');
            }
        });
        if (r.exitCode() != 0) throw new IOException("guest script failed (" + r + "): " + out);
        return out.toString();
    }

    /** {@code files} small files in 100 per directory, committed, so {@code git status} has an index to check. */
    private static void makeRepository(Path repo, int files) throws IOException, InterruptedException {
        for (int i = 0; i < files; i++) {
            Path dir = repo.resolve(String.format(Locale.ROOT, "d%03d", i / 100));
            if (i % 100 == 0) Files.createDirectories(dir);
            Files.writeString(dir.resolve("f" + i + ".txt"), "file " + i + "\n");
        }
        host(
                "cd \"$1\" && git init -q && git add -A && git -c user.name=bench -c user.email=bench@voidbox"
                        + " commit -q -m files && echo done",
                repo.toString());
    }
}
