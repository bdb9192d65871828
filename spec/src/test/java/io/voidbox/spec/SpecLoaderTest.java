package io.voidbox.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.voidbox.AgentOptions;
import io.voidbox.Box;
import io.voidbox.LlmConfig;
import io.voidbox.LlmConfig.Provider;
import io.voidbox.SandboxOptions;
import io.voidbox.SandboxOptions.Accel;
import io.voidbox.SandboxOptions.Backend;
import io.voidbox.SandboxOptions.Mount;
import io.voidbox.Skill;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpecLoaderTest {

    @TempDir
    Path dir;

    @BeforeEach
    void scenarios() throws IOException {
        Files.createDirectories(dir.resolve("scenarios"));
        for (String name : List.of("a", "b", "c", "top")) {
            Files.writeString(dir.resolve("scenarios/" + name + ".yaml"), "turns:\n  - text: done\n");
        }
    }

    @Test
    void agentSpecResolvesToOneBoxPipelineWithDefaults() throws Exception {
        PipelineSpec spec = SpecLoader.parse("""
                api_version: v1
                kind: agent
                name: hello
                agent:
                  prompt: Say hello
                """, "agent.yaml", dir);

        assertThat(spec.name()).isEqualTo("hello");
        assertThat(spec.kind()).isEqualTo(PipelineSpec.Kind.AGENT);
        assertThat(spec.sourceFile()).isEqualTo(dir.toAbsolutePath().normalize().resolve("agent.yaml"));
        assertThat(StageNames.of(spec)).containsExactly("box hello");
        assertThat(spec.boxes())
                .containsExactly(new Box(
                        "hello",
                        "Say hello",
                        List.of(),
                        AgentOptions.DEFAULTS,
                        LlmConfig.auto(),
                        SandboxOptions.defaults(),
                        Duration.ofSeconds(600),
                        Optional.empty()));
        assertThat(SandboxOptions.defaults())
                .isEqualTo(new SandboxOptions(
                        Backend.AUTO,
                        Accel.AUTO,
                        1024,
                        1,
                        SandboxOptions.Network.RESTRICTED,
                        Map.of(),
                        List.of(),
                        1000));
    }

    @Test
    void namespaceIsABackendOfItsOwn() throws Exception {
        PipelineSpec spec = SpecLoader.parse("""
                api_version: v1
                kind: agent
                name: hello
                sandbox: {backend: namespace}
                agent: {prompt: Say hello}
                """, "agent.yaml", dir);
        assertThat(spec.boxes().getFirst().sandbox().backend()).isEqualTo(Backend.NAMESPACE);
    }

    @Test
    void agentSpecTakesTopLevelLlmAndSandbox() throws Exception {
        PipelineSpec spec = SpecLoader.parse("""
                api_version: v1
                kind: agent
                name: hello
                sandbox: {backend: local, memory_mb: 512, vcpus: 2, network: false, env: {DEBUG: 1, MODE: fast}}
                llm: {provider: scripted, scenario: scenarios/a.yaml, model: claude-sonnet-4-5}
                agent:
                  prompt: Say hello
                  skills: [skills/review.md, summarize]
                  timeout_secs: 30
                  output_file: out/result.json
                """, "agent.yaml", dir);

        Box box = spec.boxes().getFirst();
        assertThat(box.skills())
                .containsExactly(new Skill.Local(Path.of("skills/review.md")), new Skill.Named("summarize"));
        assertThat(box.timeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(box.outputFile()).contains("out/result.json");
        assertThat(box.llm())
                .isEqualTo(new LlmConfig(
                        Optional.of(Provider.SCRIPTED),
                        Optional.of("claude-sonnet-4-5"),
                        Optional.empty(),
                        Optional.empty(),
                        Optional.of(dir.toAbsolutePath().normalize().resolve("scenarios/a.yaml"))));
        assertThat(box.sandbox())
                .isEqualTo(new SandboxOptions(
                        Backend.LOCAL,
                        Accel.AUTO,
                        512,
                        2,
                        false,
                        Map.of("DEBUG", "1", "MODE", "fast"),
                        List.of(),
                        1000));
    }

    @Test
    void boxOverridesMergeFieldByFieldOverTopLevel() throws Exception {
        PipelineSpec spec = SpecLoader.parse("""
                api_version: v1
                kind: pipeline
                name: merge
                sandbox:
                  backend: vm
                  memory_mb: 2048
                  env: {A: top, B: top}
                  mounts: [{host: data, guest: /data}]
                llm: {provider: scripted, scenario: scenarios/top.yaml, model: m-top, api_key_env: MY_KEY}
                pipeline:
                  boxes:
                    - name: plain
                      prompt: p
                    - name: custom
                      prompt: q
                      timeout_secs: 300
                      llm: {scenario: scenarios/b.yaml}
                      sandbox:
                        vcpus: 4
                        accel: tcg
                        env: {B: box, C: box}
                        mounts: [{host: /srv/out, guest: /out, mode: rw}]
                        telemetry_interval_ms: 250
                """, "pipeline.yaml", dir);

        Path base = dir.toAbsolutePath().normalize();
        Box plain = spec.box("plain").orElseThrow();
        assertThat(plain.llm())
                .isEqualTo(new LlmConfig(
                        Optional.of(Provider.SCRIPTED),
                        Optional.of("m-top"),
                        Optional.empty(),
                        Optional.of("MY_KEY"),
                        Optional.of(base.resolve("scenarios/top.yaml"))));
        assertThat(plain.sandbox())
                .isEqualTo(new SandboxOptions(
                        Backend.VM,
                        Accel.AUTO,
                        2048,
                        1,
                        SandboxOptions.Network.RESTRICTED,
                        Map.of("A", "top", "B", "top"),
                        List.of(new Mount(base.resolve("data"), "/data", true)),
                        1000));
        assertThat(plain.timeout()).isEqualTo(Box.DEFAULT_TIMEOUT);

        Box custom = spec.box("custom").orElseThrow();
        assertThat(custom.llm())
                .isEqualTo(new LlmConfig(
                        Optional.of(Provider.SCRIPTED),
                        Optional.of("m-top"),
                        Optional.empty(),
                        Optional.of("MY_KEY"),
                        Optional.of(base.resolve("scenarios/b.yaml"))));
        assertThat(custom.sandbox())
                .isEqualTo(new SandboxOptions(
                        Backend.VM,
                        Accel.TCG,
                        2048,
                        4,
                        SandboxOptions.Network.RESTRICTED,
                        Map.of("A", "top", "B", "box", "C", "box"),
                        List.of(new Mount(Path.of("/srv/out"), "/out", false)),
                        250));
        assertThat(custom.timeout()).isEqualTo(Duration.ofSeconds(300));
    }

    @Test
    void pipelineWithoutStagesRunsBoxesSequentiallyInDeclarationOrder() throws Exception {
        PipelineSpec spec = SpecLoader.parse("""
                api_version: v1
                kind: pipeline
                name: seq
                pipeline:
                  boxes:
                    - {name: zeta, prompt: one}
                    - {name: alpha, prompt: two}
                    - {name: mid, prompt: three}
                """, "p.yaml", dir);

        assertThat(StageNames.of(spec)).containsExactly("box zeta", "box alpha", "box mid");
        assertThat(spec.boxes()).extracting(Box::name).containsExactly("zeta", "alpha", "mid");
    }

    @Test
    void explicitStagesKeepOrderAndFanOut() throws Exception {
        PipelineSpec spec = SpecLoader.parse("""
                api_version: v1
                kind: pipeline
                name: fan
                pipeline:
                  boxes:
                    - {name: merge, prompt: m}
                    - {name: b, prompt: b}
                    - {name: a, prompt: a}
                    - {name: prepare, prompt: p}
                  stages:
                    - {type: box, name: prepare}
                    - {type: fan_out, boxes: [a, b]}
                    - {type: box, name: merge}
                """, "p.yaml", dir);

        assertThat(StageNames.of(spec)).containsExactly("box prepare", "fan_out a, b", "box merge");
        assertThat(spec.stages().get(1).boxes()).extracting(Box::name).containsExactly("a", "b");
    }

    @Test
    void jsonSpecResolvesLikeTheEquivalentYaml() throws Exception {
        PipelineSpec json = SpecLoader.parse("""
                {
                  "api_version": "v1", "kind": "pipeline", "name": "same",
                  "llm": {"provider": "custom", "base_url": "http://127.0.0.1:8080", "api_key_env": "KEY"},
                  "sandbox": {"memory_mb": 512, "mounts": [{"host": "/tmp", "guest": "/host-tmp", "mode": "ro"}]},
                  "pipeline": {
                    "boxes": [
                      {"name": "a", "prompt": "first", "output_file": "output.json"},
                      {"name": "b", "prompt": "second", "llm": {"model": "m2"}},
                      {"name": "c", "prompt": "third"}
                    ],
                    "stages": [{"type": "box", "name": "a"}, {"type": "fan_out", "boxes": ["b", "c"]}]
                  }
                }
                """, "same.json", dir);
        PipelineSpec yaml = SpecLoader.parse("""
                api_version: v1
                kind: pipeline
                name: same
                llm: {provider: custom, base_url: "http://127.0.0.1:8080", api_key_env: KEY}
                sandbox:
                  memory_mb: 512
                  mounts:
                    - {host: /tmp, guest: /host-tmp, mode: ro}
                pipeline:
                  boxes:
                    - {name: a, prompt: first, output_file: output.json}
                    - {name: b, prompt: second, llm: {model: m2}}
                    - {name: c, prompt: third}
                  stages:
                    - {type: box, name: a}
                    - {type: fan_out, boxes: [b, c]}
                """, "same.yaml", dir);

        assertThat(json.boxes()).isEqualTo(yaml.boxes());
        assertThat(json.stages()).isEqualTo(yaml.stages());
        assertThat(json.box("b").orElseThrow().llm())
                .isEqualTo(new LlmConfig(
                        Optional.of(Provider.CUSTOM),
                        Optional.of("m2"),
                        Optional.of("http://127.0.0.1:8080"),
                        Optional.of("KEY"),
                        Optional.empty()));
    }

    @Test
    void loadResolvesRelativeScenarioAgainstTheSpecFilesDirectory() throws Exception {
        Path sub = Files.createDirectories(dir.resolve("nested/spec"));
        Files.createDirectories(sub.resolve("scenarios"));
        Files.writeString(sub.resolve("scenarios/box.yaml"), "turns:\n  - text: done\n");
        Path file = Files.writeString(sub.resolve("agent.yaml"), """
                api_version: v1
                kind: agent
                name: rel
                llm: {provider: scripted, scenario: scenarios/box.yaml}
                agent: {prompt: go}
                """);

        PipelineSpec spec = SpecLoader.load(file);

        assertThat(spec.sourceFile()).isEqualTo(file.toAbsolutePath().normalize());
        assertThat(spec.baseDir()).isEqualTo(sub.toAbsolutePath().normalize());
        assertThat(spec.boxes().getFirst().llm().scenario())
                .contains(sub.toAbsolutePath().normalize().resolve("scenarios/box.yaml"));
    }

    @Test
    void loadReportsMissingFileAsSpecError() {
        Path missing = dir.resolve("nope.yaml");

        assertThatThrownBy(() -> SpecLoader.load(missing)).isInstanceOfSatisfying(SpecException.class, e -> {
            assertThat(e.errors())
                    .containsExactly(new SpecError(
                            "(file)",
                            "file not found: " + missing.toAbsolutePath().normalize(),
                            0,
                            0));
            assertThat(e.getMessage())
                    .isEqualTo(missing + ": (file): file not found: "
                            + missing.toAbsolutePath().normalize());
        });
    }

    @Test
    void loadRejectsFilesThatAreNotUtf8() throws IOException {
        Path file = Files.write(dir.resolve("bad.yaml"), new byte[] {'n', 'a', 'm', 'e', ':', ' ', (byte) 0xff, '\n'});

        assertThatThrownBy(() -> SpecLoader.load(file))
                .isInstanceOfSatisfying(
                        SpecException.class,
                        e -> assertThat(e.errors()).containsExactly(new SpecError("(file)", "not valid UTF-8", 0, 0)));
    }

    @Test
    void resolvedRecordsAreImmutable() throws Exception {
        PipelineSpec spec = SpecLoader.parse("""
                api_version: v1
                kind: agent
                name: hello
                sandbox: {env: {A: b}}
                agent: {prompt: hi, skills: [x]}
                """, "agent.yaml", dir);

        Box box = spec.boxes().getFirst();
        assertThatThrownBy(() -> spec.boxes().clear()).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> box.skills().add(new Skill.Named("y")))
                .isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> box.sandbox().env().put("C", "d")).isInstanceOf(UnsupportedOperationException.class);
    }
}
