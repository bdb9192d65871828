package io.voidbox.sandbox.vm.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.voidbox.sandbox.vm.image.AgentLayer;
import io.voidbox.sandbox.vm.internal.MachineSpec.Boot;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class AgentLayerBootTest {
    private static final Boot BOOT =
            new Boot(Path.of("/img/vmlinuz"), Path.of("/img/initramfs.cpio"), Optional.of(Path.of("/img/root.img")));

    private static List<String> cmd(Boot boot) {
        return QemuCommand.build(
                Path.of("/usr/bin/qemu-system-x86_64"),
                MachineSpec.of("b1", boot, Accel.TCG),
                Path.of("/tmp/ch.sock"),
                Path.of("/tmp/qemu.pid"),
                Path.of("/tmp"),
                OptionalLong.empty());
    }

    @Test
    void aBootWithoutLayersHasOneDiskAndNoLayersArgument() {
        List<String> c = cmd(BOOT);
        assertThat(c.stream().filter(a -> a.startsWith("virtio-blk-device"))).hasSize(1);
        assertThat(String.join(" ", c)).doesNotContain("voidbox.layers");
    }

    @Test
    void eachLayerIsAReadOnlyDiskAfterTheRootDiskNamedByItsSerialAndListedForInit() {
        Boot boot = BOOT.withLayer(new AgentLayer("codex", "bin/codex", Path.of("/l/codex-1/layer.img"), "squashfs", 1))
                .withLayer(new AgentLayer("tool", "bin/tool", Path.of("/l/tool-2/layer.img"), "squashfs", 1));
        List<String> c = cmd(boot);
        List<String> drives = c.stream().filter(a -> a.startsWith("if=none")).toList();
        assertThat(drives)
                .containsExactly(
                        "if=none,id=root,file=/img/root.img,format=raw,readonly=on",
                        "if=none,id=layer-codex,file=/l/codex-1/layer.img,format=raw,readonly=on",
                        "if=none,id=layer-tool,file=/l/tool-2/layer.img,format=raw,readonly=on");
        assertThat(c)
                .contains(
                        "virtio-blk-device,drive=layer-codex,serial=codex",
                        "virtio-blk-device,drive=layer-tool,serial=tool");
        assertThat(c.get(c.indexOf("-append") + 1)).contains("voidbox.layers=codex:bin/codex,tool:bin/tool");
    }
}
