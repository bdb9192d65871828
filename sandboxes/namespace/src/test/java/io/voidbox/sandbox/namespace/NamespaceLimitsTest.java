package io.voidbox.sandbox.namespace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.voidbox.Box;
import io.voidbox.Pipeline;
import io.voidbox.PipelineResult;
import io.voidbox.SandboxOptions;
import io.voidbox.SandboxOptions.Backend;
import io.voidbox.VoidBox;
import io.voidbox.event.RunEvent;
import io.voidbox.sandbox.local.FixedLlmResolver;
import io.voidbox.sandbox.local.RecordingListener;
import io.voidbox.sandbox.local.ShellAgentRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * A memory hog and a fork bomb in namespace boxes hit the box's own cgroup limits (said in a
 * warning), while a sibling box of the same fan-out completes. Needs root (cgroups are not
 * delegated to a normal user) and the namespace sandbox; skipped with the reason otherwise.
 */
class NamespaceLimitsTest {
    @Test
    void aMemoryHogAndAForkBombStopAtTheBoxLimitsAndTheSiblingBoxCompletes() throws Exception {
        assumeTrue(
                Files.getAttribute(Path.of("/proc/self"), "unix:uid").equals(0),
                "cgroup limits need voidbox to run as root here");
        NamespaceSandboxProvider provider = new NamespaceSandboxProvider(() -> Path.of("/usr/bin/true"), Map.of());
        Optional<String> why = provider.unavailableReason();
        assumeTrue(why.isEmpty(), () -> "namespace sandbox unavailable here: " + why.orElse(""));
        SandboxOptions small = new SandboxOptions(
                Backend.NAMESPACE, SandboxOptions.Accel.AUTO, 256, 1, false, Map.of(), List.of(), 1000);
        Box hog = Box.named("hog")
                .prompt("dd if=/dev/zero of=/dev/null bs=400M count=1; echo hog-rc=$?")
                .sandbox(small)
                .timeout(Duration.ofSeconds(60))
                .build();
        Box bomb = Box.named("bomb")
                .prompt("(for i in $(seq 3000); do sleep 30 & done); echo bomb-done")
                .sandbox(small)
                .timeout(Duration.ofSeconds(60))
                .build();
        Box sibling = Box.named("sibling")
                .prompt("echo sibling-ok")
                .sandbox(small)
                .timeout(Duration.ofSeconds(60))
                .build();
        RecordingListener events = new RecordingListener();
        PipelineResult r;
        try (VoidBox vb = VoidBox.builder()
                .sandboxProvider(provider)
                .agentRunner(new ShellAgentRunner())
                .llmResolver(new FixedLlmResolver())
                .listener(events)
                .build()) {
            r = vb.run(Pipeline.named("limits", hog).fanOut(List.of(bomb, sibling)), "");
        }
        assertThat(r.stages().getFirst().resultText()).isEqualTo("hog-rc=137");
        assertThat(r.stages()).anySatisfy(s -> assertThat(s.resultText()).isEqualTo("sibling-ok"));
        assertThat(r.stages()).anySatisfy(s -> assertThat(s.resultText()).isEqualTo("bomb-done"));
        List<String> warnings = events.of(RunEvent.Log.class).stream()
                .filter(l -> l.line().startsWith("WARNING: "))
                .map(l -> l.box() + ": " + l.line())
                .toList();
        assertThat(warnings)
                .anySatisfy(w -> assertThat(w).startsWith("hog: WARNING: memory limit reached (256 MB"))
                .anySatisfy(w -> assertThat(w).startsWith("bomb: WARNING: process limit reached (1024"))
                .noneSatisfy(w -> assertThat(w).startsWith("sibling: WARNING: "));
    }
}
