package io.voidbox.sandbox.vm;

import static org.assertj.core.api.Assertions.assertThat;

import io.voidbox.SandboxOptions;
import io.voidbox.agent.claude.ClaudeCli;
import io.voidbox.event.RunEvent;
import io.voidbox.sandbox.vm.VmTestSupport.VmTest;
import io.voidbox.sandbox.vm.image.GuestImageCache;
import io.voidbox.spi.BoxScope;
import io.voidbox.spi.Sandbox;
import io.voidbox.spi.SandboxRequest;
import io.voidbox.spi.support.ScriptRun;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The backend with snapshots: the first box of a shape boots and saves the snapshot, the next
 * restores it ({@code box.ready restored: true}); a corrupt snapshot costs one warning and a cold
 * boot, and the box still works.
 */
@VmTest
class SnapshotRestoreVmTest {
    private final List<RunEvent> events = new CopyOnWriteArrayList<>();

    private SandboxRequest request(String name) {
        BoxScope scope = new BoxScope("test", "vm-test", name, events::add);
        return new SandboxRequest(
                scope,
                new SandboxOptions(
                        SandboxOptions.Backend.VM, SandboxOptions.Accel.TCG, 512, 1, true, Map.of(), List.of(), 1000),
                b -> {});
    }

    private RunEvent.BoxReady ready(String box) {
        return events.stream()
                .filter(e -> e instanceof RunEvent.BoxReady r && r.box().equals(box))
                .map(RunEvent.BoxReady.class::cast)
                .findFirst()
                .orElseThrow();
    }

    private List<String> warnings(String box) {
        return events.stream()
                .filter(e -> e instanceof RunEvent.Log l
                        && l.box().equals(box)
                        && l.line().startsWith("WARNING"))
                .map(e -> ((RunEvent.Log) e).line())
                .toList();
    }

    private static String echo(Sandbox sb) throws Exception {
        ScriptRun.Out o = ScriptRun.sh(sb, Duration.ofSeconds(60), "echo ok; hostname");
        assertThat(o.result().exitCode()).isZero();
        return o.stdout();
    }

    @Test
    void aRestoredBoxIsReadyFasterAndACorruptSnapshotFallsBackToACompleteColdBoot(@TempDir Path dir) throws Exception {
        VmSandboxProvider vm = new VmSandboxProvider(
                ClaudeCli::binary, s -> System.out.println("[vm-test] " + s), GuestImageCache::defaults, dir);
        try (Sandbox sb = vm.start(request("first"))) {
            assertThat(echo(sb)).startsWith("ok\nvbx-first-");
        }
        assertThat(ready("first").restored()).isFalse();
        assertThat(warnings("first")).isEmpty();
        List<VmSnapshots.Entry> saved = VmSnapshots.at(dir).list();
        assertThat(saved).hasSize(1);
        assertThat(saved.getFirst().description()).contains("512 MiB", "tcg", "network open");

        try (Sandbox sb = vm.start(request("second"))) {
            assertThat(echo(sb)).startsWith("ok\nvbx-second-");
        }
        assertThat(ready("second").restored()).isTrue();
        assertThat(ready("second").bootMs()).isLessThan(ready("first").bootMs());
        assertThat(warnings("second")).isEmpty();

        Path state = dir.resolve(saved.getFirst().key()).resolve("state");
        try (RandomAccessFile f = new RandomAccessFile(state.toFile(), "rw")) {
            f.seek(f.length() / 2);
            f.write(new byte[4096]);
            f.write(0x5a);
        }
        try (Sandbox sb = vm.start(request("corrupt"))) {
            assertThat(echo(sb)).startsWith("ok\nvbx-corrupt-");
        }
        assertThat(ready("corrupt").restored()).isFalse();
        assertThat(warnings("corrupt")).singleElement().asString().contains("cannot restore snapshot", "boots cold");
        // the cold boot saved a fresh snapshot of the shape
        assertThat(Files.exists(state)).isTrue();
        assertThat(VmSnapshots.at(dir).list()).hasSize(1);
        System.out.println("[vm-test] boot_ms cold " + ready("first").bootMs() + ", restored "
                + ready("second").bootMs() + ", cold after a corrupt snapshot "
                + ready("corrupt").bootMs());
    }
}
