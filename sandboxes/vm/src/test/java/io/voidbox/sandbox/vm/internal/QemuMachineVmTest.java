package io.voidbox.sandbox.vm.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.voidbox.sandbox.vm.VmTestSupport.Env;
import io.voidbox.sandbox.vm.VmTestSupport.VmTest;
import io.voidbox.sandbox.vm.internal.MachineSpec.Boot;
import io.voidbox.spi.SandboxException;
import io.voidbox.spi.support.FileTrees;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

@VmTest
class QemuMachineVmTest {
    private final List<String> console = new CopyOnWriteArrayList<>();

    private ConsoleListener recorder(String name) {
        return (stream, line) -> {
            console.add(line);
            System.out.println("[vm:" + name + "] " + line);
        };
    }

    private static MachineSpec spec(Env env, String name, String... extraKernelArgs) {
        Boot boot = Boot.of(env.image());
        for (String arg : extraKernelArgs) boot = boot.withExtraKernelArg(arg);
        return MachineSpec.of(name, boot, env.accel())
                .withMemoryMb(512)
                .withReady(MachineSpec.DEFAULT_READY, Duration.ofSeconds(120));
    }

    @Test
    void bootsUnderTcgAndReportsGuestKernelAndInitOnTheConsole(Env env) throws Exception {
        try (QemuMachine m = QemuMachine.start(env.qemu(), spec(env, "boot"), recorder("boot"))) {
            Duration ready = m.awaitReady();
            OptionalInt rc = m.awaitExit(Duration.ofSeconds(60));
            assertThat(rc)
                    .as("QEMU exits after the agent exits (init powers off)")
                    .isPresent();
            assertThat(console)
                    .contains(
                            "voidbox-init: kernel " + env.image().kernelVersion(),
                            "voidbox-init: pid1 init",
                            "voidbox-init: root disk mounted",
                            "voidbox-init: port voidbox.0 /dev/vport0p1",
                            "voidbox-init: network eth0 10.0.2.15 gw 10.0.2.1 (open)",
                            "voidbox-init: agent-exit 0");
            assertThat(m.guestKernel()).contains(env.image().kernelVersion());
            System.out.printf(
                    "[vm-test] full image under %s: ready after %d ms, QEMU exit after %d ms%n",
                    env.accel().id(),
                    ready.toMillis(),
                    m.wallTime().orElseThrow().toMillis());
        }
    }

    @Test
    void networkFalseBootsWithoutAnyNic(Env env) throws Exception {
        try (QemuMachine m = QemuMachine.start(env.qemu(), spec(env, "nonet").withNetwork(false), recorder("nonet"))) {
            m.awaitReady();
            m.awaitExit(Duration.ofSeconds(60));
            assertThat(console)
                    .contains("voidbox-init: network none (tunnels only)")
                    .noneMatch(l -> l.contains("eth0"));
        }
    }

    @Test
    void hostAndGuestTalkOverTheVirtioSerialPort(Env env) throws Exception {
        try (QemuMachine m = QemuMachine.start(
                        env.qemu(),
                        spec(env, "chan", "voidbox.placeholder=echo").withNetwork(false),
                        recorder("chan"));
                SocketChannel ch = connect(m.channelSocket())) {
            BufferedReader in =
                    new BufferedReader(new InputStreamReader(Channels.newInputStream(ch), StandardCharsets.UTF_8));
            String hello = in.readLine();
            assertThat(hello).isEqualTo("hello-from-guest " + env.image().kernelVersion());
            OutputStream out = Channels.newOutputStream(ch);
            out.write("pong-from-host\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
            assertThat(m.awaitExit(Duration.ofSeconds(60))).isPresent();
            assertThat(console).contains("voidbox-placeholder: got pong-from-host");
        }
    }

    @Test
    void closeStopsQemuAndRemovesSocketAndTempDir(Env env) throws Exception {
        QemuMachine m = QemuMachine.start(
                env.qemu(), spec(env, "close", "voidbox.placeholder=hold").withNetwork(false), recorder("close"));
        ProcessHandle qemu;
        Path temp = m.tempDir();
        try {
            m.awaitReady();
            qemu = m.qemuProcess().orElseThrow();
            assertThat(qemu.isAlive()).isTrue();
            assertThat(m.channelSocket()).exists();
        } finally {
            m.close();
        }
        assertThat(qemu.isAlive()).isFalse();
        assertThat(m.process().isAlive()).isFalse();
        assertThat(temp).doesNotExist();
        assertThat(qemuProcessesUsing(temp)).isEmpty();
        m.close(); // idempotent
    }

    @Test
    void bootDeadlineFailsWithConsoleTailAndLeavesNothingRunning(Env env) throws Exception {
        // rdinit=/bin/cat: the kernel starts cat instead of /init; it waits on the console forever.
        QemuMachine m = QemuMachine.start(
                env.qemu(),
                spec(env, "hang", "rdinit=/bin/cat")
                        .withNetwork(false)
                        .withReady(MachineSpec.DEFAULT_READY, Duration.ofSeconds(15)),
                recorder("hang"));
        ProcessHandle qemu = m.qemuProcess().orElseThrow();
        assertThatThrownBy(m::awaitReady)
                .isInstanceOf(SandboxException.class)
                .hasMessageContaining("VM hang: the guest did not become ready within 15 s")
                .hasMessageContaining("accel tcg")
                .hasMessageContaining("last console lines");
        assertThat(qemu.isAlive()).isFalse();
        assertThat(m.tempDir()).doesNotExist();
    }

    @Test
    void qemuDiesWhenItsJvmIsKilledWithSigkill(Env env) throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process child = new ProcessBuilder(
                        java.toString(),
                        "-cp",
                        System.getProperty("java.class.path"),
                        OrphanedVmMain.class.getName(),
                        env.qemu().toString(),
                        env.image().kernel().toString(),
                        env.image().initramfs().toString(),
                        env.image().rootDisk().toString())
                .redirectErrorStream(true)
                .start();
        Path temp = null;
        try {
            BufferedReader r =
                    new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
            String line = r.readLine();
            assertThat(line).as("child JVM output").startsWith("started ");
            String[] parts = line.split(" ");
            temp = Path.of(parts[1]);
            ProcessHandle qemu = ProcessHandle.of(Long.parseLong(parts[2])).orElseThrow();
            assertThat(qemuProcessesUsing(temp)).isNotEmpty();
            child.destroyForcibly(); // SIGKILL: no shutdown hook runs
            child.waitFor(10, TimeUnit.SECONDS);
            qemu.onExit().get(15, TimeUnit.SECONDS);
            assertThat(qemu.isAlive()).isFalse();
            for (int i = 0; i < 100 && !qemuProcessesUsing(temp).isEmpty(); i++)
                Thread.sleep(50); // the watchdog shell exits right after
            assertThat(qemuProcessesUsing(temp)).isEmpty();
            QemuMachine.sweepStale(TempDirs.userParent());
            assertThat(temp).as("stale temp dir of the killed JVM is swept").doesNotExist();
        } finally {
            child.destroyForcibly();
            if (temp != null) FileTrees.delete(temp);
        }
    }

    private static SocketChannel connect(Path socket) throws IOException, InterruptedException {
        for (int i = 0; i < 100; i++) {
            if (Files.exists(socket)) {
                SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
                ch.connect(UnixDomainSocketAddress.of(socket));
                return ch;
            }
            Thread.sleep(50);
        }
        throw new IOException("channel socket never appeared: " + socket);
    }

    /** Live processes whose command line mentions {@code dir} (the VM's socket/pid file live there). */
    static List<Long> qemuProcessesUsing(Path dir) {
        return ProcessHandle.allProcesses()
                .filter(p -> p.info()
                        .commandLine()
                        .map(c -> c.contains("qemu-system") && c.contains(dir.toString()))
                        .orElse(false))
                .map(ProcessHandle::pid)
                .toList();
    }
}
