package io.voidbox.bench;

import io.voidbox.SandboxOptions;
import io.voidbox.SpecEnum;
import io.voidbox.sandbox.vm.image.GuestImage;
import io.voidbox.sandbox.vm.image.GuestImageCache;
import io.voidbox.sandbox.vm.internal.Accel;
import io.voidbox.sandbox.vm.internal.AccelProbe;
import io.voidbox.sandbox.vm.internal.AccelSelector;
import io.voidbox.sandbox.vm.internal.BareBoot;
import io.voidbox.sandbox.vm.internal.ConsoleListener;
import io.voidbox.sandbox.vm.internal.MachineSpec;
import io.voidbox.sandbox.vm.internal.MachineSpec.Boot;
import io.voidbox.sandbox.vm.internal.QemuMachine;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Box-ready time versus the bare-boot floor, with the same kernel, QEMU flags and accelerator.
 * Usage: {@code BootBench [--runs 20] [--image DIR] [--accel auto|kvm|tcg] [--ready REGEX] [--memory MB]}.
 * Without {@code --image} the newest cached image is used (build one with ./voidbox image build).
 * Prints one table: median, min, max and p90 of each measure, in milliseconds.
 */
public final class BootBench {
    private BootBench() {}

    public static void main(String[] args) throws Exception {
        int runs = 20;
        Path imageDir = null;
        SandboxOptions.Accel requested = SandboxOptions.Accel.AUTO;
        Pattern ready = MachineSpec.DEFAULT_READY;
        int memory = 1024;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                case "--image" -> imageDir = Path.of(args[++i]);
                case "--accel" -> requested = SpecEnum.parse("accel", args[++i], SandboxOptions.Accel.values());
                case "--ready" -> ready = Pattern.compile(args[++i]);
                case "--memory" -> memory = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        GuestImage image = imageDir != null
                ? GuestImage.load(imageDir)
                : GuestImageCache.defaults().list().stream()
                        .findFirst()
                        .orElseThrow(() ->
                                new IllegalStateException("no cached guest image: run ./voidbox image build first"));
        AccelProbe probe = AccelProbe.system();
        Path qemu = probe.qemu()
                .orElseThrow(() ->
                        new IllegalStateException("qemu-system-x86_64 not found: run scripts/install-vm-deps.sh"));
        Accel accel = new AccelSelector(probe).select(requested, image, w -> System.err.println("warning: " + w));
        System.err.printf(
                "image %s (kernel %s, claude=%s), accel %s, %d runs each%n",
                image.id(), image.kernelVersion(), image.hasClaude(), accel.id(), runs);

        List<Long> bareWall = new ArrayList<>();
        List<Long> bareMarker = new ArrayList<>();
        List<Long> boxReady = new ArrayList<>();
        List<Long> boxKernel = new ArrayList<>();
        String secret = newSecret();
        for (int r = 0; r < runs; r++) {
            BareBoot.Timing t = BareBoot.run(qemu, image, accel, Duration.ofSeconds(120), ConsoleListener.NONE);
            bareWall.add(t.wall().toMillis());
            bareMarker.add(t.toMarker().toMillis());
            long[] kernelAt = {0};
            long t0 = System.nanoTime();
            MachineSpec spec = MachineSpec.of("bench", Boot.of(image).withSecret(secret), accel)
                    .withMemoryMb(memory)
                    .withReady(ready, Duration.ofSeconds(180));
            try (QemuMachine m = QemuMachine.start(qemu, spec, (s, l) -> {
                if (kernelAt[0] == 0 && l.startsWith("voidbox-init: kernel"))
                    kernelAt[0] = (System.nanoTime() - t0) / 1_000_000;
            })) {
                boxReady.add(m.awaitReady().toMillis());
                boxKernel.add(kernelAt[0]);
            }
            System.err.printf(
                    "run %d/%d: bare %d ms, box ready %d ms%n", r + 1, runs, bareWall.getLast(), boxReady.getLast());
        }
        System.out.printf(
                Locale.ROOT,
                "%-34s %6s %8s %8s %8s %8s%n",
                "measure (ms, accel=" + accel.id() + ")",
                "runs",
                "median",
                "min",
                "max",
                "p90");
        row("bare boot: start -> QEMU exit", bareWall);
        row("bare boot: start -> /init marker", bareMarker);
        row("box: start -> /init running", boxKernel);
        row("box: start -> agent ready", boxReady);
        System.out.printf(
                Locale.ROOT, "box ready minus bare floor (medians): %d ms%n", median(boxReady) - median(bareWall));
    }

    private static String newSecret() {
        byte[] b = new byte[32];
        new SecureRandom().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    private static void row(String name, List<Long> v) {
        List<Long> s = v.stream().sorted().toList();
        System.out.printf(
                Locale.ROOT,
                "%-34s %6d %8d %8d %8d %8d%n",
                name,
                s.size(),
                median(s),
                s.getFirst(),
                s.getLast(),
                s.get(Math.min(s.size() - 1, (int) Math.ceil(s.size() * 0.9) - 1)));
    }

    private static long median(List<Long> v) {
        List<Long> s = v.stream().sorted().toList();
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }
}
