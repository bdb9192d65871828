package io.voidbox.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.voidbox.Box;
import io.voidbox.SandboxOptions;
import io.voidbox.Workflow;
import io.voidbox.Workflow.Step;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code kind: workflow} as VoidBox writes it: resolved to a {@link Workflow}, every mistake at its line. */
class WorkflowSpecTest {
    @TempDir
    Path dir;

    private Spec parse(String yaml) throws SpecException {
        return SpecLoader.parseSpec(yaml, "wf.yaml", dir);
    }

    private List<SpecError> errors(String yaml) {
        SpecException e = catchThrowableOfType(SpecException.class, () -> parse(yaml));
        assertThat(e).as("expected the spec to be rejected").isNotNull();
        return e.errors();
    }

    private static SpecError error(String path, String message, int line, int column) {
        return new SpecError(path, message, line, column);
    }

    @Test
    void voidBoxWorkflowResolvesWithItsStepsAndTheSpecsSandbox() throws SpecException {
        Spec spec = parse("""
                api_version: v1
                kind: workflow
                name: quick-workflow
                sandbox:
                  memory_mb: 256
                  vcpus: 1
                  network: false
                workflow:
                  steps:
                    - name: fetch
                      run:
                        program: echo
                        args: ["hello from workflow", "", 5]
                    - name: transform
                      depends_on: [fetch]
                      timeout_secs: 30
                      run:
                        program: tr
                        args: ["a-z", "A-Z"]
                        stdin_from: fetch
                  output_step: transform
                """);
        assertThat(spec).isInstanceOfSatisfying(WorkflowSpec.class, w -> {
            assertThat(w.kind()).isEqualTo(PipelineSpec.Kind.WORKFLOW);
            assertThat(w.name()).isEqualTo("quick-workflow");
            Workflow wf = w.workflow();
            assertThat(wf.steps())
                    .containsExactly(
                            new Step(
                                    "fetch",
                                    "echo",
                                    List.of("hello from workflow", "", "5"),
                                    Optional.empty(),
                                    List.of(),
                                    Box.DEFAULT_TIMEOUT),
                            new Step(
                                    "transform",
                                    "tr",
                                    List.of("a-z", "A-Z"),
                                    Optional.of("fetch"),
                                    List.of("fetch"),
                                    Duration.ofSeconds(30)));
            assertThat(wf.finalStep()).isEqualTo("transform");
            assertThat(wf.sandbox().memoryMb()).isEqualTo(256);
            assertThat(wf.sandbox().network().mode()).isEqualTo(SandboxOptions.Network.Mode.RESTRICTED);
            assertThat(wf.sandbox().backend())
                    .isEqualTo(SandboxOptions.defaults().backend());
        });
    }

    @Test
    void loadForPipelinesSaysToUseLoadSpecForAWorkflow() {
        SpecException e = catchThrowableOfType(SpecException.class, () -> SpecLoader.parse("""
                api_version: v1
                kind: workflow
                name: w
                workflow:
                  steps: [{name: a, run: {program: "true"}}]
                """, "wf.yaml", dir));
        assertThat(e.getMessage()).contains("kind: is workflow").contains("SpecLoader.loadSpec");
    }

    @Test
    void aCycleIsAnErrorAtTheReferenceThatClosesIt() {
        assertThat(errors("""
                api_version: v1
                kind: workflow
                name: w
                workflow:
                  steps:
                    - name: a
                      depends_on: [c]
                      run: {program: "true"}
                    - name: b
                      depends_on: [a]
                      run: {program: "true"}
                    - name: c
                      run: {program: cat, stdin_from: b}
                """))
                .containsExactly(error(
                        "workflow.steps[0].depends_on[0]",
                        "dependency cycle: a -> c -> b -> a (each step depends on the next)",
                        7,
                        20));
    }

    @Test
    void unknownAndSelfReferencesAreErrorsNamingTheKnownSteps() {
        assertThat(errors("""
                api_version: v1
                kind: workflow
                name: w
                workflow:
                  steps:
                    - name: a
                      depends_on: [a]
                      run: {program: "true", stdin_from: nope}
                  output_step: zz
                """))
                .containsExactly(
                        error("workflow.steps[0].depends_on[0]", "a step cannot depend on itself", 7, 20),
                        error("workflow.steps[0].run.stdin_from", "unknown step 'nope' (steps: a)", 8, 42),
                        error("workflow.output_step", "unknown step 'zz' (steps: a)", 9, 16));
    }

    @Test
    void stepShapeErrorsAreAllReported() {
        assertThat(errors("""
                api_version: v1
                kind: workflow
                name: w
                workflow:
                  steps:
                    - name: a
                      run: {args: [1, {a: b}]}
                      retries: 3
                    - name: a
                      run: {program: "true"}
                    - name: service
                      mode: service
                      run: {program: sleep}
                """))
                .containsExactly(
                        error("workflow.steps[0].run.program", "missing", 7, 12),
                        error("workflow.steps[0].run.args[1]", "expected a string, got a mapping", 7, 23),
                        error(
                                "workflow.steps[0].retries",
                                "unknown field 'retries' (allowed: name, run, depends_on, timeout_secs, mode)",
                                8,
                                7),
                        error(
                                "workflow.steps[2].mode",
                                "not supported yet (a 'service' step runs until it is stopped; this runtime runs"
                                        + " every step to completion)",
                                12,
                                13));
    }

    @Test
    void duplicateStepNamesAndEmptyStepsAreErrors() {
        assertThat(errors("""
                api_version: v1
                kind: workflow
                name: w
                workflow:
                  steps:
                    - {name: a, run: {program: "true"}}
                    - {name: a, run: {program: "false"}}
                """))
                .containsExactly(
                        error("workflow.steps[1].name", "duplicate step name 'a' (also workflow.steps[0])", 7, 14));
        assertThat(errors("""
                api_version: v1
                kind: workflow
                name: w
                workflow: {steps: []}
                """)).containsExactly(error("workflow.steps", "must contain at least one step", 4, 19));
    }

    @Test
    void aWorkflowFileMayNotCarryAPipelineAndViceVersa() {
        assertThat(errors("""
                api_version: v1
                kind: workflow
                name: w
                pipeline: {boxes: []}
                """))
                .containsExactly(
                        error("workflow", "missing", 1, 1),
                        error("pipeline", "not allowed when kind is workflow (use 'workflow')", 4, 1));
        assertThat(errors("""
                api_version: v1
                kind: agent
                name: a
                agent: {prompt: hi}
                workflow: {steps: []}
                """))
                .containsExactly(error("workflow", "not allowed when kind is agent (use 'agent')", 5, 1));
    }
}
