package io.voidbox.bench;

import com.sun.management.OperatingSystemMXBean;
import io.voidbox.SandboxOptions;
import io.voidbox.SpecEnum;
import io.voidbox.agent.claude.ClaudeCodeInstaller;
import io.voidbox.event.RunEvent;
import io.voidbox.protocol.TelemetryBatch;
import io.voidbox.sandbox.vm.VmSandboxProvider;
import io.voidbox.sandbox.vm.image.GuestImage;
import io.voidbox.sandbox.vm.internal.Accel;
import io.voidbox.sandbox.vm.internal.AccelProbe;
import io.voidbox.sandbox.vm.internal.AccelSelector;
import io.voidbox.sandbox.vm.internal.BareBoot;
import io.voidbox.sandbox.vm.internal.ConsoleListener;
import io.voidbox.sandbox.vm.internal.MachineSpec;
import io.voidbox.sandbox.vm.internal.QemuMachine;
import io.voidbox.spi.BoxScope;
import io.voidbox.spi.ExecResult;
import io.voidbox.spi.ExecSpec;
import io.voidbox.spi.OutputSink;
import io.voidbox.spi.Sandbox;
import io.voidbox.spi.SandboxRequest;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.ToDoubleFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The micro-VM benchmark of the issue, on the real guest image (real guest agent, Claude Code on
 * the root disk) through {@link VmSandboxProvider}, the same path a pipeline stage takes:
 * <ol>
 *   <li>box-ready time (QEMU launch to the first {@code true} round trip through
 *       {@link Sandbox#exec}) against a bare boot of the same kernel with the busybox-only
 *       initramfs that powers off at once, interleaved in the same run, same accelerator;</li>
 *   <li>where a box boot's time goes, from host arrival times of the console markers;</li>
 *   <li>exec round-trip latency and output throughput;</li>
 *   <li>the guest agent's resident memory inside the guest;</li>
 *   <li>host CPU (this JVM and QEMU) of an idle box at two telemetry intervals.</li>
 * </ol>
 * Usage: {@code VmBench [--runs 20] [--warmup 1] [--memory 1024] [--bare-memory MB] [--accel auto|kvm|tcg]
 * [--loops 50] [--output-reps 5] [--idle 20] [--settle 5] [--telemetry-reps 1] [--only boot,exec,telemetry] [--trace]}.
 * Prints tables on stdout, progress on stderr. Leaves no QEMU behind (checked at the end).
 */
public final class VmBench {
    private static final Pattern AGENT_START = Pattern.compile("^voidbox-init: agent-start ([0-9.]+)");
    private static final Pattern BARE_MARKER = Pattern.compile("voidbox-bare: up ([0-9.]+)");
    private static final Duration BOOT_TIMEOUT = Duration.ofSeconds(180);
    private static final Duration EXEC_TIMEOUT = Duration.ofSeconds(60);
    private static final String ONE_MIB =
            "yes 0123456789012345678901234567890123456789012345678901234567890123456789 | head -c 1048576";
    /** Inside the guest: the guest agent's (the only JVM's) status and stat lines, and the guest's memory. */
    private static final String GUEST_PROBE = """
            for d in /proc/[0-9]*; do
              if [ "$(cat $d/comm 2>/dev/null)" = java ]; then
                echo "pid=${d#/proc/}"; grep -E '^(VmRSS|VmHWM|Threads):' $d/status; echo "stat=$(cat $d/stat)"
                for t in $d/task/*; do echo "task=$(cat $t/stat)"; done; break
              fi
            done
            grep -E '^(MemTotal|MemAvailable):' /proc/meminfo
            """;
    /** Inside the guest, timed by the guest's own clock: process spawns from sh and producing 1 MiB, without the channel. */
    private static final String GUEST_COSTS = """
            up() { cut -d' ' -f1 /proc/uptime; }
            a=$(up); i=0; while [ $i -lt 20 ]; do /bin/true; i=$((i + 1)); done; b=$(up)
            i=0; while [ $i -lt 5 ]; do %s >/dev/null; i=$((i + 1)); done; c=$(up)
            echo "$a $b $c"
            """.formatted(ONE_MIB);

    private record Options(
            int runs,
            int warmup,
            int memoryMb,
            int bareMemoryMb,
            SandboxOptions.Accel accel,
            int loops,
            int outputReps,
            int idleSeconds,
            int settleSeconds,
            int telemetryReps,
            Set<String> only,
            boolean trace) {
        static Options parse(String[] args) {
            int runs = 20,
                    warmup = 1,
                    memory = 1024,
                    bareMemory = -1,
                    loops = 50,
                    outputReps = 5,
                    idle = 20,
                    settle = 5,
                    telemetryReps = 1;
            SandboxOptions.Accel accel = SandboxOptions.Accel.AUTO;
            Set<String> only = Set.of("boot", "exec", "telemetry");
            boolean trace = false;
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                switch (a) {
                    case "--runs" -> runs = positive(a, value(args, ++i, a));
                    case "--warmup" -> warmup = Integer.parseInt(value(args, ++i, a));
                    case "--memory" -> memory = positive(a, value(args, ++i, a));
                    case "--bare-memory" -> bareMemory = positive(a, value(args, ++i, a));
                    case "--accel" ->
                        accel = SpecEnum.parse("accel", value(args, ++i, a), SandboxOptions.Accel.values());
                    case "--loops" -> loops = positive(a, value(args, ++i, a));
                    case "--output-reps" -> outputReps = positive(a, value(args, ++i, a));
                    case "--idle" -> idle = positive(a, value(args, ++i, a));
                    case "--settle" -> settle = Integer.parseInt(value(args, ++i, a));
                    case "--telemetry-reps" -> telemetryReps = positive(a, value(args, ++i, a));
                    case "--only" -> only = Set.of(value(args, ++i, a).split(","));
                    case "--trace" -> trace = true;
                    default ->
                        throw new IllegalArgumentException(
                                "unknown option " + a
                                        + "; usage: VmBench [--runs 20] [--warmup 1] [--memory 1024] [--bare-memory MB] [--accel auto|kvm|tcg]"
                                        + " [--loops 50] [--output-reps 5] [--idle 20] [--settle 5] [--telemetry-reps 1] [--only boot,exec,telemetry] [--trace]");
                }
            }
            return new Options(
                    runs,
                    warmup,
                    memory,
                    bareMemory < 0 ? memory : bareMemory,
                    accel,
                    loops,
                    outputReps,
                    idle,
                    settle,
                    telemetryReps,
                    only,
                    trace);
        }

        private static String value(String[] args, int i, String option) {
            if (i >= args.length) throw new IllegalArgumentException(option + " needs a value");
            return args[i];
        }

        private static int positive(String option, String v) {
            int n = Integer.parseInt(v);
            if (n < 1) throw new IllegalArgumentException(option + " must be >= 1, got " + v);
            return n;
        }
    }

    private final Options options;
    private final VmSandboxProvider provider;
    private final GuestImage image;
    private final Path qemu;
    private final Accel accel;

    private VmBench(Options options, VmSandboxProvider provider, GuestImage image, Path qemu, Accel accel) {
        this.options = options;
        this.provider = provider;
        this.image = image;
        this.qemu = qemu;
        this.accel = accel;
    }

    public static void main(String[] args) throws Exception {
        Options o = Options.parse(args);
        Path claude = ClaudeCodeInstaller.defaults().ensureInstalled();
        // cold boots only (SnapshotBench measures restores)
        VmSandboxProvider provider =
                VmSandboxProvider.withSnapshotDir(() -> claude, m -> System.err.println("image: " + m), null);
        GuestImage image = provider.image();
        AccelProbe probe = AccelProbe.system();
        Path qemu = probe.qemu()
                .orElseThrow(() ->
                        new IllegalStateException("qemu-system-x86_64 not found: run scripts/install-vm-deps.sh"));
        Accel accel = new AccelSelector(probe).select(o.accel(), image, w -> System.err.println("warning: " + w));
        System.out.printf(
                Locale.ROOT,
                "VmBench: image %s (kernel %s, claude=%s), accel=%s, box %d MB / bare %d MB, 1 vCPU, host %d cpus, load %s%n",
                image.id(),
                image.kernelVersion(),
                image.hasClaude(),
                accel.id(),
                o.memoryMb(),
                o.bareMemoryMb(),
                Runtime.getRuntime().availableProcessors(),
                loadAverage());
        VmBench bench = new VmBench(o, provider, image, qemu, accel);
        try {
            if (o.only().contains("boot")) bench.bootTable();
            if (o.only().contains("exec")) bench.execTable();
            if (o.only().contains("telemetry")) bench.telemetryTable();
        } finally {
            System.out.println("load average at the end: " + loadAverage());
            long left = ProcessHandle.current()
                    .descendants()
                    .filter(VmBench::isQemu)
                    .count();
            if (left > 0) System.out.println("WARNING: " + left + " QEMU process(es) still running");
        }
    }

    // ---- 1 + 2: box-ready vs bare boot, and where the time goes ----

    /** Host arrival times (System.nanoTime) of a box's lifecycle events and console markers. */
    private static final class BootTrace implements Consumer<RunEvent> {
        private final boolean print;
        volatile long launch, initRunning, modules, rootDisk, agentStart, guestReady;
        volatile double agentStartUptimeS = Double.NaN;

        BootTrace(boolean print) {
            this.print = print;
        }

        @Override
        public void accept(RunEvent event) {
            switch (event) {
                case RunEvent.BoxBooting b -> launch = System.nanoTime();
                case RunEvent.Log l -> line(l.stream(), l.line());
                default -> {}
            }
        }

        private void line(String stream, String line) {
            long now = System.nanoTime();
            if (print) System.err.printf(Locale.ROOT, "  %+8.1f ms [%s] %s%n", (now - launch) / 1e6, stream, line);
            if (initRunning == 0 && line.startsWith("voidbox-init: kernel ")) initRunning = now;
            else if (modules == 0 && line.startsWith("voidbox-init: modules loaded")) modules = now;
            else if (rootDisk == 0 && line.startsWith("voidbox-init: root disk mounted")) rootDisk = now;
            else if (agentStart == 0 && AGENT_START.matcher(line).find()) {
                Matcher m = AGENT_START.matcher(line);
                if (m.find()) agentStartUptimeS = Double.parseDouble(m.group(1));
                agentStart = now;
            } else if (guestReady == 0 && line.startsWith("voidbox-guest: ready")) guestReady = now;
        }
    }

    /** One booted box and its timeline (ns, host clock); the caller closes {@code sandbox}. */
    private record Booted(Sandbox sandbox, BootTrace trace, long handshake, long firstExec) {
        double ms(long from, long to) {
            return from == 0 || to == 0 ? Double.NaN : (to - from) / 1e6;
        }

        double readyMs() {
            return ms(trace.launch, firstExec);
        }
    }

    private Booted bootBox(String name, long telemetryMs, Consumer<TelemetryBatch> telemetry, boolean print)
            throws Exception {
        BootTrace trace = new BootTrace(print);
        BoxScope scope = new BoxScope("bench", "vm-bench", name, trace);
        SandboxRequest request = new SandboxRequest(
                scope,
                new SandboxOptions(
                        SandboxOptions.Backend.VM,
                        SpecEnum.parse("accel", accel.id(), SandboxOptions.Accel.values()),
                        options.memoryMb(),
                        1,
                        true,
                        Map.of(),
                        List.of(),
                        telemetryMs),
                telemetry);
        Sandbox sb = provider.start(request);
        try {
            long handshake = System.nanoTime();
            ExecResult r = sb.exec(new ExecSpec(List.of("true"), Map.of(), null, EXEC_TIMEOUT), OutputSink.DISCARD);
            long firstExec = System.nanoTime();
            if (r.exitCode() != 0)
                throw new IllegalStateException("first exec of 'true' in box " + name + " exited " + r.exitCode());
            return new Booted(sb, trace, handshake, firstExec);
        } catch (Exception | Error e) {
            sb.close();
            throw e;
        }
    }

    private record Bare(double markerMs, double wallMs, double uptimeS) {}

    /** The bare floor: same kernel, same QEMU flags and accelerator, busybox /init prints a marker and powers off. */
    private Bare bareBoot() throws Exception {
        double[] uptime = {Double.NaN};
        MachineSpec spec = BareBoot.spec(image, accel, BOOT_TIMEOUT).withMemoryMb(options.bareMemoryMb());
        ConsoleListener capture = (stream, line) -> {
            Matcher m = BARE_MARKER.matcher(line);
            if (m.find()) uptime[0] = Double.parseDouble(m.group(1));
        };
        try (QemuMachine m = QemuMachine.start(qemu, spec, capture)) {
            Duration toMarker = m.awaitReady();
            OptionalInt rc = m.awaitExit(BOOT_TIMEOUT);
            if (rc.isEmpty()) throw new IllegalStateException("bare boot printed its marker but did not power off");
            return new Bare(toMarker.toNanos() / 1e6, m.wallTime().orElseThrow().toNanos() / 1e6, uptime[0]);
        }
    }

    private void bootTable() throws Exception {
        Map<String, List<Double>> s = new LinkedHashMap<>();
        List<Double> pairRatios = new ArrayList<>();
        int total = options.warmup() + options.runs();
        for (int i = 0; i < total; i++) {
            boolean warm = i < options.warmup();
            boolean bareFirst = i % 2 == 0; // alternate the order so drift in the host load hits both arms alike
            Bare bare = bareFirst ? bareBoot() : null;
            Booted box = bootBox("bench" + i, 1000, b -> {}, options.trace() && i == total - 1);
            box.sandbox().close(); // ready at its first exec; closed before the next boot so boots never overlap
            if (!bareFirst) bare = bareBoot();
            BootTrace t = box.trace();
            System.err.printf(
                    Locale.ROOT,
                    "%s %d/%d: bare %.0f ms (marker %.0f), box ready %.0f ms (agent-start uptime %.2f s)%n",
                    warm ? "warmup" : "run",
                    warm ? i + 1 : i - options.warmup() + 1,
                    warm ? options.warmup() : options.runs(),
                    bare.wallMs(),
                    bare.markerMs(),
                    box.readyMs(),
                    t.agentStartUptimeS);
            if (warm) continue;
            add(s, "bare: launch -> /init marker", bare.markerMs());
            add(s, "bare: launch -> QEMU exit (poweroff)", bare.wallMs());
            add(s, "bare: guest uptime at /init (ms)", bare.uptimeS() * 1000);
            add(s, "box: launch -> first exec done (READY)", box.readyMs());
            add(s, "  launch -> /init running", box.ms(t.launch, t.initRunning));
            add(
                    s,
                    "  launch -> guest clock 0 (QEMU+decompress)",
                    box.ms(t.launch, t.agentStart) - t.agentStartUptimeS * 1000);
            add(
                    s,
                    "  guest kernel -> /init (uptime - init steps)",
                    t.agentStartUptimeS * 1000 - box.ms(t.initRunning, t.agentStart));
            add(s, "  guest uptime at agent-start (ms)", t.agentStartUptimeS * 1000);
            add(s, "  /init: modules", box.ms(t.initRunning, t.modules));
            add(s, "  /init: root disk", box.ms(t.modules, t.rootDisk));
            add(s, "  /init: ports, net, workspace", box.ms(t.rootDisk, t.agentStart));
            add(s, "  agent JVM start -> 'voidbox-guest: ready'", box.ms(t.agentStart, t.guestReady));
            add(s, "  ready -> handshake done", box.ms(t.guestReady, box.handshake()));
            add(s, "  handshake -> first exec done", box.ms(box.handshake(), box.firstExec()));
            pairRatios.add(box.readyMs() / bare.wallMs());
        }
        System.out.println();
        System.out.printf(
                Locale.ROOT,
                "## Box ready vs bare boot (accel=%s, %d interleaved pairs, order alternating, %d warm-up pair(s) dropped)%n",
                accel.id(),
                options.runs(),
                options.warmup());
        header("measure (ms)");
        s.forEach(VmBench::row);
        double box = Stats.of(s.get("box: launch -> first exec done (READY)")).median();
        double bareWall =
                Stats.of(s.get("bare: launch -> QEMU exit (poweroff)")).median();
        double bareMarker = Stats.of(s.get("bare: launch -> /init marker")).median();
        Stats pr = Stats.of(pairRatios);
        System.out.printf(
                Locale.ROOT,
                "ratio of medians box-ready / bare (poweroff): %.2f  (/ bare marker: %.2f); target <= 1.5 -> %s%n",
                box / bareWall,
                box / bareMarker,
                box / bareWall <= 1.5 ? "met" : "NOT met");
        System.out.printf(
                Locale.ROOT,
                "per-pair ratio box/bare: median %.2f, min %.2f, max %.2f, p90 %.2f; box minus bare (medians): %.0f ms%n",
                pr.median(),
                pr.min(),
                pr.max(),
                pr.p90(),
                box - bareWall);
    }

    // ---- 3 + 4: exec latency, output throughput, guest agent RSS ----

    private void execTable() throws Exception {
        Booted box = bootBox("exec", 1000, b -> {}, false);
        try (Sandbox sb = box.sandbox()) {
            Map<String, String> afterBoot = guestProbe(sb);
            List<Double> trueMs = new ArrayList<>();
            for (int i = 0; i < options.loops(); i++) {
                long t0 = System.nanoTime();
                ExecResult r = sb.exec(new ExecSpec(List.of("true"), Map.of(), null, EXEC_TIMEOUT), OutputSink.DISCARD);
                trueMs.add((System.nanoTime() - t0) / 1e6);
                if (r.exitCode() != 0) throw new IllegalStateException("'true' exited " + r.exitCode());
            }
            List<Double> mibMs = new ArrayList<>();
            List<Double> mibPerS = new ArrayList<>();
            for (int i = 0; i < options.outputReps(); i++) {
                Sink.Counting c = new Sink.Counting();
                long t0 = System.nanoTime();
                ExecResult r =
                        sb.exec(new ExecSpec(List.of("/bin/sh", "-c", ONE_MIB), Map.of(), null, EXEC_TIMEOUT), c);
                double ms = (System.nanoTime() - t0) / 1e6;
                if (r.exitCode() != 0) throw new IllegalStateException("1 MiB output command exited " + r.exitCode());
                long bytes = c.bytes.get();
                if (Math.abs(bytes - (1 << 20)) > 1)
                    throw new IllegalStateException("expected 1 MiB of output, got " + bytes + " bytes");
                mibMs.add(ms);
                mibPerS.add(bytes / (1024.0 * 1024.0) / (ms / 1000));
            }
            Map<String, String> afterLoop = guestProbe(sb);
            List<String> costs = new ArrayList<>();
            ExecResult cr = sb.exec(
                    new ExecSpec(List.of("/bin/sh", "-c", GUEST_COSTS), Map.of(), null, EXEC_TIMEOUT),
                    new OutputSink() {
                        @Override
                        public void stdout(String line) {
                            costs.add(line);
                        }

                        @Override
                        public void stderr(String line) {
                            System.err.println("guest costs: " + line);
                        }
                    });
            String[] up =
                    cr.exitCode() == 0 && costs.size() == 1 ? costs.getFirst().split(" ") : new String[0];
            System.out.println();
            System.out.printf(Locale.ROOT, "## Exec round trips on one booted box (accel=%s)%n", accel.id());
            header("measure");
            row("exec 'true' round trip (ms)", trueMs);
            row("exec 1 MiB stdout, 72-byte lines (ms)", mibMs);
            row("  throughput (MiB/s)", mibPerS);
            if (up.length == 3) {
                double a = Double.parseDouble(up[0]), b = Double.parseDouble(up[1]), c = Double.parseDouble(up[2]);
                System.out.printf(
                        Locale.ROOT,
                        "in-guest, guest clock: sh spawning /bin/true %.1f ms each (20x); producing 1 MiB to /dev/null %.1f ms each (5x)%n",
                        (b - a) * 1000 / 20,
                        (c - b) * 1000 / 5);
            } else {
                System.out.println("in-guest costs: unexpected output " + costs);
            }
            System.out.println();
            System.out.printf(
                    Locale.ROOT, "## Guest agent memory inside the guest (%d MB guest)%n", options.memoryMb());
            System.out.printf(Locale.ROOT, "%-28s %14s %14s%n", "", "after boot", "after execs");
            for (String k : List.of("VmRSS", "VmHWM", "Threads", "MemTotal", "MemAvailable")) {
                System.out.printf(
                        Locale.ROOT,
                        "%-28s %14s %14s%n",
                        k.equals("Threads")
                                ? "agent JVM threads"
                                : (k.startsWith("Vm") ? "agent JVM " + k : "guest " + k),
                        afterBoot.getOrDefault(k, "?"),
                        afterLoop.getOrDefault(k, "?"));
            }
            System.out.printf(
                    Locale.ROOT,
                    "guest agent CPU from JVM start to just after the first exec: %.0f ms; by thread: %s%n",
                    Long.parseLong(afterBoot.get("cpuTicks")) * 10.0,
                    topThreads(afterBoot));
        }
    }

    /** The busiest guest agent threads of a probe (cumulative CPU), names merged (C1 compiler threads, carriers). */
    private static String topThreads(Map<String, String> probe) {
        Map<String, Double> byName = new HashMap<>();
        probe.forEach((k, v) -> {
            if (k.startsWith("task "))
                byName.merge(k.substring(k.indexOf(' ', 5) + 1).strip(), Long.parseLong(v) * 10.0, Double::sum);
        });
        return byName.entrySet().stream()
                .sorted(Map.Entry.<String, Double>comparingByValue().reversed())
                .limit(8)
                .map(e -> String.format(Locale.ROOT, "%s %.0f", e.getKey(), e.getValue()))
                .collect(Collectors.joining(", "));
    }

    /** Runs {@link #GUEST_PROBE} inside the guest; keys VmRSS, VmHWM, Threads, MemTotal, MemAvailable, pid, cpuTicks. */
    private static Map<String, String> guestProbe(Sandbox sb) throws Exception {
        List<String> lines = new ArrayList<>();
        ExecResult r = sb.exec(
                new ExecSpec(List.of("/bin/sh", "-c", GUEST_PROBE), Map.of(), null, EXEC_TIMEOUT), new OutputSink() {
                    @Override
                    public void stdout(String line) {
                        synchronized (lines) {
                            lines.add(line);
                        }
                    }

                    @Override
                    public void stderr(String line) {
                        System.err.println("guest probe: " + line);
                    }
                });
        if (r.exitCode() != 0) throw new IllegalStateException("guest probe exited " + r.exitCode() + ": " + lines);
        Map<String, String> out = new HashMap<>();
        for (String l : lines) {
            if (l.startsWith("pid=")) out.put("pid", l.substring(4));
            else if (l.startsWith("task=")) {
                String comm = l.substring(l.indexOf('(') + 1, l.lastIndexOf(')'));
                String[] f = l.substring(l.lastIndexOf(')') + 2).split(" ");
                String tid = l.substring(5, l.indexOf(' '));
                out.put("task " + tid + " " + comm, Long.toString(Long.parseLong(f[11]) + Long.parseLong(f[12])));
            } else if (l.startsWith("stat=")) {
                String rest = l.substring(l.lastIndexOf(')') + 2);
                String[] f = rest.split(" ");
                out.put("cpuTicks", Long.toString(Long.parseLong(f[11]) + Long.parseLong(f[12]))); // utime + stime
            } else {
                int colon = l.indexOf(':');
                if (colon > 0)
                    out.put(
                            l.substring(0, colon),
                            l.substring(colon + 1).strip().replaceAll("\\s+", " "));
            }
        }
        if (!out.containsKey("pid")) throw new IllegalStateException("no java process found in the guest: " + lines);
        return out;
    }

    // ---- 5: host CPU of telemetry ----

    private record Window(
            long telemetryMs,
            double wallS,
            double jvmCpuMs,
            double readerCpuMs,
            double qemuCpuMs,
            double guestAgentCpuMs,
            int batches,
            int samples,
            Map<String, Double> guestThreadsMs) {}

    private void telemetryTable() throws Exception {
        OsCpu os = new OsCpu();
        List<Window> windows = new ArrayList<>();
        // no box at all: what this JVM burns by itself in the same window
        double base0 = os.processCpuMs();
        long w0 = System.nanoTime();
        Thread.sleep(Math.min(10, options.idleSeconds()) * 1000L);
        double baseWall = (System.nanoTime() - w0) / 1e9;
        double baseCpu = os.processCpuMs() - base0;
        long[] order = new long[options.telemetryReps() * 2];
        for (int i = 0; i < order.length; i++) order[i] = (i % 4 == 0 || i % 4 == 3) ? 1000 : 100; // ABBA
        for (long interval : order) windows.add(idleWindow(interval, os));
        System.out.println();
        System.out.printf(
                Locale.ROOT,
                "## Host CPU of an idle box by telemetry interval (accel=%s, %d s idle windows after %d s settling, order %s)%n",
                accel.id(),
                options.idleSeconds(),
                options.settleSeconds(),
                Arrays.toString(order));
        System.out.printf(
                Locale.ROOT, "host JVM with no box: %.1f ms CPU/s over %.1f s%n", baseCpu / baseWall, baseWall);
        System.out.printf(
                Locale.ROOT,
                "%-10s %7s %9s %9s %14s %12s %14s %16s%n",
                "interval",
                "wall s",
                "batches/s",
                "samples/s",
                "host JVM ms/s",
                "reader ms/s",
                "QEMU ms/s (%)",
                "guest agent ms/s");
        for (Window w : windows) {
            System.out.printf(
                    Locale.ROOT,
                    "%-10s %7.1f %9.2f %9.2f %14.2f %12.2f %8.1f (%4.1f%%) %16.1f%n",
                    w.telemetryMs() + " ms",
                    w.wallS(),
                    w.batches() / w.wallS(),
                    w.samples() / w.wallS(),
                    w.jvmCpuMs() / w.wallS(),
                    w.readerCpuMs() / w.wallS(),
                    w.qemuCpuMs() / w.wallS(),
                    w.qemuCpuMs() / w.wallS() / 10,
                    w.guestAgentCpuMs() / w.wallS());
        }
        for (Window w : windows) {
            System.out.printf(
                    Locale.ROOT,
                    "  guest agent threads, %d ms arm (ms CPU/s): %s%n",
                    w.telemetryMs(),
                    w.guestThreadsMs().entrySet().stream()
                            .sorted(Map.Entry.<String, Double>comparingByValue().reversed())
                            .limit(6)
                            .map(e -> String.format(Locale.ROOT, "%s %.1f", e.getKey(), e.getValue() / w.wallS()))
                            .collect(Collectors.joining(", ")));
        }
        // marginal cost of one more telemetry sample: difference of the medians of the two arms over the extra
        // samples/s
        Map<Boolean, List<Window>> arms =
                windows.stream().collect(Collectors.partitioningBy(w -> w.telemetryMs() == 100));
        double extra =
                med(arms.get(true), w -> w.samples() / w.wallS()) - med(arms.get(false), w -> w.samples() / w.wallS());
        if (extra > 0) {
            System.out.printf(
                    Locale.ROOT,
                    "per extra sample (100 ms arm minus 1000 ms arm, medians): host JVM %.2f ms, reader thread %.2f ms, QEMU %.1f ms, guest agent %.1f ms CPU%n",
                    diff(arms, Window::jvmCpuMs) / extra,
                    diff(arms, Window::readerCpuMs) / extra,
                    diff(arms, Window::qemuCpuMs) / extra,
                    diff(arms, Window::guestAgentCpuMs) / extra);
        }
    }

    private static double med(List<Window> ws, ToDoubleFunction<Window> f) {
        return Stats.of(ws.stream().map(w -> f.applyAsDouble(w)).toList()).median();
    }

    /** Median per-second difference of a CPU column between the 100 ms and the 1000 ms arm. */
    private static double diff(Map<Boolean, List<Window>> arms, ToDoubleFunction<Window> cpuMs) {
        return med(arms.get(true), w -> cpuMs.applyAsDouble(w) / w.wallS())
                - med(arms.get(false), w -> cpuMs.applyAsDouble(w) / w.wallS());
    }

    private Window idleWindow(long interval, OsCpu os) throws Exception {
        AtomicLong batches = new AtomicLong();
        AtomicLong samples = new AtomicLong();
        Booted box = bootBox(
                "tele" + interval,
                interval,
                b -> {
                    batches.incrementAndGet();
                    samples.addAndGet(b.samples().size());
                },
                false);
        try (Sandbox sb = box.sandbox()) {
            ProcessHandle q = ProcessHandle.current()
                    .descendants()
                    .filter(VmBench::isQemu)
                    .findFirst()
                    .orElseThrow(() -> new IllegalStateException("no QEMU child process found"));
            Thread.sleep(options.settleSeconds() * 1000L); // let the boot's aftermath (guest JIT, host JIT) settle
            Map<String, String> g0 = guestProbe(sb);
            long b0 = batches.get(), s0 = samples.get();
            double jvm0 = os.processCpuMs(), reader0 = os.threadCpuMs("voidbox-reader"), q0 = qemuCpuMs(q);
            long t0 = System.nanoTime();
            Thread.sleep(options.idleSeconds() * 1000L);
            double jvm1 = os.processCpuMs(), reader1 = os.threadCpuMs("voidbox-reader"), q1 = qemuCpuMs(q);
            long t1 = System.nanoTime();
            long b1 = batches.get(), s1 = samples.get();
            Map<String, String> g1 = guestProbe(sb);
            double guestMs = g0.get("pid").equals(g1.get("pid"))
                    ? (Long.parseLong(g1.get("cpuTicks")) - Long.parseLong(g0.get("cpuTicks"))) * 10.0
                    : Double.NaN; // guest USER_HZ 100
            Map<String, Double> threadsMs = new TreeMap<>();
            for (var e : g1.entrySet()) {
                if (!e.getKey().startsWith("task ")) continue;
                double before = Double.parseDouble(g0.getOrDefault(e.getKey(), "0"));
                double ms = (Double.parseDouble(e.getValue()) - before) * 10.0;
                String name = e.getKey().substring(e.getKey().indexOf(' ', 5) + 1);
                if (ms > 0) threadsMs.merge(name, ms, Double::sum);
            }
            Window w = new Window(
                    interval,
                    (t1 - t0) / 1e9,
                    jvm1 - jvm0,
                    reader1 - reader0,
                    q1 - q0,
                    guestMs,
                    (int) (b1 - b0),
                    (int) (s1 - s0),
                    threadsMs);
            System.err.printf(Locale.ROOT, "telemetry %d ms: %s%n", interval, w);
            return w;
        }
    }

    private static boolean isQemu(ProcessHandle p) {
        return p.info().command().map(c -> c.contains("qemu-system")).orElse(false);
    }

    /** utime + stime of the QEMU process (all its threads), from /proc/PID/stat, in ms (USER_HZ 100). */
    private static double qemuCpuMs(ProcessHandle q) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(q.pid()), "stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10.0;
    }

    /** CPU time of this JVM and of its platform threads by name prefix. */
    private static final class OsCpu {
        private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        private final OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

        double processCpuMs() {
            return os.getProcessCpuTime() / 1e6;
        }

        double threadCpuMs(String namePrefix) {
            long sum = 0;
            for (Thread t : Thread.getAllStackTraces().keySet()) {
                if (!t.getName().startsWith(namePrefix)) continue;
                long ns = threads.getThreadCpuTime(t.threadId());
                if (ns > 0) sum += ns;
            }
            return sum / 1e6;
        }
    }

    // ---- output helpers ----

    private interface Sink {
        /** Counts bytes as they were on the wire: each line plus its newline. */
        final class Counting implements OutputSink {
            final AtomicLong bytes = new AtomicLong();

            @Override
            public void stdout(String line) {
                bytes.addAndGet(line.length() + 1);
            }

            @Override
            public void stderr(String line) {
                System.err.println("1 MiB command stderr: " + line);
            }
        }
    }

    private record Stats(int n, double median, double min, double max, double p90) {
        static Stats of(List<Double> values) {
            List<Double> v = values.stream().filter(d -> !d.isNaN()).sorted().toList();
            if (v.isEmpty()) return new Stats(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
            int n = v.size();
            double median = n % 2 == 1 ? v.get(n / 2) : (v.get(n / 2 - 1) + v.get(n / 2)) / 2;
            return new Stats(
                    n, median, v.getFirst(), v.getLast(), v.get(Math.min(n - 1, (int) Math.ceil(n * 0.9) - 1)));
        }
    }

    private static void add(Map<String, List<Double>> m, String key, double v) {
        m.computeIfAbsent(key, k -> new ArrayList<>()).add(v);
    }

    private static void header(String first) {
        System.out.printf(Locale.ROOT, "%-46s %5s %9s %9s %9s %9s%n", first, "n", "median", "min", "max", "p90");
    }

    private static void row(String name, List<Double> values) {
        Stats s = Stats.of(values);
        System.out.printf(
                Locale.ROOT, "%-46s %5d %9.1f %9.1f %9.1f %9.1f%n", name, s.n(), s.median(), s.min(), s.max(), s.p90());
    }

    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "unknown";
        }
    }
}
