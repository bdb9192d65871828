package io.voidbox.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.voidbox.AgentOptions.Runner;
import io.voidbox.Box;
import io.voidbox.LlmConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** The shipped examples are documentation: they must always validate. */
class ExamplesTest {

    /** The tools each agent CLI really runs, by the names its scenarios use. */
    private static final Map<Runner, Set<String>> REAL_TOOLS = Map.of(
            Runner.CLAUDE_CODE, Set.of("Bash", "Write", "Read"),
            Runner.CODEX, Set.of("exec_command", "apply_patch"));

    /** {@code examples/} of the repository, found by walking up from the working directory. */
    static Path examplesDir() {
        Path dir = Path.of("").toAbsolutePath();
        for (int i = 0; i < 10 && dir != null; i++, dir = dir.getParent()) {
            if (Files.isDirectory(dir.resolve("examples"))) {
                return dir.resolve("examples");
            }
        }
        return fail("no examples/ directory above " + Path.of("").toAbsolutePath());
    }

    /** Spec files: the YAML/JSON files directly inside each example's directory. */
    static List<Path> specFiles() throws IOException {
        List<Path> specs = new ArrayList<>();
        try (Stream<Path> examples = Files.list(examplesDir())) {
            for (Path example : examples.filter(Files::isDirectory).sorted().toList()) {
                try (Stream<Path> files = Files.list(example)) {
                    files.filter(f -> f.toString().matches(".*\\.(ya?ml|json)"))
                            .sorted()
                            .forEach(specs::add);
                }
            }
        }
        return specs;
    }

    @TestFactory
    Stream<DynamicTest> everyExampleValidates() throws IOException {
        List<Path> specs = specFiles();
        assertThat(specs).hasSizeGreaterThanOrEqualTo(3);
        return specs.stream()
                .map(file ->
                        DynamicTest.dynamicTest(examplesDir().relativize(file).toString(), () -> {
                            PipelineSpec spec = SpecLoader.load(file);
                            for (Box box : spec.boxes()) {
                                assertThat(box.llm().provider()).as(box.name()).contains(LlmConfig.Provider.SCRIPTED);
                                assertThat(box.timeout()).as(box.name()).isEqualTo(Duration.ofSeconds(300));
                                assertWellFormedScenario(
                                        box.llm().scenario().orElseThrow(),
                                        REAL_TOOLS.get(box.agent().runner()));
                            }
                        }));
    }

    @Test
    void examplesHaveTheDocumentedShape() throws Exception {
        Path examples = examplesDir();
        PipelineSpec single = SpecLoader.load(examples.resolve("single-agent/agent.yaml"));
        assertThat(single.kind()).isEqualTo(PipelineSpec.Kind.AGENT);
        assertThat(StageNames.of(single)).containsExactly("box single-agent");

        PipelineSpec sequential = SpecLoader.load(examples.resolve("sequential/pipeline.yaml"));
        assertThat(StageNames.of(sequential)).containsExactly("box collect", "box analyze", "box report");

        PipelineSpec fanOut = SpecLoader.load(examples.resolve("fan-out/pipeline.yaml"));
        assertThat(StageNames.of(fanOut)).containsExactly("box prepare", "fan_out stats, lint, summary", "box merge");
        assertThat(fanOut.box("merge").orElseThrow().outputFile()).contains("review.md");

        PipelineSpec codex = SpecLoader.load(examples.resolve("codex/pipeline.yaml"));
        assertThat(StageNames.of(codex)).containsExactly("box inspect");
        assertThat(codex.box("inspect").orElseThrow().agent().runner()).isEqualTo(Runner.CODEX);

        PipelineSpec mixed = SpecLoader.load(examples.resolve("mixed/pipeline.yaml"));
        assertThat(StageNames.of(mixed)).containsExactly("box prepare", "box review");
        assertThat(mixed.box("prepare").orElseThrow().agent().runner()).isEqualTo(Runner.CLAUDE_CODE);
        assertThat(mixed.box("review").orElseThrow().agent().runner()).isEqualTo(Runner.CODEX);
    }

    /** A light check of the scripted-model format; the scripted server owns the full one. */
    private static void assertWellFormedScenario(Path scenario, Set<String> realTools) throws IOException {
        JsonNode root = new ObjectMapper(new YAMLFactory()).readTree(scenario.toFile());
        JsonNode turns = root.path("turns");
        assertThat(turns.isArray() && !turns.isEmpty()).as(scenario + ": turns").isTrue();
        int last = turns.size() - 1;
        for (int i = 0; i <= last; i++) {
            JsonNode turn = turns.get(i);
            String where = scenario + " turn " + i;
            assertThat(turn.path("usage").path("input_tokens").asInt())
                    .as(where + " usage.input_tokens")
                    .isPositive();
            assertThat(turn.path("usage").path("output_tokens").asInt())
                    .as(where + " usage.output_tokens")
                    .isPositive();
            JsonNode tools = turn.path("tool_use");
            if (i == last) {
                assertThat(tools.isMissingNode())
                        .as(where + ": the last turn ends the conversation with text only")
                        .isTrue();
                assertThat(turn.path("text").asText()).as(where + " text").isNotBlank();
            } else {
                assertThat(tools.isArray() && !tools.isEmpty())
                        .as(where + ": tool_use")
                        .isTrue();
                for (JsonNode tool : tools) {
                    assertThat(tool.path("name").asText()).as(where + " tool").isIn(realTools);
                    assertThat(tool.path("input").isObject())
                            .as(where + " tool input")
                            .isTrue();
                }
            }
        }
    }
}
