package io.voidbox.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs every example through the real CLI entry point with the real Claude Code CLI against the
 * scripted model, on the local sandbox, and checks the event stream a user would see.
 */
class ExamplesEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    static Path examples() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.isDirectory(p.resolve("examples"))) p = p.getParent();
        assertThat(p).as("repository root with examples/").isNotNull();
        return p.resolve("examples");
    }

    private List<JsonNode> run(String example) throws IOException {
        Path events = tmp.resolve("events.jsonl");
        int exit = VoidboxCommand.execute(
                "run",
                "--file",
                examples().resolve(example).toString(),
                "--events",
                events.toString(),
                "--backend",
                "local");
        List<JsonNode> list = Files.readAllLines(events).stream()
                .map(l -> {
                    try {
                        return JSON.readTree(l);
                    } catch (IOException e) {
                        throw new AssertionError("event line is not JSON: " + l, e);
                    }
                })
                .toList();
        assertThat(exit).as("exit code; events: %s", types(list)).isZero();
        return list;
    }

    private static List<String> types(List<JsonNode> events) {
        return events.stream()
                .map(e -> e.path("type").asText())
                .filter(t -> !t.equals("log") && !t.equals("guest.telemetry"))
                .toList();
    }

    private static List<JsonNode> ofType(List<JsonNode> events, String type) {
        return events.stream().filter(e -> e.path("type").asText().equals(type)).toList();
    }

    /** The contract every example run must satisfy, whatever its shape. */
    private static void assertCompleteRun(List<JsonNode> events, List<String> boxes) {
        assertThat(events.getFirst().path("type").asText()).isEqualTo("run.started");
        assertThat(events.getLast().path("type").asText()).isEqualTo("run.completed");
        assertThat(ofType(events, "stage.started"))
                .extracting(e -> e.path("box").asText())
                .containsExactlyInAnyOrderElementsOf(boxes);
        assertThat(ofType(events, "stage.completed"))
                .extracting(e -> e.path("box").asText())
                .containsExactlyInAnyOrderElementsOf(boxes);
        assertThat(ofType(events, "box.ready")).hasSize(boxes.size());
        assertThat(ofType(events, "box.stopped")).hasSize(boxes.size());
        // every tool call has exactly one result, from real execution, in the same box
        Map<String, JsonNode> calls = ofType(events, "agent.tool_call").stream()
                .collect(Collectors.toMap(e -> e.path("tool_use_id").asText(), e -> e));
        List<JsonNode> results = ofType(events, "agent.tool_result");
        assertThat(calls).isNotEmpty();
        assertThat(results)
                .extracting(e -> e.path("tool_use_id").asText())
                .containsExactlyInAnyOrderElementsOf(calls.keySet());
        for (JsonNode r : results) {
            JsonNode call = calls.get(r.path("tool_use_id").asText());
            assertThat(r.path("box").asText()).isEqualTo(call.path("box").asText());
            assertThat(r.path("tool").asText()).isEqualTo(call.path("tool").asText());
            assertThat(r.path("is_error").asBoolean()).as("tool result %s", r).isFalse();
        }
        for (JsonNode a : ofType(events, "agent.result")) {
            assertThat(a.path("input_tokens").asLong()).isPositive();
            assertThat(a.path("output_tokens").asLong()).isPositive();
            assertThat(a.path("cost_usd").asDouble()).isPositive();
            assertThat(a.path("is_error").asBoolean()).isFalse();
        }
        assertThat(ofType(events, "agent.result")).hasSize(boxes.size());
        assertThat(ofType(events, "guest.telemetry"))
                .extracting(e -> e.path("box").asText())
                .isSubsetOf(boxes);
        for (JsonNode log : ofType(events, "log"))
            assertThat(log.path("vm").asText()).isIn(boxes);
    }

    private static String bashOutputs(List<JsonNode> events, String box) {
        return ofType(events, "agent.tool_result").stream()
                .filter(e -> e.path("box").asText().equals(box)
                        && e.path("tool").asText().equals("Bash"))
                .map(e -> e.path("output").asText())
                .collect(Collectors.joining("\n"));
    }

    @Test
    void singleAgentExampleRunsRealToolsInItsWorkspace() throws IOException {
        List<JsonNode> events = run("single-agent/agent.yaml");
        String box = ofType(events, "stage.started").getFirst().path("box").asText();
        assertCompleteRun(events, List.of(box));
        assertThat(ofType(events, "agent.tool_call"))
                .extracting(e -> e.path("tool").asText())
                .contains("Bash", "Write", "Read");
        // local sandbox: the Bash tool really ran on this host
        assertThat(bashOutputs(events, box)).contains(System.getProperty("os.version"));
    }

    @Test
    void codexExampleRunsTheRealCodexCliWithItsOwnTools() throws IOException {
        List<JsonNode> events = run("codex/pipeline.yaml");
        assertCompleteRun(events, List.of("inspect"));
        assertThat(ofType(events, "agent.tool_call"))
                .extracting(e -> e.path("tool").asText())
                .containsExactly("command_execution", "file_change", "command_execution");
        JsonNode result = ofType(events, "agent.result").getFirst();
        assertThat(result.path("agent").asText()).isEqualTo("codex");
        assertThat(result.path("usage_estimated").asBoolean())
                .as("Codex reports no cost")
                .isTrue();
        assertThat(ofType(events, "agent.tool_result").getLast().path("output").asText())
                .contains("- kernel: Linux " + System.getProperty("os.version"));
    }

    @Test
    void mixedExampleHandsClaudeCodesOutputToCodex() throws IOException {
        List<JsonNode> events = run("mixed/pipeline.yaml");
        assertCompleteRun(events, List.of("prepare", "review"));
        assertThat(ofType(events, "agent.result"))
                .extracting(e -> e.path("box").asText() + ":" + e.path("agent").asText())
                .containsExactly("prepare:claude", "review:codex");
        // the review box read the script Claude Code wrote, from its own input.json
        assertThat(ofType(events, "agent.tool_result").stream()
                        .filter(e -> e.path("box").asText().equals("review"))
                        .findFirst()
                        .orElseThrow()
                        .path("output")
                        .asText())
                .contains("count-lines.sh DIR: the line count of every file in DIR");
    }

    @Test
    void sequentialExamplePassesEachStagesOutputToTheNext() throws IOException {
        List<JsonNode> events = run("sequential/pipeline.yaml");
        assertCompleteRun(events, List.of("collect", "analyze", "report"));
        assertThat(ofType(events, "stage.started"))
                .extracting(e -> e.path("box").asText())
                .containsExactly("collect", "analyze", "report");
        // the second stage read the first stage's output file from its own input.json
        assertThat(ofType(events, "agent.tool_result").stream()
                        .filter(e -> e.path("box").asText().equals("analyze"))
                        .map(e -> e.path("output").asText())
                        .collect(Collectors.joining()))
                .contains("services");
    }

    @Test
    void fanOutExampleRunsBranchesAtTheSameTimeAndMergesInDeclarationOrder() throws IOException {
        List<JsonNode> events = run("fan-out/pipeline.yaml");
        List<String> branches = List.of("stats", "lint", "summary");
        assertCompleteRun(events, List.of("prepare", "stats", "lint", "summary", "merge"));
        Instant lastBranchStart = ofType(events, "stage.started").stream()
                .filter(e -> branches.contains(e.path("box").asText()))
                .map(e -> Instant.parse(e.path("ts").asText()))
                .max(Instant::compareTo)
                .orElseThrow();
        Instant firstBranchEnd = ofType(events, "stage.completed").stream()
                .filter(e -> branches.contains(e.path("box").asText()))
                .map(e -> Instant.parse(e.path("ts").asText()))
                .min(Instant::compareTo)
                .orElseThrow();
        assertThat(lastBranchStart)
                .as("all branches started before the first one completed")
                .isBefore(firstBranchEnd);
        String mergeInput = ofType(events, "agent.tool_result").stream()
                .filter(e -> e.path("box").asText().equals("merge"))
                .map(e -> e.path("output").asText())
                .collect(Collectors.joining());
        assertThat(mergeInput).contains("stats").contains("lint").contains("summary");
        assertThat(mergeInput.indexOf("stats")).isLessThan(mergeInput.indexOf("lint"));
        Set<String> telemetryBoxes = ofType(events, "guest.telemetry").stream()
                .map(e -> e.path("box").asText())
                .collect(Collectors.toSet());
        assertThat(telemetryBoxes).isNotEmpty();
    }
}
