package io.voidbox.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.voidbox.spec.SpecException;
import io.voidbox.spec.SpecLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code kind: workflow} through the command line, on the local backend with real processes. */
class WorkflowCliTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private Map<String, String> env() {
        return CliRun.cleanEnv(tmp.resolve("config-home"));
    }

    private Path spec(String yaml) throws IOException {
        return Files.writeString(tmp.resolve("workflow.yaml"), yaml);
    }

    @Test
    void voidBoxsOwnWorkflowSpecPrintsItsOutputAndExitsZero() {
        Path spec = CliRun.compat().resolve("specs/workflow.yaml");
        // runs unchanged once the spec superset accepts sandbox.mode; until then that is its only error
        try {
            SpecLoader.loadSpec(spec);
        } catch (SpecException e) {
            assumeFalse(
                    e.errors().size() == 1
                            && e.errors().getFirst().path().equals("sandbox.mode")
                            && e.errors().getFirst().message().startsWith("unknown field"),
                    "sandbox.mode is not accepted on this branch yet: " + e.getMessage());
        }
        CliRun r = CliRun.of(env(), "run", "--file", spec.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("HELLO FROM WORKFLOW\n");
    }

    @Test
    void theSameWorkflowOnTheLocalBackendPrintsHelloFromWorkflowAndItsSteps() throws IOException {
        String yaml = Files.readString(CliRun.compat().resolve("specs/workflow.yaml"))
                .replace("  mode: mock\n", "  backend: local\n");
        CliRun r = CliRun.of(env(), "run", "--file", spec(yaml).toString());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("HELLO FROM WORKFLOW\n");
        assertThat(r.err())
                .contains("voidbox: run ")
                .contains(" of workflow quick-workflow (2 steps)")
                .contains("[vm:quick-workflow] booting (local)")
                .contains("[vm:transform] run tr a-z A-Z (stdin: 20 bytes from step fetch)")
                .contains("[vm:transform] step completed in ");
    }

    @Test
    void outputJsonIsTheWholeResultOnStdout() throws IOException {
        Path spec = spec("""
                api_version: v1
                kind: workflow
                name: json-out
                sandbox: {backend: local}
                workflow:
                  steps:
                    - {name: a, run: {program: echo, args: [one]}}
                    - {name: b, run: {program: echo, args: [two]}}
                    - {name: both, depends_on: [a, b], run: {program: sh, args: ["-c", "cat; echo three"]}}
                """);
        CliRun r = CliRun.of(env(), "run", "--file", spec.toString(), "--output", "json");
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode result = JSON.readTree(r.out());
        assertThat(result.path("kind").asText()).isEqualTo("workflow");
        assertThat(result.path("name").asText()).isEqualTo("json-out");
        assertThat(result.path("success").asBoolean()).isTrue();
        assertThat(result.path("run_id").asText()).matches("[0-9a-f]{16}");
        assertThat(result.path("final_output").asText()).isEqualTo("one\nthree");
        assertThat(result.path("stages").findValuesAsText("name")).containsExactly("a", "b", "both");
        assertThat(result.path("stages").findValuesAsText("status")).containsOnly("ok");
        assertThat(result.path("stages").get(2).path("stage_index").asInt()).isEqualTo(1);
        assertThat(result.path("stages").get(0).path("backend").asText()).isEqualTo("local");
        assertThat(result.path("stages").get(0).path("usage").has("input_tokens"))
                .isTrue();
    }

    @Test
    void aFailingStepExitsOneAndCancelsTheStepStillRunning() throws IOException {
        Path spec = spec("""
                api_version: v1
                kind: workflow
                name: failing
                sandbox: {backend: local}
                workflow:
                  steps:
                    - name: slow
                      run: {program: sleep, args: ["60"]}
                    - name: broken
                      run: {program: sh, args: ["-c", "echo 'no such table' >&2; exit 4"]}
                    - name: never
                      depends_on: [broken]
                      run: {program: echo, args: [never]}
                """);
        long t0 = System.nanoTime();
        CliRun r = CliRun.of(env(), "run", "--file", spec.toString(), "--output", "json");
        assertThat((System.nanoTime() - t0) / 1_000_000_000).isLessThan(30);
        assertThat(r.exit()).isEqualTo(1);
        JsonNode result = JSON.readTree(r.out());
        assertThat(result.path("success").asBoolean()).isFalse();
        assertThat(result.path("error").asText()).isEqualTo("step broken failed: sh exited with code 4: no such table");
        assertThat(result.path("final_output").asText()).isEmpty();
        JsonNode stages = result.path("stages");
        assertThat(stages.findValuesAsText("name")).containsExactly("slow", "broken");
        assertThat(stages.get(0).path("status").asText()).isEqualTo("cancelled");
        assertThat(stages.get(0).path("error").asText()).isEqualTo("cancelled because step broken failed");
        assertThat(stages.get(1).path("status").asText()).isEqualTo("failed");
        assertThat(stages.get(1).path("error_type").asText()).isEqualTo("exit_code");
        assertThat(r.err()).contains("[vm:broken] no such table").doesNotContain("[vm:never]");
    }

    @Test
    void aCycleIsBadInputWithItsLine() throws IOException {
        Path spec = spec("""
                api_version: v1
                kind: workflow
                name: cyclic
                workflow:
                  steps:
                    - {name: a, depends_on: [b], run: {program: "true"}}
                    - {name: b, depends_on: [a], run: {program: "true"}}
                """);
        CliRun r = CliRun.of(env(), "run", "--file", spec.toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains(spec + ":6:30: workflow.steps[0].depends_on[0]: dependency cycle: a -> b -> a");
        assertThat(CliRun.of(env(), "validate", "--file", spec.toString()).exit())
                .isEqualTo(2);
    }

    @Test
    void eventsOnStdoutAndJsonOnStdoutCannotBeCombined() throws IOException {
        Path spec = spec("""
                api_version: v1
                kind: workflow
                name: w
                workflow: {steps: [{name: a, run: {program: "true"}}]}
                """);
        CliRun r = CliRun.of(env(), "run", "--file", spec.toString(), "--events", "-", "--output", "json");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("--events - and --output json both write to stdout");
    }

    @Test
    void theEventsOfAWorkflowTraceAsWorkflowAndStepSpans() throws IOException {
        Path spec = spec("""
                api_version: v1
                kind: workflow
                name: traced
                sandbox: {backend: local}
                workflow:
                  steps:
                    - {name: one, run: {program: echo, args: [1]}}
                    - {name: two, depends_on: [one], run: {program: cat}}
                """);
        Path events = tmp.resolve("events.jsonl");
        assertThat(CliRun.of(env(), "run", "--file", spec.toString(), "--events", events.toString())
                        .exit())
                .isZero();
        JsonNode started = JSON.readTree(Files.readAllLines(events).getFirst());
        assertThat(started.path("type").asText()).isEqualTo("run.started");
        assertThat(started.path("kind").asText()).isEqualTo("workflow");
        CliRun trace = CliRun.of(env(), "trace", "--events", events.toString());
        assertThat(trace.exit()).isZero();
        assertThat(trace.out().lines().map(String::strip).map(l -> l.split("\\s+")[0]))
                .containsExactly("workflow:traced", "step:one", "step:two");
    }

    @Test
    void logDirGetsOneFilePerBoxOfTheRun() throws IOException {
        Path spec = spec("""
                api_version: v1
                kind: workflow
                name: logged
                sandbox: {backend: local}
                workflow:
                  steps:
                    - {name: hello, run: {program: echo, args: [hello world]}}
                """);
        Path logs = tmp.resolve("logs");
        CliRun r = CliRun.of(env(), "run", "--file", spec.toString(), "--log-dir", logs.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        List<Path> runs;
        try (var dirs = Files.list(logs)) {
            runs = dirs.toList();
        }
        assertThat(runs).singleElement();
        assertThat(r.err()).contains("voidbox: box logs in " + runs.getFirst());
        assertThat(Files.readString(runs.getFirst().resolve("hello.log")))
                .containsPattern("(?m)^\\d{4}-\\d\\d-\\d\\dT[0-9:.]+Z \\[runtime\\] stage started$")
                .contains("[runtime] run echo hello world")
                .contains("[stdout] hello world")
                .contains("[runtime] stage completed in ");
        assertThat(Files.readString(runs.getFirst().resolve("logged.log")))
                .contains("[runtime] booting (local)")
                .contains("[runtime] stopped (closed)");
    }
}
