package io.voidbox.bench;

import io.voidbox.SandboxOptions;
import io.voidbox.SpecEnum;
import io.voidbox.agent.claude.ClaudeCodeInstaller;
import io.voidbox.event.RunEvent;
import io.voidbox.sandbox.vm.VmSandboxProvider;
import io.voidbox.sandbox.vm.image.GuestImage;
import io.voidbox.sandbox.vm.internal.Accel;
import io.voidbox.sandbox.vm.internal.BareBoot;
import io.voidbox.sandbox.vm.internal.ConsoleListener;
import io.voidbox.sandbox.vm.internal.MachineSpec;
import io.voidbox.sandbox.vm.internal.QemuMachine;
import io.voidbox.sandbox.vm.internal.VmLauncher;
import io.voidbox.spi.BoxScope;
import io.voidbox.spi.ExecResult;
import io.voidbox.spi.ExecSpec;
import io.voidbox.spi.OutputSink;
import io.voidbox.spi.Sandbox;
import io.voidbox.spi.SandboxRequest;
import io.voidbox.spi.support.FileTrees;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Box ready from a snapshot vs a cold box vs a bare boot, measured side by side: each round runs
 * the three arms back to back (order rotating), same image, kernel, accelerator and memory.
 * "Ready" is QEMU launch ({@code box.booting}) to the first {@code true} exec done. The first
 * (warm-up) round's snapshot box boots cold and saves the snapshot the later rounds restore;
 * it lives in a temp dir deleted at the end.
 *
 * <p>Usage: {@code SnapshotBench [--runs 5] [--memory 1024] [--accel tcg|kvm]}
 */
public final class SnapshotBench {
    private static final Duration TIMEOUT = Duration.ofSeconds(180);

    private SnapshotBench() {}

    public static void main(String[] args) throws Exception {
        int runs = 5;
        int memory = 1024;
        Accel accel = Accel.TCG;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                case "--memory" -> memory = Integer.parseInt(args[++i]);
                case "--accel" -> accel = "kvm".equals(args[++i]) ? Accel.KVM : Accel.TCG;
                default ->
                    throw new IllegalArgumentException("unknown option " + args[i]
                            + "; usage: SnapshotBench [--runs 5] [--memory 1024] [--accel tcg|kvm]");
            }
        }
        Path claude = ClaudeCodeInstaller.defaults().ensureInstalled();
        Path dir = Files.createTempDirectory("voidbox-snapshot-bench-");
        try {
            VmSandboxProvider cold =
                    VmSandboxProvider.withSnapshotDir(() -> claude, m -> System.err.println("image: " + m), null);
            VmSandboxProvider warm =
                    VmSandboxProvider.withSnapshotDir(() -> claude, m -> System.err.println("image: " + m), dir);
            GuestImage image = cold.image();
            Path qemu = VmLauncher.system().qemu();
            System.out.printf(
                    Locale.ROOT,
                    "SnapshotBench: image %s (kernel %s), accel=%s, %d MB, 1 vCPU, host %d cpus, %d rounds + 1 warm-up%n",
                    image.id(),
                    image.kernelVersion(),
                    accel.id(),
                    memory,
                    Runtime.getRuntime().availableProcessors(),
                    runs);
            Map<String, List<Double>> arms = new LinkedHashMap<>();
            for (String a : List.of("bare boot (poweroff)", "cold box ready", "restored box ready"))
                arms.put(a, new ArrayList<>());
            List<Double> ratios = new ArrayList<>();
            for (int i = 0; i <= runs; i++) {
                double[] r = new double[3];
                for (int k = 0; k < 3; k++) {
                    int arm = (i + k) % 3;
                    r[arm] = switch (arm) {
                        case 0 -> bare(qemu, image, accel, memory);
                        case 1 -> box(cold, "cold" + i, accel, memory, false);
                        default -> box(warm, "snap" + i, accel, memory, i > 0);
                    };
                }
                System.err.printf(
                        Locale.ROOT,
                        "%s %d: bare %.0f ms, cold %.0f ms, restored %.0f ms%n",
                        i == 0 ? "warm-up" : "round",
                        i,
                        r[0],
                        r[1],
                        r[2]);
                if (i == 0) continue;
                arms.get("bare boot (poweroff)").add(r[0]);
                arms.get("cold box ready").add(r[1]);
                arms.get("restored box ready").add(r[2]);
                ratios.add(r[2] / r[0]);
            }
            System.out.println("| arm | median ms | min | max |");
            System.out.println("|---|---:|---:|---:|");
            arms.forEach((k, v) -> {
                List<Double> s = v.stream().sorted().toList();
                System.out.printf(
                        Locale.ROOT, "| %s | %.0f | %.0f | %.0f |%n", k, median(s), s.getFirst(), s.getLast());
            });
            List<Double> rs = ratios.stream().sorted().toList();
            System.out.printf(
                    Locale.ROOT,
                    "restored / bare: ratio of medians %.2f, per-round median %.2f (min %.2f, max %.2f); target <= 0.3%n",
                    median(arms.get("restored box ready").stream().sorted().toList())
                            / median(arms.get("bare boot (poweroff)").stream()
                                    .sorted()
                                    .toList()),
                    median(rs),
                    rs.getFirst(),
                    rs.getLast());
        } finally {
            FileTrees.delete(dir);
        }
    }

    private static double median(List<Double> sorted) {
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private static double bare(Path qemu, GuestImage image, Accel accel, int memory) throws Exception {
        MachineSpec spec = BareBoot.spec(image, accel, TIMEOUT).withMemoryMb(memory);
        try (QemuMachine m = QemuMachine.start(qemu, spec, ConsoleListener.NONE)) {
            m.awaitReady();
            if (m.awaitExit(TIMEOUT).isEmpty()) throw new IllegalStateException("bare boot did not power off");
            return m.wallTime().orElseThrow().toNanos() / 1e6;
        }
    }

    /** Launch ({@code box.booting}) to the first exec done; checks the box was (not) restored as expected. */
    private static double box(VmSandboxProvider vm, String name, Accel accel, int memory, boolean expectRestored)
            throws Exception {
        long[] launch = {0};
        boolean[] restored = {false};
        BoxScope scope = new BoxScope("bench", "snapshot-bench", name, e -> {
            if (e instanceof RunEvent.BoxBooting) launch[0] = System.nanoTime();
            if (e instanceof RunEvent.BoxReady r) restored[0] = r.restored();
        });
        SandboxRequest request = new SandboxRequest(
                scope,
                new SandboxOptions(
                        SandboxOptions.Backend.VM,
                        SpecEnum.parse("accel", accel.id(), SandboxOptions.Accel.values()),
                        memory,
                        1,
                        true,
                        Map.of(),
                        List.of(),
                        1000),
                b -> {});
        try (Sandbox sb = vm.start(request)) {
            ExecResult r = sb.exec(new ExecSpec(List.of("true"), Map.of(), null, TIMEOUT), OutputSink.DISCARD);
            long done = System.nanoTime();
            if (r.exitCode() != 0) throw new IllegalStateException("true exited " + r.exitCode());
            if (restored[0] != expectRestored)
                throw new IllegalStateException(
                        "box " + name + " restored=" + restored[0] + ", expected " + expectRestored);
            return (done - launch[0]) / 1e6;
        }
    }
}
