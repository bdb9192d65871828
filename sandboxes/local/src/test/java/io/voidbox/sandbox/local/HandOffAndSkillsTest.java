package io.voidbox.sandbox.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.voidbox.Box;
import io.voidbox.Pipeline;
import io.voidbox.PipelineResult;
import io.voidbox.SandboxOptions;
import io.voidbox.SandboxOptions.Backend;
import io.voidbox.Skill;
import io.voidbox.StageResult;
import io.voidbox.VoidBox;
import io.voidbox.event.RunEvent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * VoidBox's box features on the engine, with real processes in the local sandbox: named
 * directories handed from box to box, {@code env: {X: ""}} passing the host's value, and skills
 * installed or checked before the agent starts.
 */
class HandOffAndSkillsTest {
    private static final SandboxOptions LOCAL = SandboxOptions.defaults().withBackend(Backend.LOCAL);

    private final RecordingListener events = new RecordingListener();

    private PipelineResult run(Pipeline pipeline, Map<String, String> hostEnvironment) {
        try (VoidBox vb = VoidBox.builder()
                .sandboxProvider(new LocalSandboxProvider(() -> Path.of("/bin/false")))
                .agentRunner(new ShellAgentRunner())
                .llmResolver(new FixedLlmResolver())
                .environment(hostEnvironment)
                .listener(events)
                .build()) {
            return vb.run(pipeline, "");
        }
    }

    private PipelineResult run(Pipeline pipeline) {
        return run(pipeline, Map.of());
    }

    private static Box.Builder box(String name, String script) {
        return Box.named(name).prompt(script).sandbox(LOCAL).timeout(Duration.ofSeconds(60));
    }

    private List<String> toolCallBoxes() {
        return events.of(RunEvent.AgentToolCall.class).stream()
                .map(RunEvent.AgentToolCall::box)
                .toList();
    }

    @Test
    void anOutputDirectoryIsHandedToALaterBoxAtItsInputPath() {
        Box producer = box("producer", "mkdir -p output/sub; echo facts > output/sub/f.txt; echo produced")
                .output("facts", "/workspace/output")
                .output("nothing", "/workspace/unused")
                .build();
        Box between = box("between", "ls").build();
        Box consumer = box("consumer", "cat in/sub/f.txt; test -d empty && echo empty-dir-exists")
                .input("facts", "/workspace/in")
                .input("nothing", "/workspace/empty")
                .build();
        PipelineResult r = run(Pipeline.named("handoff", producer).pipe(between).pipe(consumer));
        assertThat(r.error()).isEmpty();
        assertThat(r.finalOutput()).isEqualTo("facts\nempty-dir-exists");
    }

    @Test
    void aHandedOnFileOverTheLimitFailsTheBoxNamingTheOutputAndTheFile() {
        Box big = box("big", "mkdir -p output; head -c 5000000 /dev/zero > output/blob.bin; echo done")
                .output("blobs", "/workspace/output")
                .build();
        PipelineResult r = run(Pipeline.named("big", big));
        assertThat(r.success()).isFalse();
        assertThat(r.error())
                .get()
                .asString()
                .contains("box big output 'blobs'")
                .contains("blob.bin")
                .contains("more than the 4 MB");
    }

    @Test
    void anInputThatNoEarlierBoxHandedOnFailsTheBoxBeforeItsAgentStarts() {
        Box orphan = box("orphan", "echo never").input("ghost", "/workspace/in").build();
        PipelineResult r = run(Pipeline.named("orphan", orphan));
        assertThat(r.error())
                .get()
                .asString()
                .contains("box orphan input 'ghost'")
                .contains("no earlier box");
        assertThat(toolCallBoxes()).isEmpty();
    }

    @Test
    void anEmptyEnvValueTakesTheHostsVariableAndStaysEmptyWhenTheHostHasNone() {
        Box box = box("env", "echo \"token=$HOST_TOKEN other=${OTHER_TOKEN-unset} fixed=$FIXED\"")
                .sandbox(LOCAL.withEnv(Map.of("HOST_TOKEN", "", "OTHER_TOKEN", "", "FIXED", "as-written")))
                .build();
        PipelineResult r = run(Pipeline.named("env", box), Map.of("HOST_TOKEN", "from-host", "FIXED", "host-loses"));
        assertThat(r.finalOutput()).isEqualTo("token=from-host other= fixed=as-written");
    }

    @Test
    void aCliSkillIsCheckedInsideTheBoxBeforeTheAgentStarts() {
        Box present = box("present", "echo ran").skill(new Skill.Cli("sh")).build();
        PipelineResult ok = run(Pipeline.named("cli-ok", present));
        assertThat(ok.finalOutput()).isEqualTo("ran");

        Box missing = box("missing", "echo never")
                .skill(new Skill.Cli("no-such-tool-voidbox"))
                .build();
        PipelineResult r = run(Pipeline.named("cli-missing", missing));
        assertThat(r.stages()).extracting(StageResult::box).containsExactly("missing");
        assertThat(r.error())
                .get()
                .asString()
                .contains("box missing needs the program 'no-such-tool-voidbox' (skill cli:no-such-tool-voidbox)");
        assertThat(r.stages().getFirst().failure().orElseThrow().type()).isEqualTo("sandbox_error");
        assertThat(toolCallBoxes()).doesNotContain("missing");
    }

    @Test
    void inlineAndFileSkillsAreInstalledAsSkillMdAndNamedSkillsGoToThePrompt(@TempDir Path tmp) throws Exception {
        Path file = Files.writeString(tmp.resolve("review.md"), "# Review\nfrom a file\n");
        Box box = box("skilled", "cat .claude/skills/greet/SKILL.md .claude/skills/review/SKILL.md")
                .skill(new Skill.Inline("greet", "# Greet\ninline\n"))
                .skill(new Skill.Local(file))
                .build();
        PipelineResult r = run(Pipeline.named("skills", box));
        assertThat(r.finalOutput()).isEqualTo("# Greet\ninline\n# Review\nfrom a file");
    }

    @Test
    void aRemoteSkillThatCannotBeFetchedFailsTheBoxWithTheUrl() {
        Skill.Remote remote = new Skill.Remote("voidbox-java-tests", "does-not-exist", Optional.of("none"));
        Box box = box("remote", "echo never").skill(remote).build();
        PipelineResult r = run(Pipeline.named("remote", box));
        // offline: the host is unreachable; online: GitHub answers 404. Either way the box fails, named.
        assertThat(r.error())
                .get()
                .asString()
                .contains(
                        "cannot fetch remote skill voidbox-java-tests/does-not-exist/none ("
                                + "https://raw.githubusercontent.com/voidbox-java-tests/does-not-exist/main/skills/none/SKILL.md)");
        assertThat(toolCallBoxes()).isEmpty();

        Box offline = box("offline", "echo never")
                .skill(remote)
                .sandbox(new SandboxOptions(
                        Backend.LOCAL,
                        SandboxOptions.Accel.AUTO,
                        512,
                        1,
                        new SandboxOptions.Network(SandboxOptions.Network.Mode.OFF, List.of()),
                        Map.of(),
                        List.of(),
                        1000))
                .build();
        assertThat(run(Pipeline.named("no-net", offline)).error())
                .get()
                .asString()
                .contains("the box has no network (sandbox.network is off)");
    }
}
