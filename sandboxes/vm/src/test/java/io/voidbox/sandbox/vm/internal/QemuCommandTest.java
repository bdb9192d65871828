package io.voidbox.sandbox.vm.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.voidbox.sandbox.vm.internal.MachineSpec.Boot;
import io.voidbox.spi.support.SandboxUser;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class QemuCommandTest {
    private static final Path QEMU = Path.of("/usr/bin/qemu-system-x86_64");
    private static final Path SOCK = Path.of("/tmp/vbx-1/ch.sock");
    private static final Path PID = Path.of("/tmp/vbx-1/qemu.pid");

    private static final Boot BOOT =
            new Boot(Path.of("/img/vmlinuz"), Path.of("/img/initramfs.cpio"), Optional.of(Path.of("/img/root.img")));

    private static MachineSpec spec() {
        return MachineSpec.of("b1", BOOT, Accel.TCG);
    }

    private static List<String> cmd(MachineSpec s) {
        return QemuCommand.build(QEMU, s, SOCK, PID, SOCK.getParent(), OptionalLong.of(2_096_004));
    }

    private static String arg(List<String> c, String flag) {
        return c.get(c.indexOf(flag) + 1);
    }

    @Test
    void buildsMicrovmWithoutDefaultsFirmwareOrReboot() {
        List<String> c = cmd(spec().withMemoryMb(768).withVcpus(1));
        assertThat(c.getFirst()).isEqualTo(QEMU.toString());
        assertThat(arg(c, "-M")).startsWith("microvm").contains("x-option-roms=off");
        assertThat(c).contains("-nodefaults", "-no-user-config", "-nographic", "-no-reboot");
        assertThat(arg(c, "-m")).isEqualTo("768M");
        assertThat(arg(c, "-smp")).isEqualTo("1");
        assertThat(arg(c, "-serial")).isEqualTo("stdio");
        assertThat(arg(c, "-kernel")).isEqualTo("/img/vmlinuz");
        assertThat(arg(c, "-initrd")).isEqualTo("/img/initramfs.cpio");
        assertThat(arg(c, "-pidfile")).isEqualTo(PID.toString());
    }

    @Test
    void tcgUsesMaxCpuAndMultiThreadOnlyWithSeveralVcpus() {
        assertThat(arg(cmd(spec().withVcpus(1)), "-accel")).isEqualTo("tcg");
        assertThat(arg(cmd(spec().withVcpus(2)), "-accel")).isEqualTo("tcg,thread=multi");
        assertThat(arg(cmd(spec()), "-cpu")).isEqualTo("max");
    }

    @Test
    void kvmUsesHostCpuAndNoTscHints() {
        List<String> c = cmd(MachineSpec.of("b1", BOOT, Accel.KVM));
        assertThat(arg(c, "-accel")).isEqualTo("kvm");
        assertThat(arg(c, "-cpu")).isEqualTo("host");
        assertThat(arg(c, "-append")).doesNotContain("tsc_early_khz").doesNotContain("tsc=reliable");
    }

    @Test
    void kernelCommandLineCarriesConsolePanicTscAndGuestKeys() {
        String append = arg(
                cmd(MachineSpec.of(
                        "b1",
                        BOOT.withGuestArg("secret", "abcd")
                                .withGuestArg("telemetry_ms", "500")
                                .withExtraKernelArg("rdinit=/bin/cat"),
                        Accel.TCG)),
                "-append");
        assertThat(append.split(" "))
                .contains(
                        "console=ttyS0",
                        "quiet",
                        "panic=-1",
                        "tsc_early_khz=2096004",
                        "tsc=reliable",
                        "voidbox.port=voidbox.0",
                        "voidbox.secret=abcd",
                        "voidbox.telemetry_ms=500");
        assertThat(append).endsWith("rdinit=/bin/cat");
    }

    @Test
    void anExplicitPortGuestArgIsNotDuplicated() {
        String append = arg(cmd(MachineSpec.of("b1", BOOT.withGuestArg("port", "voidbox.0"), Accel.TCG)), "-append");
        assertThat(append.split(" ")).containsOnlyOnce("voidbox.port=voidbox.0");
    }

    @Test
    void attachesChannelAsVirtioSerialPortOnAUnixSocket() {
        List<String> c = cmd(spec());
        assertThat(c)
                .containsSequence(
                        "-device",
                        "virtio-serial-device",
                        "-chardev",
                        "socket,id=ch0,path=" + SOCK + ",server=on,wait=off",
                        "-device",
                        "virtserialport,chardev=ch0,name=voidbox.0");
        assertThat(String.join(" ", cmd(spec().withChannel(false))))
                .doesNotContain("virtio-serial")
                .doesNotContain("voidbox.port");
    }

    @Test
    void rootDiskIsReadOnlyVirtioBlk() {
        List<String> c = cmd(spec());
        assertThat(c)
                .containsSequence(
                        "-drive",
                        "if=none,id=root,file=/img/root.img,format=raw,readonly=on",
                        "-device",
                        "virtio-blk-device,drive=root");
    }

    @Test
    void networkFalseMeansNoNicAtAll() {
        String without = String.join(" ", cmd(spec().withNetwork(false)));
        assertThat(without).doesNotContain("-netdev").doesNotContain("virtio-net");
        assertThat(cmd(spec().withNetwork(true)))
                .containsSequence(
                        "-netdev",
                        "user,id=n0,net=10.0.2.0/24,host=10.0.2.1,dns=10.0.2.3,ipv6=off",
                        "-device",
                        "virtio-net-device,netdev=n0");
    }

    @Test
    void theSecretTravelsAsAFirmwareFileNeverOnTheCommandLine() {
        List<String> c = cmd(MachineSpec.of("b1", BOOT.withSecret("00112233deadbeef"), Accel.TCG));
        assertThat(String.join(" ", c)).doesNotContain("deadbeef");
        assertThat(arg(c, "-fw_cfg")).isEqualTo("name=opt/voidbox/secret,file=/tmp/vbx-1/fwcfg-opt_voidbox_secret");
        assertThat(BOOT.withSecret("00112233deadbeef").toString()).doesNotContain("deadbeef");
    }

    @Test
    void qemuRunsUnderItsSeccompSandbox() {
        assertThat(arg(cmd(spec()), "-sandbox"))
                .isEqualTo("on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny");
    }

    @Test
    void asRootQemuSwitchesToAnUnprivilegedUserWhichItsFilterLetsItDoOnce() {
        List<String> c = QemuCommand.switchingTo(cmd(spec()), new SandboxUser(4242, 4343, true));
        assertThat(arg(c, "-runas")).isEqualTo("4242:4343");
        assertThat(arg(c, "-sandbox"))
                .isEqualTo("on,obsolete=deny,elevateprivileges=allow,spawn=deny,resourcecontrol=deny");
        assertThat(c).hasSize(cmd(spec()).size() + 2);
    }

    @Test
    void redactsTheChannelSecret() {
        String r = QemuCommand.redacted(
                cmd(MachineSpec.of("b1", BOOT.withGuestArg("secret", "00112233deadbeef"), Accel.TCG)));
        assertThat(r).contains("voidbox.secret=<redacted>").doesNotContain("deadbeef");
    }

    @Test
    void rejectsGuestArgumentsThatWouldSplitTheCommandLine() {
        assertThatThrownBy(() -> BOOT.withGuestArg("secret", "a b")).hasMessageContaining("voidbox.secret");
        assertThatThrownBy(() -> BOOT.withGuestArg("Bad-Key", "x")).hasMessageContaining("Bad-Key");
        assertThatThrownBy(() -> spec().withMemoryMb(10)).hasMessageContaining("memoryMb");
        assertThatThrownBy(() -> MachineSpec.of("a/b", BOOT, Accel.TCG)).hasMessageContaining("name");
    }

    @Test
    void sharesAre9pDevicesReadOnlyOnTheHostWhenAskedAndNamedToInit() {
        Boot boot = BOOT.withShare(new MachineSpec.Share("vbx0", Path.of("/src/a,b"), "/data/rw", false))
                .withShare(new MachineSpec.Share("vbx1", Path.of("/src/ro"), "/workspace/ro", true));
        List<String> c = cmd(MachineSpec.of("b1", boot, Accel.TCG));
        assertThat(c)
                .containsSubsequence(
                        "-fsdev",
                        "local,id=vbx0,path=/src/a,,b,security_model=none",
                        "-device",
                        "virtio-9p-device,fsdev=vbx0,mount_tag=vbx0")
                .containsSubsequence(
                        "-fsdev",
                        "local,id=vbx1,path=/src/ro,security_model=none,readonly=on",
                        "-device",
                        "virtio-9p-device,fsdev=vbx1,mount_tag=vbx1");
        assertThat(arg(c, "-append")).contains("voidbox.shares=vbx0:/data/rw:rw,vbx1:/workspace/ro:ro");
        assertThatThrownBy(() -> new MachineSpec.Share("vbx2", Path.of("/src"), "/work space", false))
                .hasMessageContaining("guest path");
        assertThatThrownBy(() -> new MachineSpec.Share("vbx2", Path.of("/src"), "/a/../etc", false))
                .hasMessageContaining("guest path");
        assertThatThrownBy(() -> new MachineSpec.Share("vbx2", Path.of("/src"), "relative", false))
                .hasMessageContaining("guest path");
    }
}
