package io.voidbox.guest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GuestConfigTest {
    private static final String HEX = "00112233445566778899aabbccddeeff";

    @Test
    void parsesKernelCmdlineWithQuotesAndFlags() throws Exception {
        var args = KernelCmdline.parse("console=ttyS0 quiet  voidbox.secret=" + HEX
                + " voidbox.file_roots=\"/workspace:/home/a b\" voidbox.telemetry_ms=250 panic=-1\n");
        assertThat(args)
                .containsEntry("console", "ttyS0")
                .containsEntry("quiet", "")
                .containsEntry("voidbox.file_roots", "/workspace:/home/a b")
                .containsEntry("panic", "-1");
        var config = GuestConfig.fromCmdline(args);
        assertThat(config.telemetryIntervalMs()).isEqualTo(250);
        assertThat(config.fileRoots()).containsExactly(Path.of("/workspace"), Path.of("/home/a b"));
        assertThat(config.port()).isEqualTo("voidbox");
        assertThat(config.exec().userWrapper()).isNull();
        assertThat(config.secretMatches(HexFormat.of().parseHex(HEX))).isTrue();
        assertThat(config.toString()).doesNotContain(HEX).doesNotContain("00112233");
    }

    @Test
    void readsWrapperPortAndFrameLimit() {
        var config = GuestConfig.fromCmdline(Map.of(
                "voidbox.secret",
                HEX,
                "voidbox.port",
                "/dev/vport0p1",
                "voidbox.user_wrapper",
                "chpst,-u,{user}",
                "voidbox.max_frame",
                "1048576",
                "voidbox.hide_cmdline",
                "0"));
        assertThat(config.port()).isEqualTo("/dev/vport0p1");
        assertThat(config.exec().userWrapper()).containsExactly("chpst", "-u", "{user}");
        assertThat(config.maxFrameBytes()).isEqualTo(1 << 20);
        assertThat(config.hideCmdline()).isFalse();
    }

    @Test
    void rejectsBadValuesNamingTheKeyButNeverTheSecret() {
        assertThatThrownBy(() -> GuestConfig.fromCmdline(Map.of()))
                .hasMessage("kernel cmdline: voidbox.secret is missing");
        assertThatThrownBy(() -> GuestConfig.fromCmdline(Map.of("voidbox.secret", "zz" + HEX)))
                .hasMessageContaining("voidbox.secret is not an even-length hex string")
                .message()
                .doesNotContain(HEX);
        assertThatThrownBy(() -> GuestConfig.fromCmdline(Map.of("voidbox.secret", "abcd")))
                .hasMessage("voidbox.secret must be at least 16 bytes, got 2");
        assertThatThrownBy(() -> GuestConfig.fromCmdline(Map.of("voidbox.secret", HEX, "voidbox.telemetry_ms", "50")))
                .hasMessage("voidbox.telemetry_ms must be >= 100, got 50");
        assertThatThrownBy(() -> GuestConfig.fromCmdline(Map.of("voidbox.secret", HEX, "voidbox.telemetry_ms", "fast")))
                .hasMessage("kernel cmdline: voidbox.telemetry_ms must be an integer, got 'fast'");
        assertThatThrownBy(
                        () -> GuestConfig.fromCmdline(Map.of("voidbox.secret", HEX, "voidbox.file_roots", "relative")))
                .hasMessage("voidbox.file_roots: root must be absolute, got relative");
    }

    @Test
    void loadsFromAnInjectedCmdlineFile(@TempDir Path dir) throws Exception {
        Path cmdline =
                Files.writeString(dir.resolve("cmdline"), "root=/dev/vda voidbox.secret=" + HEX + " voidbox.bogus=1\n");
        assertThat(GuestAgent.loadConfig(cmdline, dir.resolve("sys")).telemetryIntervalMs())
                .isEqualTo(1000);
    }

    @Test
    void readsTheSecretFromTheFirmwareFileWhenTheCmdlineHasNone(@TempDir Path dir) throws Exception {
        Path cmdline = Files.writeString(dir.resolve("cmdline"), "console=ttyS0 voidbox.port=voidbox.0\n");
        Path fwCfg = dir.resolve("sys").resolve(GuestAgent.FW_CFG_SECRET);
        Files.createDirectories(fwCfg.getParent());
        Files.writeString(fwCfg, HEX);
        GuestConfig config = GuestAgent.loadConfig(cmdline, dir.resolve("sys"));
        assertThat(config.secretMatches(HexFormat.of().parseHex(HEX))).isTrue();
        assertThat(config.port()).isEqualTo("voidbox.0");
        assertThatThrownBy(() -> GuestAgent.loadConfig(cmdline, dir.resolve("no-sys")))
                .hasMessageContaining("voidbox.secret is missing");
    }

    @Test
    void readsTheFirmwareSecretAtTheFirstHelloNotAtBoot(@TempDir Path dir) throws Exception {
        // a snapshot is taken after boot and before the first Hello; each restored box brings its own file
        Path cmdline = Files.writeString(dir.resolve("cmdline"), "console=ttyS0\n");
        Path fwCfg = dir.resolve("sys").resolve(GuestAgent.FW_CFG_SECRET);
        Files.createDirectories(fwCfg.getParent());
        Files.writeString(fwCfg, HEX);
        GuestConfig config = GuestAgent.loadConfig(cmdline, dir.resolve("sys"));
        assertThat(config.secret()).hasToString("<not read yet>");
        String other = "ff".repeat(32);
        Files.writeString(fwCfg, other);
        assertThat(config.secretMatches(HexFormat.of().parseHex(HEX))).isFalse();
        Files.writeString(fwCfg, HEX);
        // read once: later changes of the file (or its removal with the driver) do not matter
        assertThat(config.secretMatches(HexFormat.of().parseHex(other))).isTrue();
        assertThat(config.secret()).hasToString("<32 bytes>");
    }

    @Test
    void parsesTheBoxIdentityFileWithItsPadding() {
        assertThat(BoxIdentity.parse("hostname=vbx-a\nmac=02:00:00:00:00:01\nseed=00ff\n" + "#".repeat(40)))
                .containsExactly(
                        Map.entry("hostname", "vbx-a"),
                        Map.entry("mac", "02:00:00:00:00:01"),
                        Map.entry("seed", "00ff"));
    }

    @Test
    void findsThePortByItsSysfsName(@TempDir Path sys) throws Exception {
        Files.createDirectories(sys.resolve("class/virtio-ports/vport0p0"));
        Files.writeString(sys.resolve("class/virtio-ports/vport0p0/name"), "org.qemu.guest_agent.0\n");
        Files.createDirectories(sys.resolve("class/virtio-ports/vport0p1"));
        Files.writeString(sys.resolve("class/virtio-ports/vport0p1/name"), "voidbox\n");
        assertThat(GuestAgent.resolvePort("voidbox", sys)).isEqualTo(Path.of("/dev/vport0p1"));
        assertThat(GuestAgent.resolvePort("other", sys)).isNull();
        assertThat(GuestAgent.resolvePort("/dev/hvc1", sys)).isEqualTo(Path.of("/dev/hvc1"));
    }

    @Test
    void userWrapperTemplateIsFilledFromPasswd(@TempDir Path dir) throws Exception {
        Path passwd = Files.writeString(
                dir.resolve("passwd"), "root:x:0:0:root:/root:/bin/sh\nagent:x:1000:1001::/home/agent:/bin/sh\n");
        var users = new UserSwitch(passwd, List.of("sh", "--uid={uid}", "--gid={gid}", "{user}", "{home}"));
        var prepared = users.prepare("agent", List.of("claude", "-p"));
        assertThat(prepared.command())
                .containsExactly("sh", "--uid=1000", "--gid=1001", "agent", "/home/agent", "claude", "-p");
        assertThat(prepared.env()).containsEntry("HOME", "/home/agent").containsEntry("USER", "agent");
        assertThat(users.prepare("root", List.of("id")).command()).containsExactly("id");
        assertThat(users.prepare("", List.of("id")).command()).containsExactly("id");
        assertThatThrownBy(() -> new UserSwitch(passwd, List.of("no-such-wrapper-xyz")).prepare("agent", List.of("id")))
                .hasMessage("cannot run as user 'agent': wrapper 'no-such-wrapper-xyz' not found on PATH");
    }
}
