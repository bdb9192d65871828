package io.voidbox.sandbox.vm.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.voidbox.SandboxOptions;
import io.voidbox.event.RunEvent;
import io.voidbox.protocol.Connection;
import io.voidbox.protocol.HandshakeException;
import io.voidbox.protocol.TelemetryBatch;
import io.voidbox.protocol.UnixSocketTransport;
import io.voidbox.sandbox.vm.VmSandboxProvider;
import io.voidbox.sandbox.vm.VmTestSupport.VmTest;
import io.voidbox.sandbox.vm.image.GuestImage;
import io.voidbox.sandbox.vm.internal.MachineSpec.Boot;
import io.voidbox.spi.BoxScope;
import io.voidbox.spi.ExecResult;
import io.voidbox.spi.ExecSpec;
import io.voidbox.spi.OutputSink;
import io.voidbox.spi.Sandbox;
import io.voidbox.spi.SandboxRequest;
import io.voidbox.spi.support.SandboxUser;
import io.voidbox.spi.support.ScriptRun;
import io.voidbox.spi.support.ScriptRun.Out;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The real micro-VM backend: real guest image, real guest agent, real channel, under TCG. */
@VmTest
class VmSandboxVmTest {
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final List<TelemetryBatch> telemetry = new CopyOnWriteArrayList<>();

    private SandboxRequest request(String name) {
        BoxScope scope = new BoxScope("test", "vm-test", name, e -> {
            if (e instanceof RunEvent.Log log) lines.add(log.line());
        });
        return new SandboxRequest(
                scope,
                new SandboxOptions(
                        SandboxOptions.Backend.VM, SandboxOptions.Accel.TCG, 512, 1, true, Map.of(), List.of(), 200),
                telemetry::add);
    }

    private static Out run(Sandbox sb, Duration timeout, String script) throws Exception {
        return ScriptRun.sh(sb, timeout, script);
    }

    private static long qemuProcessesMentioning(String needle) {
        return ProcessHandle.allProcesses()
                .filter(p -> p.info()
                        .commandLine()
                        .map(c -> c.contains("qemu-system") && c.contains(needle))
                        .orElse(false))
                .count();
    }

    @Test
    void commandsRunInsideTheGuestAsTheUnprivilegedUserAndTelemetryArrives(VmSandboxProvider vm) throws Exception {
        try (Sandbox sb = vm.start(request("inside"))) {
            Out o = run(sb, Duration.ofSeconds(60), "uname -r; cat /proc/1/comm; id -u; pwd");
            assertThat(o.result().exitCode()).as("stderr: %s", o.stderr()).isZero();
            List<String> l = o.stdout().lines().toList();
            assertThat(l.get(0)).isEqualTo(vm.image().kernelVersion()).isNotEqualTo(System.getProperty("os.version"));
            assertThat(l.get(2)).isEqualTo("1000");
            assertThat(l.get(3)).isEqualTo("/workspace");
            assertThat(sb.environment().guestKernel()).contains(vm.image().kernelVersion());
            assertThat(sb.environment().backend()).isEqualTo("vm");
            Thread.sleep(1500);
            assertThat(telemetry).isNotEmpty();
            TelemetryBatch.Sample s = telemetry.getLast().samples().getLast();
            assertThat(s.memTotalBytes()).isBetween(256L << 20, 512L << 20);
            assertThat(s.memUsedBytes()).isPositive();
        }
    }

    @Test
    void stdinReachesTheCommandWithItsExitCodeAndLeavesNoFileBehind(VmSandboxProvider vm) throws Exception {
        try (Sandbox sb = vm.start(request("stdin"))) {
            List<String> out = new CopyOnWriteArrayList<>();
            OutputSink sink = new OutputSink() {
                @Override
                public void stdout(String line) {
                    out.add(line);
                }

                @Override
                public void stderr(String line) {
                    out.add("ERR " + line);
                }
            };
            byte[] input = "hello from workflow\n".getBytes(StandardCharsets.UTF_8);
            ExecResult upper = sb.exec(
                    new ExecSpec(List.of("tr", "a-z", "A-Z"), Map.of(), null, Duration.ofSeconds(60), input), sink);
            assertThat(upper.exitCode()).as("%s", out).isZero();
            assertThat(out).containsExactly("HELLO FROM WORKFLOW");
            ExecResult exit3 = sb.exec(
                    new ExecSpec(
                            List.of("/bin/sh", "-c", "wc -c; exit 3"), Map.of(), null, Duration.ofSeconds(60), input),
                    sink);
            assertThat(exit3.exitCode()).isEqualTo(3);
            assertThat(out.getLast().strip()).isEqualTo(String.valueOf(input.length));
            assertThat(run(sb, Duration.ofSeconds(30), "ls -A /workspace").stdout())
                    .doesNotContain(".voidbox-stdin");
        }
    }

    @Test
    void filesTravelThroughTheChannelAndEscapesAreRejected(VmSandboxProvider vm) throws Exception {
        try (Sandbox sb = vm.start(request("files"))) {
            sb.writeFile("dir/input.json", "{\"a\":1}".getBytes(StandardCharsets.UTF_8));
            assertThat(run(sb, Duration.ofSeconds(30), "cat /workspace/dir/input.json")
                            .stdout())
                    .isEqualTo("{\"a\":1}\n");
            run(sb, Duration.ofSeconds(30), "echo made-in-guest > out.txt; ln -s /etc /workspace/evil");
            assertThat(sb.readFile("out.txt"))
                    .get()
                    .extracting(b -> new String(b, StandardCharsets.UTF_8))
                    .isEqualTo("made-in-guest\n");
            assertThat(sb.readFile("missing.txt")).isEmpty();
            assertThatThrownBy(() -> sb.writeFile("../etc/passwd", new byte[1])).hasMessageContaining("stay inside");
            assertThatThrownBy(() -> sb.readFile("evil/passwd")).hasMessageContaining("guest refused");
        }
    }

    @Test
    void aCommandOverItsTimeoutIsKilledWithItsChildren(VmSandboxProvider vm) throws Exception {
        try (Sandbox sb = vm.start(request("timeout"))) {
            long t0 = System.nanoTime();
            Out o = run(sb, Duration.ofSeconds(2), "sleep 300 & sleep 300");
            assertThat(o.result().timedOut()).isTrue();
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(30));
            assertThat(run(sb, Duration.ofSeconds(30), "ps -o comm | grep -c '^sleep' || true")
                            .stdout()
                            .strip())
                    .isEqualTo("0");
        }
    }

    @Test
    void aGuestThatDiesMidExecFailsTheCommandClearlyAndLeavesNothing(VmSandboxProvider vm) throws Exception {
        Sandbox sb = vm.start(request("crash"));
        VmSandbox v = (VmSandbox) sb;
        String socket = v.machineForTests().channelSocket().toString();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<Out> running = pool.submit(() -> run(sb, Duration.ofSeconds(120), "echo started; sleep 120"));
            Thread.sleep(3000);
            v.machineForTests().qemuProcess().orElseThrow().destroyForcibly(); // the whole machine goes away mid-exec
            assertThatThrownBy(running::get)
                    .rootCause()
                    .hasMessageContaining("box crash")
                    .hasMessageContaining("guest connection");
        } finally {
            sb.close();
        }
        assertThat(qemuProcessesMentioning(socket)).isZero();
        assertThat(Path.of(socket).getParent()).doesNotExist();
    }

    @Test
    void aWrongSecretIsRejectedByTheRealGuestAgent(VmSandboxProvider vm) throws Exception {
        GuestImage image = vm.image();
        Boot boot = Boot.of(image)
                .withGuestArg("secret", "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff");
        MachineSpec spec = MachineSpec.of("secret", boot, Accel.TCG)
                .withMemoryMb(512)
                .withReady(MachineSpec.DEFAULT_READY, Duration.ofSeconds(120));
        try (QemuMachine m = VmLauncher.system().boot(spec, (s, l) -> lines.add(l))) {
            var transport = UnixSocketTransport.connect(m.channelSocket(), Duration.ofSeconds(30));
            byte[] wrong = new byte[32];
            assertThatThrownBy(() -> Connection.connect(transport, wrong, Duration.ofSeconds(30), b -> {}))
                    .isInstanceOf(HandshakeException.class);
        }
    }

    @Test
    void theChannelSecretIsOnNoHostCommandLineOrEnvironmentAndNotReadableByTheAgent(VmSandboxProvider vm)
            throws Exception {
        GuestImage image = vm.image();
        String hex = "5ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7";
        MachineSpec spec = MachineSpec.of("fwcfg", Boot.of(image).withSecret(hex), Accel.TCG)
                .withMemoryMb(512)
                .withReady(MachineSpec.DEFAULT_READY, Duration.ofSeconds(120));
        try (QemuMachine m = VmLauncher.system().boot(spec, (s, l) -> lines.add(l))) {
            ProcessHandle qemu = m.qemuProcess().orElseThrow();
            for (long pid : List.of(qemu.pid(), m.process().pid())) {
                String cmdline = Files.readString(Path.of("/proc/" + pid + "/cmdline"));
                String environ = Files.readString(Path.of("/proc/" + pid + "/environ"));
                assertThat(cmdline).as("cmdline of " + pid).doesNotContain(hex).doesNotContain("voidbox.secret");
                assertThat(environ).as("environ of " + pid).doesNotContain(hex);
            }
            assertThat(Files.readString(Path.of("/proc/" + qemu.pid() + "/cmdline")))
                    .contains("name=opt/voidbox/secret")
                    .contains("spawn=deny");
            String status = Files.readString(Path.of("/proc/" + qemu.pid() + "/status"));
            if (SandboxUser.currentUid() == 0) { // QEMU left root behind before the guest ran
                assertThat(status).containsPattern("(?m)^Uid:\\s+65534\\s+65534\\s+65534\\s+65534$");
                assertThat(status).containsPattern("(?m)^CapEff:\\s+0+$").containsPattern("(?m)^NoNewPrivs:\\s+1$");
            } else {
                assertThat(status).containsPattern("(?m)^Uid:\\s+" + SandboxUser.currentUid() + "\\s");
            }
            try (var files = Files.list(m.tempDir())) {
                assertThat(files.map(p -> p.getFileName().toString()))
                        .as("the fw_cfg file is gone once the guest is ready")
                        .noneMatch(n -> n.startsWith("fwcfg-"));
            }
            var transport = UnixSocketTransport.connect(m.channelSocket(), Duration.ofSeconds(30));
            try (Connection c =
                    Connection.connect(transport, HexFormat.of().parseHex(hex), Duration.ofSeconds(30), b -> {})) {
                StringBuilder out = new StringBuilder();
                var exit = c.exec(
                                List.of(
                                        "/bin/sh",
                                        "-c",
                                        "cat /proc/cmdline; cat /sys/firmware/qemu_fw_cfg/by_name/opt/voidbox/secret/raw; dmesg"),
                                Map.of(),
                                "/",
                                Duration.ofSeconds(60),
                                GuestImage.GUEST_USER,
                                (stream, chunk) -> {
                                    synchronized (out) {
                                        out.append(new String(chunk, StandardCharsets.UTF_8));
                                    }
                                })
                        .exit()
                        .get();
                assertThat(exit.error()).isNull();
                assertThat(out.toString()).doesNotContain(hex);
            }
        }
    }

    @Test
    void fourVmsBootAndWorkAtTheSameTime(VmSandboxProvider vm) throws Exception {
        List<Future<String>> results = new ArrayList<>();
        // not try-with-resources: its close() would wait without end for a box that never answers
        ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
        try {
            for (int i = 0; i < 4; i++) {
                String name = "fan" + i;
                results.add(pool.submit(() -> {
                    try (Sandbox sb = vm.start(request(name))) {
                        sb.writeFile("me.txt", name.getBytes(StandardCharsets.UTF_8));
                        return run(sb, Duration.ofSeconds(120), "cat me.txt; echo; hostname")
                                .stdout();
                    }
                }));
            }
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(6);
            for (int i = 0; i < 4; i++) // bounded: a box that never answers fails the test, not the build
            assertThat(results.get(i).get(deadline - System.nanoTime(), TimeUnit.NANOSECONDS))
                        .startsWith("fan" + i + "\n");
        } finally {
            pool.shutdownNow(); // interrupts what still runs: its exec is cancelled, its VM closed
            pool.awaitTermination(2, TimeUnit.MINUTES); // a VM still running then fails the check below
        }
        assertThat(ProcessHandle.current()
                        .descendants()
                        .filter(p -> p.info()
                                .command()
                                .map(c -> c.contains("qemu-system"))
                                .orElse(false)))
                .isEmpty();
    }
}
