package io.voidbox.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.voidbox.AgentOptions;
import io.voidbox.AgentOptions.Runner;
import io.voidbox.Box;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code runner:} picks a box's agent CLI: top level for every box, a box's own value wins. */
class RunnerFieldTest {
    @TempDir
    Path dir;

    private Runner runnerOf(PipelineSpec spec, String box) {
        return spec.box(box).map(Box::agent).map(AgentOptions::runner).orElseThrow();
    }

    @Test
    void boxesRunClaudeCodeUnlessTheSpecOrTheBoxSaysCodex() throws Exception {
        PipelineSpec plain = SpecLoader.parse("""
                api_version: v1
                kind: pipeline
                name: p
                pipeline:
                  boxes:
                    - {name: a, prompt: x}
                """, "spec.yaml", dir);
        PipelineSpec mixed = SpecLoader.parse("""
                api_version: v1
                kind: pipeline
                name: p
                runner: codex
                pipeline:
                  boxes:
                    - {name: prepare, prompt: x, runner: claude-code}
                    - {name: review, prompt: y}
                """, "spec.yaml", dir);
        PipelineSpec agent = SpecLoader.parse("""
                api_version: v1
                kind: agent
                name: solo
                runner: codex
                agent: {prompt: x}
                """, "spec.yaml", dir);

        assertThat(runnerOf(plain, "a")).isEqualTo(Runner.CLAUDE_CODE);
        assertThat(plain.box("a").orElseThrow().agent()).isEqualTo(AgentOptions.DEFAULTS);
        assertThat(runnerOf(mixed, "prepare")).isEqualTo(Runner.CLAUDE_CODE);
        assertThat(runnerOf(mixed, "review")).isEqualTo(Runner.CODEX);
        assertThat(runnerOf(agent, "solo")).isEqualTo(Runner.CODEX);
    }

    @Test
    void anUnknownRunnerIsReportedAtItsValueWithTheChoices() {
        SpecException e = catchThrowableOfType(SpecException.class, () -> SpecLoader.parse("""
                api_version: v1
                kind: pipeline
                name: p
                runner: gemini
                pipeline:
                  boxes:
                    - {name: a, prompt: x, runner: claude}
                """, "spec.yaml", dir));

        assertThat(e.errors())
                .containsExactly(
                        new SpecError("runner", "invalid value 'gemini' (expected one of: claude-code, codex)", 4, 9),
                        new SpecError(
                                "pipeline.boxes[0].runner",
                                "invalid value 'claude' (expected one of: claude-code, codex)",
                                7,
                                36));
    }
}
