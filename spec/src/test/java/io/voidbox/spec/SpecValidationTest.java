package io.voidbox.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.tuple;

import io.voidbox.LlmConfig;
import io.voidbox.SandboxOptions.Network;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One test per kind of mistake: each asserts path, message, line and column. */
class SpecValidationTest {

    @TempDir
    Path dir;

    private List<SpecError> errors(String content, String fileName) {
        SpecException e = catchThrowableOfType(SpecException.class, () -> SpecLoader.parse(content, fileName, dir));
        assertThat(e).as("expected the spec to be rejected").isNotNull();
        return e.errors();
    }

    private List<SpecError> errors(String yaml) {
        return errors(yaml, "spec.yaml");
    }

    private static SpecError error(String path, String message, int line, int column) {
        return new SpecError(path, message, line, column);
    }

    @Test
    void reportsEveryMissingTopLevelField() {
        assertThat(errors("""
                sandbox: {}
                """))
                .containsExactly(
                        error("api_version", "missing", 1, 1),
                        error("kind", "missing", 1, 1),
                        error("name", "missing", 1, 1));
    }

    @Test
    void reportsMissingAgentBlockAndPrompt() {
        assertThat(errors("""
                api_version: v1
                kind: agent
                name: a
                """)).containsExactly(error("agent", "missing", 1, 1));
        assertThat(errors("""
                api_version: v1
                kind: agent
                name: a
                agent:
                  timeout_secs: 10
                """)).containsExactly(error("agent.prompt", "missing", 5, 3));
    }

    @Test
    void reportsMissingBoxFieldsAtTheBox() {
        assertThat(errors("""
                api_version: v1
                kind: pipeline
                name: p
                pipeline:
                  boxes:
                    - name: ok
                      prompt: fine
                    - output_file: out.txt
                """))
                .containsExactly(
                        error("pipeline.boxes[1].name", "missing", 8, 7),
                        error("pipeline.boxes[1].prompt", "missing", 8, 7));
    }

    @Test
    void rejectsUnknownFieldsAtTheKey() {
        assertThat(errors("""
                api_version: v1
                kind: pipeline
                name: p
                pipeline:
                  boxes:
                    - name: a
                      prompt: x
                      promt: typo
                """))
                .containsExactly(error(
                        "pipeline.boxes[0].promt",
                        "unknown field 'promt' (allowed: name, prompt, skills, llm, timeout_secs, output_file, outputs,"
                                + " inputs, sandbox, agent, runner)",
                        8,
                        7));
        assertThat(errors("""
                api_version: v1
                kind: agent
                name: a
                colour: blue
                agent: {prompt: x}
                """))
                .containsExactly(error(
                        "colour",
                        "unknown field 'colour' (allowed: api_version, kind, name, sandbox, llm, observe, agent, pipeline,"
                                + " workflow, runner)",
                        4,
                        1));
    }

    @Test
    void networkTakesAModeOrABooleanAndAllowTakesHostPortWildcardAndRangeEntries() {
        String e = " (expected HOST:PORT, e.g. host:8080, api.example.org:443, *.example.org:443 or 10.1.0.0/16:5432)";
        assertThat(errors("""
                api_version: v1
                kind: agent
                name: a
                sandbox:
                  network: closed
                  allow: ["host:8080", "*.example.org:443", "10.1.0.0/16:5432", "api.github.com", "x:99999", 7,
                          "*foo.org:443", "a.*.org:443", "10.1.0.1/16:5432", "10.1.0.0/33:5432", "300.1.0.0/8:1",
                          "0.0.0.0/0:80"]
                agent:
                  prompt: x
                """))
                .extracting(SpecError::path, SpecError::message)
                .containsExactly(
                        tuple(
                                "sandbox.network",
                                "invalid value 'closed' (expected restricted, open, off, true = open or false ="
                                        + " restricted)"),
                        tuple("sandbox.allow[3]", "'api.github.com'" + e),
                        tuple("sandbox.allow[4]", "'x:99999': port must be 1..65535, got 99999" + e),
                        tuple("sandbox.allow[5]", "expected a string, got an integer"),
                        tuple("sandbox.allow[6]", "'*foo.org:443': invalid host '*foo.org'" + e),
                        tuple("sandbox.allow[7]", "'a.*.org:443': invalid host 'a.*.org'" + e),
                        tuple(
                                "sandbox.allow[8]",
                                "'10.1.0.1/16:5432': address range '10.1.0.1/16' has bits set past its prefix (did you"
                                        + " mean 10.1.0.0/16?)" + e),
                        tuple(
                                "sandbox.allow[9]",
                                "'10.1.0.0/33:5432': invalid address range '10.1.0.0/33' (an IPv4 address, '/' and a"
                                        + " prefix length 0..32, e.g. 10.1.0.0/16)" + e),
                        tuple(
                                "sandbox.allow[10]",
                                "'300.1.0.0/8:1': invalid address range '300.1.0.0/8' (an IPv4 address, '/' and a"
                                        + " prefix length 0..32, e.g. 10.1.0.0/16)" + e));
        Network.Endpoint wildcard = Network.Endpoint.parse("*.Example.org:443");
        Network.Endpoint range = Network.Endpoint.parse("10.1.0.0/16:5432");
        assertThat(wildcard.isWildcard()).isTrue();
        assertThat(wildcard.matchesName("a.example.org", 443)).isTrue();
        assertThat(wildcard.matchesName("x.y.example.org", 443)).isTrue();
        assertThat(wildcard.matchesName("example.org", 443))
                .as("the name itself is not below it")
                .isFalse();
        assertThat(wildcard.matchesName("evilexample.org", 443)).isFalse();
        assertThat(wildcard.matchesName("a.example.org", 80)).isFalse();
        assertThat(range.isRange()).isTrue();
        assertThat(range.containsAddress("10.1.255.7", 5432)).isTrue();
        assertThat(range.containsAddress("10.2.0.1", 5432)).isFalse();
        assertThat(range.containsAddress("10.1.0.1", 5433)).isFalse();
        assertThat(Network.Endpoint.parse("0.0.0.0/0:80").containsAddress("8.8.8.8", 80))
                .isTrue();
        assertThat(errors("""
                api_version: v1
                kind: agent
                name: a
                sandbox: {network: "off", allow: ["host:8080"]}
                agent:
                  prompt: x
                """))
                .extracting(SpecError::path, SpecError::message)
                .containsExactly(tuple("sandbox.allow", "must be empty when sandbox.network is off"));
    }

    @Test
    void rejectsWrongTypes() {
        assertThat(errors("""
                api_version: v1
                kind: agent
                name: a
                sandbox:
                  memory_mb: "512"
                  network: "true"
                  env: [A]
                  mounts: {host: /a}
                llm: {model: 4}
                agent:
                  prompt: [x]
                  skills: one
                  timeout_secs: 1.5
                """))
                .containsExactly(
                        error("sandbox.memory_mb", "expected an integer, got a string", 5, 14),
                        error(
                                "sandbox.network",
                                "invalid value 'true' (expected restricted, open, off, true = open or false ="
                                        + " restricted)",
                                6,
                                12),
                        error("sandbox.env", "expected a mapping, got a list", 7, 8),
                        error("sandbox.mounts", "expected a list, got a mapping", 8, 11),
                        error("llm.model", "expected a string, got an integer", 9, 14),
                        error("agent.prompt", "expected a string, got a list", 11, 11),
                        error("agent.skills", "expected a list, got a string", 12, 11),
                        error("agent.timeout_secs", "expected an integer, got a number", 13, 17));
    }

    @Test
    void rejectsNonMappingDocumentsAndBlocks() {
        assertThat(errors("- a\n- b\n")).containsExactly(error("(root)", "expected a mapping, got a list", 1, 1));
        assertThat(errors("""
                api_version: v1
                kind: pipeline
                name: p
                pipeline:
                  boxes:
                    - just-a-name
                """)).containsExactly(error("pipeline.boxes[0]", "expected a mapping, got a string", 6, 7));
    }

    @Test
    void rejectsBadEnumValues() {
        assertThat(errors("""
                api_version: v1
                kind: agent
                name: a
                sandbox: {backend: qemu, accel: hvf, mounts: [{host: /a, guest: /a, mode: rx}]}
                llm: {provider: openai}
                agent: {prompt: x}
                """))
                .containsExactly(
                        error(
                                "sandbox.backend",
                                "invalid value 'qemu' (expected one of: auto, vm, local, namespace)",
                                4,
                                20),
                        error("sandbox.accel", "invalid value 'hvf' (expected one of: auto, kvm, tcg)", 4, 33),
                        error("sandbox.mounts[0].mode", "invalid value 'rx' (expected one of: ro, rw)", 4, 75),
                        error(
                                "llm.provider",
                                "invalid value 'openai' (expected one of: claude, claude-personal, anthropic, ollama, lmstudio,"
                                        + " custom, codex, scripted)",
                                5,
                                17));
    }

    @Test
    void rejectsBadApiVersionAndKind() {
        assertThat(errors("""
                api_version: v2
                kind: job
                name: a
                """))
                .containsExactly(
                        error("api_version", "unsupported api_version 'v2' (supported: v1)", 1, 14),
                        error("kind", "invalid value 'job' (expected one of: agent, pipeline, workflow)", 2, 7));
    }

    @Test
    void rejectsBlockOfTheOtherKind() {
        assertThat(errors("""
                api_version: v1
                kind: agent
                name: a
                agent: {prompt: x}
                pipeline: {boxes: [{name: b, prompt: y}]}
                """))
                .containsExactly(error("pipeline", "not allowed when kind is agent (use 'agent')", 5, 1));
    }

    @Test
    void rejectsInvalidNames() {
        assertThat(errors("""
                api_version: v1
                kind: pipeline
                name: My_Pipeline
                pipeline:
                  boxes:
                    - {name: -box, prompt: x}
                """))
                .containsExactly(
                        error(
                                "name",
                                "invalid name 'My_Pipeline': must match [a-z0-9][a-z0-9_-]* and have at most 63 characters",
                                3,
                                7),
                        error(
                                "pipeline.boxes[0].name",
                                "invalid name '-box': must match [a-z0-9][a-z0-9_-]* and have at most 63 characters",
                                6,
                                14));
    }

    @Test
    void rejectsDuplicateBoxNames() {
        assertThat(errors("""
                api_version: v1
                kind: pipeline
                name: p
                pipeline:
                  boxes:
                    - {name: a, prompt: x}
                    - {name: b, prompt: y}
                    - {name: a, prompt: z}
                """))
                .containsExactly(
                        error("pipeline.boxes[2].name", "duplicate box name 'a' (also pipeline.boxes[0])", 8, 14));
    }

    @Test
    void rejectsDuplicateKeys() {
        assertThat(errors("""
                api_version: v1
                kind: agent
                name: a
                agent: {prompt: x}
                name: b
                """)).containsExactly(error("name", "duplicate field (first defined at line 3)", 5, 1));
    }

    private static final String TWO_BOXES = """
            api_version: v1
            kind: pipeline
            name: p
            pipeline:
              boxes:
                - {name: a, prompt: x}
                - {name: b, prompt: y}
                - {name: c, prompt: z}
              stages:
            """;

    @Test
    void maxParallelIsAPositiveIntegerOfThePipelineAndReachesIt() throws Exception {
        String spec = """
                api_version: v1
                kind: pipeline
                name: p
                pipeline:
                  max_parallel: %s
                  boxes:
                    - {name: a, prompt: x}
                    - {name: b, prompt: y}
                  stages:
                    - {type: fan_out, boxes: [a, b]}
                """;
        assertThat(SpecLoader.parse(spec.formatted("1"), "spec.yaml", dir)
                        .pipeline()
                        .maxParallel())
                .hasValue(1);
        assertThat(SpecLoader.parse(spec.formatted("1").replace("  max_parallel: 1\n", ""), "spec.yaml", dir)
                        .pipeline()
                        .maxParallel())
                .isEmpty();
        assertThat(errors(spec.formatted("0")))
                .containsExactly(error("pipeline.max_parallel", "must be between 1 and 1024, got 0", 5, 17));
        assertThat(errors(spec.formatted("two")))
                .containsExactly(error("pipeline.max_parallel", "expected an integer, got a string", 5, 17));
    }

    @Test
    void rejectsUnknownStageReference() {
        assertThat(errors(TWO_BOXES + """
                    - {type: box, name: a}
                    - {type: fan_out, boxes: [b, c, d]}
                """))
                .containsExactly(error("pipeline.stages[1].boxes[2]", "unknown box 'd' (boxes: a, b, c)", 11, 37));
    }

    @Test
    void rejectsBoxNotReferencedByAnyStage() {
        assertThat(errors(TWO_BOXES + """
                    - {type: box, name: a}
                    - {type: box, name: c}
                """))
                .containsExactly(error("pipeline.boxes[1]", "box 'b' is not referenced by any stage", 7, 7));
    }

    @Test
    void rejectsBoxReferencedTwice() {
        assertThat(errors(TWO_BOXES + """
                    - {type: box, name: a}
                    - {type: fan_out, boxes: [b, c]}
                    - {type: box, name: b}
                """))
                .containsExactly(error(
                        "pipeline.stages[2].name",
                        "box 'b' is already used by pipeline.stages[1].boxes[0] (each box runs in exactly one stage)",
                        12,
                        25));
        assertThat(errors(TWO_BOXES + """
                    - {type: box, name: a}
                    - {type: fan_out, boxes: [b, c, b]}
                """))
                .containsExactly(error(
                        "pipeline.stages[1].boxes[2]",
                        "box 'b' is already used by pipeline.stages[1].boxes[0] (each box runs in exactly one stage)",
                        11,
                        37));
    }

    @Test
    void rejectsFanOutWithFewerThanTwoBoxes() {
        assertThat(errors(TWO_BOXES + """
                    - {type: box, name: a}
                    - {type: fan_out, boxes: [b]}
                    - {type: box, name: c}
                """))
                .containsExactly(error("pipeline.stages[1].boxes", "a fan_out needs at least 2 boxes, got 1", 11, 30));
    }

    @Test
    void rejectsMalformedStages() {
        assertThat(errors(TWO_BOXES + """
                    - {name: a}
                    - {type: loop, name: b}
                    - {type: box, name: c, boxes: [a]}
                """))
                .containsExactly(
                        error("pipeline.boxes[0]", "box 'a' is not referenced by any stage", 6, 7),
                        error("pipeline.boxes[1]", "box 'b' is not referenced by any stage", 7, 7),
                        error("pipeline.stages[0].type", "missing (expected box or fan_out)", 10, 7),
                        error(
                                "pipeline.stages[1].type",
                                "invalid value 'loop' (expected one of: box, fan_out)",
                                11,
                                14),
                        error("pipeline.stages[2].boxes", "unknown field 'boxes' (allowed: type, name)", 12, 28));
    }

    @Test
    void rejectsEmptyBoxAndStageLists() {
        assertThat(errors("""
                api_version: v1
                kind: pipeline
                name: p
                pipeline:
                  boxes: []
                  stages: []
                """))
                .containsExactly(
                        error("pipeline.boxes", "must contain at least one box", 5, 10),
                        error(
                                "pipeline.stages",
                                "must contain at least one stage (omit 'stages' to run all boxes in order)",
                                6,
                                11));
    }

    @Test
    void rejectsOutOfRangeNumbers() {
        assertThat(errors("""
                api_version: v1
                kind: pipeline
                name: p
                sandbox:
                  memory_mb: 128
                  vcpus: 9
                  telemetry_interval_ms: 50
                pipeline:
                  boxes:
                    - name: a
                      prompt: x
                      timeout_secs: 0
                      sandbox: {vcpus: 0, memory_mb: 99999999999999999999}
                """))
                .containsExactly(
                        error("sandbox.memory_mb", "must be between 256 and 65536, got 128", 5, 14),
                        error("sandbox.vcpus", "must be between 1 and 8, got 9", 6, 10),
                        error("sandbox.telemetry_interval_ms", "must be between 100 and 60000, got 50", 7, 26),
                        error("pipeline.boxes[0].timeout_secs", "must be between 1 and 86400, got 0", 12, 21),
                        error("pipeline.boxes[0].sandbox.vcpus", "must be between 1 and 8, got 0", 13, 24),
                        error(
                                "pipeline.boxes[0].sandbox.memory_mb",
                                "must be between 256 and 65536, got 99999999999999999999",
                                13,
                                38));
    }

    @Test
    void rejectsMissingScenarioFileNamingThePath() {
        Path expected = dir.toAbsolutePath().normalize().resolve("scenarios/missing.yaml");
        assertThat(errors("""
                api_version: v1
                kind: agent
                name: a
                llm:
                  provider: scripted
                  scenario: scenarios/missing.yaml
                agent: {prompt: x}
                """)).containsExactly(error("llm.scenario", "scenario file not found: " + expected, 6, 13));
    }

    @Test
    void reportsAMissingInheritedScenarioOnceAtItsDeclaration() {
        Path expected = dir.toAbsolutePath().normalize().resolve("gone.yaml");
        assertThat(errors("""
                api_version: v1
                kind: pipeline
                name: p
                llm: {provider: scripted, scenario: gone.yaml}
                pipeline:
                  boxes:
                    - {name: a, prompt: x}
                    - {name: b, prompt: y}
                """)).containsExactly(error("llm.scenario", "scenario file not found: " + expected, 4, 37));
    }

    @Test
    void aScriptedBoxWithoutScenarioResolvesToTheBuiltInDefault() throws Exception {
        Files.writeString(dir.resolve("a.yaml"), "turns: []\n");
        PipelineSpec spec = SpecLoader.parse("""
                api_version: v1
                kind: pipeline
                name: p
                llm: {provider: scripted}
                pipeline:
                  boxes:
                    - name: a
                      prompt: x
                      llm: {scenario: a.yaml}
                    - name: b
                      prompt: y
                    - name: c
                      prompt: z
                      llm: {model: m}
                """, "spec.yaml", dir);
        assertThat(spec.boxes())
                .extracting(b -> b.llm().provider().orElseThrow())
                .containsOnly(LlmConfig.Provider.SCRIPTED);
        // no scenario: the scripted model plays its built-in default answer for the box
        assertThat(spec.boxes()).extracting(b -> b.llm().scenario().isPresent()).containsExactly(true, false, false);
    }

    @Test
    void rejectsCustomProviderWithoutBaseUrl() {
        assertThat(errors("""
                api_version: v1
                kind: agent
                name: a
                llm:
                  provider: custom
                  model: my-model
                agent: {prompt: x}
                """))
                .containsExactly(error("llm.base_url", "missing (required when provider is custom)", 5, 3));
    }

    @Test
    void rejectsMalformedLlmValuesWithoutEchoingSecrets() {
        List<SpecError> errors = errors("""
                api_version: v1
                kind: agent
                name: a
                llm:
                  provider: custom
                  base_url: localhost:8080
                  api_key_env: sk-ant-api03-secretsecret
                agent: {prompt: x}
                """);

        assertThat(errors)
                .containsExactly(
                        error("llm.base_url", "must be an absolute http:// or https:// URL", 6, 13),
                        error(
                                "llm.api_key_env",
                                "must be the name of an environment variable (e.g. ANTHROPIC_API_KEY), not the key itself; "
                                        + "value not shown",
                                7,
                                16));
        assertThat(errors.toString()).doesNotContain("secretsecret");
    }

    @Test
    void rejectsOutputFileOutsideTheWorkspace() {
        assertThat(errors("""
                api_version: v1
                kind: pipeline
                name: p
                pipeline:
                  boxes:
                    - {name: a, prompt: x, output_file: /etc/passwd}
                    - {name: b, prompt: y, output_file: ../up.txt}
                """))
                .containsExactly(
                        error(
                                "pipeline.boxes[0].output_file",
                                "must be a path relative to the workspace, without '..', got '/etc/passwd'",
                                6,
                                41),
                        error(
                                "pipeline.boxes[1].output_file",
                                "must be a path relative to the workspace, without '..', got '../up.txt'",
                                7,
                                41));
    }

    @Test
    void rejectsBadEnvAndMounts() {
        assertThat(errors("""
                api_version: v1
                kind: agent
                name: a
                sandbox:
                  env:
                    1BAD: x
                    LIST: [a]
                  mounts:
                    - {host: /data, guest: data}
                    - {guest: /x}
                agent: {prompt: x}
                """))
                .containsExactly(
                        error(
                                "sandbox.env.1BAD",
                                "invalid environment variable name (must match [A-Za-z_][A-Za-z0-9_]*)",
                                6,
                                5),
                        error("sandbox.env.LIST", "expected a string, got a list", 7, 11),
                        error("sandbox.mounts[0].guest", "must be an absolute path, got 'data'", 9, 28),
                        error("sandbox.mounts[1].host", "missing", 10, 7));
    }

    @Test
    void rejectsEmptyStrings() {
        assertThat(errors("""
                api_version: v1
                kind: agent
                name: a
                agent:
                  prompt: "  "
                  skills: [ok, ""]
                """))
                .containsExactly(
                        error("agent.prompt", "must not be empty", 5, 11),
                        error("agent.skills[1]", "must not be empty", 6, 16));
    }

    @Test
    void reportsYamlSyntaxErrorsWithPosition() {
        assertThat(errors("""
                api_version: v1
                kind: agent
                name: a
                  bad: indent
                """)).containsExactly(error("(syntax)", "mapping values are not allowed here", 4, 6));
    }

    @Test
    void reportsYamlScannerErrorsWithTheirContext() {
        assertThat(errors("api_version: v1\nkind: agent\nname: \"x\nagent: {prompt: y}\n"))
                .containsExactly(error(
                        "(syntax)",
                        "found unexpected end of stream (while scanning a quoted scalar started at line 3, column 7)",
                        5,
                        1));
    }

    @Test
    void rejectsYamlAliasesAndTaggedValuesOnce() {
        assertThat(errors("""
                api_version: v1
                kind: agent
                name: x
                sandbox: &sb {vcpus: 2}
                llm: !!binary aGVsbG8=
                agent: *sb
                """))
                .containsExactly(
                        error("llm", "unsupported value (binary or tagged YAML values are not allowed)", 5, 6),
                        error("agent", "YAML aliases (*sb) are not supported: write the value out", 6, 8));
    }

    @Test
    void reportsJsonErrorsWithPosition() {
        assertThat(errors(
                        "{\"api_version\": \"v1\",\n \"kind\": \"agent\", \"name\": \"a\",\n \"agent\": {\"prompt\": 3}}",
                        "spec.json"))
                .containsExactly(error("agent.prompt", "expected a string, got an integer", 3, 22));
        assertThat(errors("{\"api_version\": \"v1\",\n \"kind\": }", "spec.json"))
                .singleElement()
                .satisfies(e -> {
                    assertThat(e.path()).isEqualTo("(syntax)");
                    assertThat(e.message()).startsWith("Unexpected character ('}'");
                    assertThat(e.line()).isEqualTo(2);
                    assertThat(e.column()).isEqualTo(10);
                });
    }

    @Test
    void rejectsEmptyAndMultiDocumentFiles() {
        assertThat(errors("")).containsExactly(error("(root)", "the document is empty", 1, 1));
        assertThat(errors("""
                api_version: v1
                kind: agent
                name: a
                agent: {prompt: x}
                ---
                other: doc
                """))
                .containsExactly(error("(root)", "only one document is allowed, found more after the first", 6, 1));
    }

    @Test
    void reportsAllErrorsInDocumentOrderInTheMessage() {
        SpecException e =
                catchThrowableOfType(SpecException.class, () -> SpecLoader.parse("""
                api_version: v1
                kind: pipeline
                name: p
                sandbox: {vcpus: 99}
                pipeline:
                  boxes:
                    - {name: a}
                    - {name: a, prompt: y}
                """, "examples/p.yaml", dir));

        assertThat(e.file()).isEqualTo("examples/p.yaml");
        assertThat(e.getMessage()).isEqualTo("""
                examples/p.yaml:4:18: sandbox.vcpus: must be between 1 and 8, got 99
                examples/p.yaml:7:7: pipeline.boxes[0].prompt: missing
                examples/p.yaml:8:14: pipeline.boxes[1].name: duplicate box name 'a' (also pipeline.boxes[0])""");
    }
}
