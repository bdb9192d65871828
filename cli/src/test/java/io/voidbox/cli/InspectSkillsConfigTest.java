package io.voidbox.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.voidbox.spec.UserConfig;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The commands a VoidBox user reaches for besides run: inspect, skills, config, and the logging options. */
class InspectSkillsConfigTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final YAMLMapper YAML = new YAMLMapper();

    @TempDir
    Path tmp;

    private Map<String, String> env() {
        return CliRun.cleanEnv(tmp.resolve("config-home"));
    }

    private Path configFile() {
        return tmp.resolve("config-home/voidbox/config.yaml");
    }

    private Path pipeline() throws IOException {
        Files.createDirectories(tmp.resolve("skills/review"));
        Files.writeString(tmp.resolve("skills/review/SKILL.md"), "# review\n");
        Files.writeString(tmp.resolve("skills/summarize.md"), "# summarize\n");
        Files.writeString(tmp.resolve("s.yaml"), "turns: [{text: done}]\n");
        return Files.writeString(tmp.resolve("pipeline.yaml"), """
                api_version: v1
                kind: pipeline
                name: reviewed
                llm: {provider: scripted, scenario: s.yaml}
                sandbox:
                  memory_mb: 2048
                  env: {API_TOKEN: secret-value}
                pipeline:
                  boxes:
                    - name: review
                      prompt: review it
                      skills: [skills/review, skills/summarize.md, careful-reading]
                    - name: report
                      prompt: report it
                      timeout_secs: 120
                      sandbox: {vcpus: 2}
                """);
    }

    @Test
    void inspectShowsTheResolvedSpecWithEveryDefaultAsYamlOrJson() throws IOException {
        Path spec = pipeline();
        CliRun yaml = CliRun.of(env(), "inspect", "--file", spec.toString());
        assertThat(yaml.exit()).as(yaml.err()).isZero();
        JsonNode y = YAML.readTree(yaml.out());
        CliRun json = CliRun.of(env(), "inspect", "--file", spec.toString(), "--output", "json");
        assertThat(json.exit()).isZero();
        JsonNode j = JSON.readTree(json.out());
        assertThat(j).isEqualTo(y);

        assertThat(j.path("kind").asText()).isEqualTo("pipeline");
        assertThat(j.path("file").asText()).isEqualTo(spec.toAbsolutePath().toString());
        assertThat(j.path("pipeline").path("stages").findValuesAsText("name")).containsExactly("review", "report");
        JsonNode review = j.path("pipeline").path("boxes").get(0);
        JsonNode report = j.path("pipeline").path("boxes").get(1);
        // defaults filled in
        assertThat(review.path("timeout_secs").asLong()).isEqualTo(600);
        assertThat(review.path("sandbox").path("backend").asText()).isEqualTo("auto");
        assertThat(review.path("sandbox").path("vcpus").asInt()).isEqualTo(1);
        assertThat(review.path("sandbox").path("telemetry_interval_ms").asLong())
                .isEqualTo(1000);
        assertThat(review.path("agent").path("runner").asText()).isEqualTo("claude-code");
        // merged from the top level, overridden per box
        assertThat(review.path("sandbox").path("memory_mb").asInt()).isEqualTo(2048);
        assertThat(report.path("sandbox").path("vcpus").asInt()).isEqualTo(2);
        assertThat(report.path("timeout_secs").asLong()).isEqualTo(120);
        assertThat(report.path("llm").path("provider").asText()).isEqualTo("scripted");
        assertThat(report.path("llm").path("scenario").asText())
                .isEqualTo(tmp.resolve("s.yaml").toAbsolutePath().toString());
        // environment values may be host secrets: names only
        assertThat(review.path("sandbox").path("env").path("API_TOKEN").asText())
                .isEqualTo("***");
        assertThat(json.out()).doesNotContain("secret-value");
        assertThat(yaml.out()).doesNotContain("secret-value");
    }

    @Test
    void inspectOfAWorkflowHasTheSpecsOwnShape() throws IOException {
        Path spec = Files.writeString(tmp.resolve("wf.yaml"), """
                api_version: v1
                kind: workflow
                name: wf
                workflow:
                  steps:
                    - {name: fetch, run: {program: echo, args: [hi]}}
                    - {name: up, depends_on: [fetch], run: {program: tr, args: [a-z, A-Z], stdin_from: fetch}}
                """);
        CliRun r = CliRun.of(env(), "inspect", "--file", spec.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode y = YAML.readTree(r.out());
        assertThat(y.path("kind").asText()).isEqualTo("workflow");
        assertThat(y.path("sandbox").path("memory_mb").asInt()).isEqualTo(1024);
        assertThat(y.path("workflow").path("output_step").asText()).isEqualTo("up");
        JsonNode up = y.path("workflow").path("steps").get(1);
        assertThat(up.path("run").path("program").asText()).isEqualTo("tr");
        assertThat(up.path("run").path("stdin_from").asText()).isEqualTo("fetch");
        assertThat(up.path("timeout_secs").asLong()).isEqualTo(600);
    }

    @Test
    void inspectOfABadSpecIsBadInputWithEveryError() throws IOException {
        Path spec = Files.writeString(tmp.resolve("bad.yaml"), "api_version: v1\nkind: pipeline\n");
        CliRun r = CliRun.of(env(), "inspect", "--file", spec.toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains(spec + ":1:1: name: missing");
    }

    @Test
    void skillsListsEveryBoxsSkillsAndWhereEachComesFrom() throws IOException {
        Path spec = pipeline();
        CliRun human = CliRun.of(env(), "skills", "--file", spec.toString());
        assertThat(human.exit()).as(human.err()).isZero();
        assertThat(human.out().lines().toList()).hasSize(4).satisfies(lines -> {
            assertThat(lines.get(0)).startsWith("BOX").contains("SKILL").contains("SOURCE");
            assertThat(lines.get(1)).startsWith("review").contains("review").contains("directory");
            assertThat(lines.get(2)).contains("summarize").contains("file");
            assertThat(lines.get(3)).contains("careful-reading").contains("name");
        });
        CliRun json = CliRun.of(env(), "skills", "--file", spec.toString(), "--output", "json");
        JsonNode skills = JSON.readTree(json.out()).path("skills");
        assertThat(skills.findValuesAsText("source")).containsExactly("directory", "file", "name");
        assertThat(skills.get(0).path("detail").asText())
                .isEqualTo(tmp.resolve("skills/review").toAbsolutePath() + " -> .claude/skills/review");
        assertThat(skills.get(1).path("detail").asText()).endsWith(" -> .claude/skills/summarize/SKILL.md");
        assertThat(skills.findValuesAsText("box")).containsOnly("review");
    }

    @Test
    void configInitWritesAValidTemplateOnceAndValidateShowsWhatApplies() throws IOException {
        CliRun init = CliRun.of(env(), "config", "init");
        assertThat(init.exit()).as(init.err()).isZero();
        assertThat(init.out()).isEqualTo("wrote " + configFile() + "\n");
        assertThat(Files.readString(configFile())).isEqualTo(UserConfig.template());
        CliRun again = CliRun.of(env(), "config", "init");
        assertThat(again.exit()).isEqualTo(2);
        assertThat(again.err()).contains("already exists");

        Files.writeString(configFile(), """
                log_level: info
                paths: {log_dir: logs}
                sandbox: {backend: local, memory_mb: 512}
                llm: {provider: ollama, model: qwen3-coder}
                """);
        CliRun v = CliRun.of(env(), "config", "validate", "--output", "json");
        assertThat(v.exit()).as(v.err()).isZero();
        JsonNode c = JSON.readTree(v.out());
        assertThat(c.path("file").asText()).isEqualTo(configFile().toString());
        assertThat(c.path("exists").asBoolean()).isTrue();
        assertThat(c.path("log_level").asText()).isEqualTo("info");
        assertThat(c.path("log_dir").asText())
                .isEqualTo(configFile().getParent().resolve("logs").toString());
        assertThat(c.path("sandbox").path("backend").asText()).isEqualTo("local");
        assertThat(c.path("sandbox").path("memory_mb").asInt()).isEqualTo(512);
        assertThat(c.path("sandbox").path("vcpus").asInt()).isEqualTo(1); // built-in default
        assertThat(c.path("llm").path("model").asText()).isEqualTo("qwen3-coder");
        // the environment and the flags win over the file
        Map<String, String> env = env();
        env.put("VOIDBOX_LOG_LEVEL", "debug");
        assertThat(JSON.readTree(CliRun.of(env, "config", "validate", "--output", "json")
                                .out())
                        .path("log_level")
                        .asText())
                .isEqualTo("debug");
        assertThat(JSON.readTree(CliRun.of(env, "config", "validate", "--output", "json", "--log-level", "error")
                                .out())
                        .path("log_level")
                        .asText())
                .isEqualTo("error");
    }

    @Test
    void aBrokenConfigIsReportedWithItsLinesAndStopsRunsAsBadInput() throws IOException {
        Files.createDirectories(configFile().getParent());
        Files.writeString(configFile(), "sandbox: {backend: cloud}\nbanner: false\n");
        CliRun v = CliRun.of(env(), "config", "validate");
        assertThat(v.exit()).isEqualTo(2);
        assertThat(v.err())
                .contains(configFile()
                        + ":1:20: sandbox.backend: invalid value 'cloud' (expected one of: auto, vm, local, namespace)")
                .contains(configFile() + ":2:1: banner: not supported yet (the command prints no banner)");
        CliRun run = CliRun.of(env(), "run", "--file", pipeline().toString());
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).contains("sandbox.backend: invalid value 'cloud'");
    }

    @Test
    void withoutAConfigValidateSaysSoAndShowsTheBuiltInDefaults() throws IOException {
        CliRun v = CliRun.of(env(), "config", "validate");
        assertThat(v.exit()).as(v.err()).isZero();
        JsonNode c = YAML.readTree(v.out());
        assertThat(c.path("exists").asBoolean()).isFalse();
        assertThat(c.path("log_level").asText()).isEqualTo("warn");
        assertThat(c.path("sandbox").path("backend").asText()).isEqualTo("auto");
    }

    @Test
    void theConfigIsTheLowestLayerUnderEverySpec() throws IOException {
        Files.createDirectories(configFile().getParent());
        Files.writeString(configFile(), "sandbox: {backend: local, memory_mb: 512, vcpus: 3}\n");
        CliRun r = CliRun.of(env(), "inspect", "--file", pipeline().toString(), "--output", "json");
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode j = JSON.readTree(r.out());
        assertThat(j.path("user_config").asText()).isEqualTo(configFile().toString());
        JsonNode review = j.path("pipeline").path("boxes").get(0).path("sandbox");
        assertThat(review.path("backend").asText()).isEqualTo("local"); // from the config
        assertThat(review.path("vcpus").asInt()).isEqualTo(3); // from the config
        assertThat(review.path("memory_mb").asInt()).isEqualTo(2048); // the spec wins
        assertThat(j.path("pipeline")
                        .path("boxes")
                        .get(1)
                        .path("sandbox")
                        .path("vcpus")
                        .asInt())
                .isEqualTo(2); // and a box's own setting too
    }

    @Test
    void aBadLogLevelIsBadInput() {
        CliRun r = CliRun.of(env(), "validate", "--file", "x.yaml", "--log-level", "loud");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("--log-level must be one of error, warn, info, debug, trace, off, was 'loud'");
    }

    @Test
    void logLevelSetsTheLibraryLoggingOfTheProcess() throws Exception {
        // a fresh JVM: the level is read when the first logger is made
        Path spec = Files.writeString(tmp.resolve("wf.yaml"), """
                api_version: v1
                kind: workflow
                name: leveled
                sandbox: {backend: local}
                workflow: {steps: [{name: a, run: {program: "true"}}]}
                """);
        String quiet = child(spec, "--log-level", "warn");
        String chatty = child(spec, "--log-level", "debug");
        assertThat(quiet).doesNotContain("DEBUG");
        assertThat(chatty).contains("DEBUG WorkflowEngine - workflow leveled: 1 steps in 1 levels");
    }

    private String child(Path spec, String... options) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                VoidboxCommand.class.getName(),
                "run",
                "--file",
                spec.toString()));
        cmd.addAll(List.of(options));
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectErrorStream(true);
        pb.environment().clear();
        pb.environment().putAll(env());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out;
    }
}
