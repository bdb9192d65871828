package io.voidbox.sandbox.namespace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.voidbox.Box;
import io.voidbox.Failure;
import io.voidbox.Pipeline;
import io.voidbox.PipelineResult;
import io.voidbox.SandboxOptions;
import io.voidbox.SandboxOptions.Backend;
import io.voidbox.Stage;
import io.voidbox.StageResult;
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
 * A memory hog and a fork bomb in namespace boxes hit the box's own cgroup limits: each fails its
 * stage as {@code resource_limit} naming the resource (as on the VM backend) with one warning,
 * while a sibling box of the same fan-out completes. Needs root (cgroups are not delegated to a
 * normal user) and the namespace sandbox; skipped with the reason otherwise.
 */
class NamespaceLimitsTest {
    private static final SandboxOptions SMALL =
            new SandboxOptions(Backend.NAMESPACE, SandboxOptions.Accel.AUTO, 256, 1, false, Map.of(), List.of(), 1000);

    @Test
    void aMemoryHogFailsAsResourceLimitMemoryAndTheSiblingBoxCompletes() throws Exception {
        // the sleep lets the sibling finish first: the first failure of a fan-out cancels the others
        Attack hog = attack("hog", "sleep 2; dd if=/dev/zero of=/dev/null bs=400M count=1; echo hog-rc=$?");
        assertFailedOn(hog, "memory", "memory limit reached (256 MB");
    }

    @Test
    void aForkBombFailsAsResourceLimitProcessesAndTheSiblingBoxCompletes() throws Exception {
        Attack bomb = attack("bomb", "sleep 2; (for i in $(seq 3000); do sleep 30 & done); echo bomb-done");
        assertFailedOn(bomb, "processes", "process limit reached (1024");
    }

    private record Attack(String box, PipelineResult result, RecordingListener events) {}

    /** Runs box {@code name} with {@code script} next to a sibling in one fan-out of small namespace boxes. */
    private static Attack attack(String name, String script) throws Exception {
        assumeTrue(
                Files.getAttribute(Path.of("/proc/self"), "unix:uid").equals(0),
                "cgroup limits need voidbox to run as root here");
        NamespaceSandboxProvider provider = new NamespaceSandboxProvider(() -> Path.of("/usr/bin/true"), Map.of());
        Optional<String> why = provider.unavailableReason();
        assumeTrue(why.isEmpty(), () -> "namespace sandbox unavailable here: " + why.orElse(""));
        Box attacker = Box.named(name)
                .prompt(script)
                .sandbox(SMALL)
                .timeout(Duration.ofSeconds(60))
                .build();
        Box sibling = Box.named("sibling")
                .prompt("echo sibling-ok")
                .sandbox(SMALL)
                .timeout(Duration.ofSeconds(60))
                .build();
        RecordingListener events = new RecordingListener();
        try (VoidBox vb = VoidBox.builder()
                .sandboxProvider(provider)
                .agentRunner(new ShellAgentRunner())
                .llmResolver(new FixedLlmResolver())
                .listener(events)
                .build()) {
            PipelineResult r =
                    vb.run(new Pipeline("limits", List.of(new Stage.FanOut(List.of(attacker, sibling)))), "");
            return new Attack(name, r, events);
        }
    }

    private static void assertFailedOn(Attack attack, String resource, String warning) {
        StageResult failed = attack.result().stages().stream()
                .filter(s -> s.box().equals(attack.box()))
                .findFirst()
                .orElseThrow();
        assertThat(failed.failure()).get().isInstanceOfSatisfying(Failure.ResourceLimit.class, f -> {
            assertThat(f.type()).isEqualTo("resource_limit");
            assertThat(f.resource()).isEqualTo(resource);
            assertThat(f.message()).contains("box " + attack.box() + ": " + warning);
        });
        assertThat(attack.events().of(RunEvent.StageFailed.class))
                .singleElement()
                .satisfies(e -> {
                    assertThat(e.box()).isEqualTo(attack.box());
                    assertThat(e.failure()).isEqualTo(failed.failure().orElseThrow());
                });
        assertThat(attack.result().stages()).anySatisfy(s -> {
            assertThat(s.box()).isEqualTo("sibling");
            assertThat(s.success()).isTrue();
            assertThat(s.resultText()).isEqualTo("sibling-ok");
        });
        List<String> warnings = attack.events().of(RunEvent.Log.class).stream()
                .filter(l -> l.line().startsWith("WARNING: "))
                .map(l -> l.box() + ": " + l.line())
                .toList();
        assertThat(warnings)
                .filteredOn(w -> w.startsWith(attack.box() + ": WARNING: " + warning))
                .hasSize(1);
        assertThat(warnings).noneSatisfy(w -> assertThat(w).startsWith("sibling: WARNING: "));
    }
}
