package io.voidbox.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.tuple;

import io.voidbox.AgentOptions.Runner;
import io.voidbox.Box;
import io.voidbox.BoxFiles;
import io.voidbox.LlmConfig;
import io.voidbox.LlmConfig.Provider;
import io.voidbox.McpServer;
import io.voidbox.SandboxOptions.Backend;
import io.voidbox.Skill;
import io.voidbox.SpecEnum;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** VoidBox's v1 fields, read with VoidBox's meaning next to ours. */
class VoidBoxFieldsTest {

    @TempDir
    Path dir;

    private PipelineSpec spec(String yaml) throws SpecException {
        return SpecLoader.parse(yaml, "spec.yaml", dir);
    }

    private PipelineSpec spec(String yaml, Map<String, String> env) throws SpecException {
        return SpecLoader.parse(yaml, "spec.yaml", dir, env);
    }

    private List<SpecError> errors(String yaml) {
        return errors(yaml, Map.of());
    }

    private List<SpecError> errors(String yaml, Map<String, String> env) {
        SpecException e = catchThrowableOfType(SpecException.class, () -> spec(yaml, env));
        assertThat(e).as("expected the spec to be rejected").isNotNull();
        return e.errors();
    }

    private static String agent(String sandbox, String llm, String agent) {
        return "api_version: v1\nkind: agent\nname: a\n"
                + (sandbox.isEmpty() ? "" : "sandbox: " + sandbox + "\n")
                + (llm.isEmpty() ? "" : "llm: " + llm + "\n")
                + "agent: " + agent + "\n";
    }

    @Test
    void sandboxModeMeansWhatItMeansInVoidBox() throws Exception {
        assertThat(spec(agent("{mode: auto}", "", "{prompt: x}"))
                        .boxes()
                        .getFirst()
                        .sandbox()
                        .backend())
                .isEqualTo(Backend.AUTO);
        // VoidBox's local is a micro-VM on this host, not our unisolated local process sandbox
        assertThat(spec(agent("{mode: local}", "", "{prompt: x}"))
                        .boxes()
                        .getFirst()
                        .sandbox()
                        .backend())
                .isEqualTo(Backend.VM);
        // mock: no VM and no real model, whatever llm says
        Box mock = spec(agent("{mode: mock}", "{provider: claude, model: m, api_key_env: K}", "{prompt: x}"))
                .boxes()
                .getFirst();
        assertThat(mock.sandbox().backend()).isEqualTo(Backend.LOCAL);
        assertThat(mock.llm())
                .isEqualTo(new LlmConfig(
                        Optional.of(Provider.SCRIPTED),
                        Optional.of("m"),
                        Optional.empty(),
                        Optional.empty(),
                        Optional.empty()));
    }

    @Test
    void modeAndBackendTogetherAreAnErrorAndABoxOverrideWins() throws Exception {
        assertThat(errors(agent("{mode: mock, backend: vm}", "", "{prompt: x}")))
                .containsExactly(new SpecError(
                        "sandbox.mode",
                        "give either mode (VoidBox: auto, local = micro-VM, mock) or backend (auto, vm, local, namespace), not both",
                        4,
                        17));
        PipelineSpec spec = spec("""
                api_version: v1
                kind: pipeline
                name: p
                sandbox: {mode: mock}
                pipeline:
                  boxes:
                    - {name: a, prompt: x}
                    - {name: b, prompt: y, sandbox: {mode: local}}
                """);
        assertThat(spec.boxes()).extracting(b -> b.sandbox().backend()).containsExactly(Backend.LOCAL, Backend.VM);
        assertThat(spec.boxes().get(1).llm().provider()).isEmpty();
    }

    @Test
    void whatThisRuntimeDoesNotDoYetIsRefusedByNameWithItsPosition() throws IOException {
        Files.writeString(dir.resolve("vmlinux"), "k");
        List<SpecError> errors = errors("""
                api_version: v1
                kind: agent
                name: a
                sandbox:
                  image: "python:3.12-slim"
                  guest_image: "ghcr.io/the-void-ia/voidbox-guest:v0.1.1"
                  snapshot: "60e3c527"
                  kernel: vmlinux
                  initramfs: missing.cpio.gz
                llm: {provider: claude-personal, credential_proxy: true}
                agent:
                  prompt: x
                  mode: interactive
                  messaging: {enabled: true}
                """);
        assertThat(errors)
                .extracting(SpecError::path)
                .containsExactly(
                        "sandbox.image",
                        "sandbox.guest_image",
                        "sandbox.snapshot",
                        "sandbox.kernel",
                        "sandbox.initramfs",
                        "agent.mode",
                        "agent.messaging");
        assertThat(errors.getFirst().format("spec.yaml"))
                .isEqualTo("spec.yaml:5:3: sandbox.image: not supported yet (OCI images: boxes run on this runtime's"
                        + " own guest image)");
        assertThat(errors)
                .filteredOn(e -> !e.path().equals("sandbox.initramfs"))
                .allSatisfy(e -> assertThat(e.message()).startsWith("not supported yet ("));
        // a path that does not exist is reported as such first
        assertThat(errors.get(4).message()).startsWith("file not found: ");
    }

    @Test
    void theCredentialProxyKeepsAnthropicKeysOnTheHost() throws Exception {
        assertThat(spec(agent("", "{provider: claude, credential_proxy: true}", "{prompt: x}"))
                        .boxes()
                        .getFirst()
                        .llm()
                        .keyStaysOnHost())
                .isTrue();
        assertThat(spec(agent("", "{provider: codex, credential_proxy: true}", "{prompt: x}"))
                        .boxes()
                        .getFirst()
                        .llm()
                        .keyStaysOnHost())
                .isTrue();
        // the default: the key stays on the host; false is an explicit opt-out
        assertThat(spec(agent("", "{provider: claude}", "{prompt: x}"))
                        .boxes()
                        .getFirst()
                        .llm()
                        .keyStaysOnHost())
                .isTrue();
        assertThat(spec(agent("", "{provider: claude, credential_proxy: false}", "{prompt: x}"))
                        .boxes()
                        .getFirst()
                        .llm()
                        .keyStaysOnHost())
                .isFalse();
        // a Claude subscription's OAuth token stays on the host too
        assertThat(spec(agent("", "{provider: claude-personal, credential_proxy: true}", "{prompt: x}"))
                        .boxes()
                        .getFirst()
                        .llm()
                        .keyStaysOnHost())
                .isTrue();
    }

    @Test
    void harmlessSpellingsOfUnsupportedFeaturesAreAccepted() throws Exception {
        Box box = spec(agent(
                        "{guest_image: \"\", env: {GITHUB_TOKEN: \"\"}}",
                        "{provider: claude, credential_proxy: false}",
                        "{prompt: x, mode: task}"))
                .boxes()
                .getFirst();
        // the empty value is kept: the engine passes the host's GITHUB_TOKEN through when the box starts
        assertThat(box.sandbox().env()).containsExactly(Map.entry("GITHUB_TOKEN", ""));
        assertThat(errors(agent("", "", "{prompt: x, mode: daemon}")).getFirst().message())
                .isEqualTo("invalid value 'daemon' (expected one of: task, service, interactive)");
    }

    @Test
    void voidBoxKindsNotRunHereYetAreRefusedAtKind() {
        assertThat(errors("""
                api_version: v1
                kind: sandbox
                name: claude-sandbox
                sandbox: {memory_mb: 2048, network: true}
                llm: {provider: claude-personal}
                """))
                .containsExactly(new SpecError(
                        "kind",
                        "not supported yet (kind: sandbox (an idle VM to attach to): boxes here run an agent or"
                                + " programs)",
                        2,
                        1));
    }

    @Test
    void everyVoidBoxProviderIsAccepted() throws Exception {
        for (String id : List.of("claude", "claude-personal", "anthropic", "ollama", "lmstudio", "codex")) {
            assertThat(spec(agent("", "{provider: " + id + "}", "{prompt: x}"))
                            .boxes()
                            .getFirst()
                            .llm()
                            .provider())
                    .contains(SpecEnum.parse("llm.provider", id, Provider.values()));
        }
    }

    @Test
    void voidBoxLlmVariablesOverrideTheTopLevelLlmButNotABoxsOwn() throws Exception {
        String yaml = """
                api_version: v1
                kind: pipeline
                name: p
                llm: {provider: claude, model: from-file}
                pipeline:
                  boxes:
                    - {name: a, prompt: x}
                    - {name: b, prompt: y, llm: {model: pinned}}
                """;
        PipelineSpec spec = spec(
                yaml,
                Map.of(
                        "VOIDBOX_LLM_PROVIDER", "ollama",
                        "VOIDBOX_LLM_MODEL", "phi4-mini",
                        "VOIDBOX_LLM_BASE_URL", "http://192.168.64.1:11434"));
        assertThat(spec.boxes().get(0).llm())
                .isEqualTo(new LlmConfig(
                        Optional.of(Provider.OLLAMA),
                        Optional.of("phi4-mini"),
                        Optional.of("http://192.168.64.1:11434"),
                        Optional.empty(),
                        Optional.empty()));
        assertThat(spec.boxes().get(1).llm().model()).contains("pinned");
        assertThat(spec.boxes().get(1).llm().provider()).contains(Provider.OLLAMA);
        // without the environment the file's values stand
        assertThat(spec(yaml).boxes().get(0).llm().provider()).contains(Provider.CLAUDE);
        assertThat(errors(yaml, Map.of("VOIDBOX_LLM_PROVIDER", "openai", "VOIDBOX_LLM_BASE_URL", "ftp://x")))
                .extracting(SpecError::path)
                .containsExactly("VOIDBOX_LLM_PROVIDER", "VOIDBOX_LLM_BASE_URL");
    }

    @Test
    void mockModeWinsOverTheLlmVariables() throws Exception {
        Box box = spec(agent("{mode: mock}", "", "{prompt: x}"), Map.of("VOIDBOX_LLM_PROVIDER", "anthropic"))
                .boxes()
                .getFirst();
        assertThat(box.llm().provider()).contains(Provider.SCRIPTED);
    }

    @Test
    void observeResolvesWithDefaultsAndRefusesWhatItCannotHonour() throws Exception {
        assertThat(spec(agent("", "", "{prompt: x}")).observe()).isEqualTo(Observe.DEFAULTS);
        PipelineSpec spec = spec("""
                api_version: v1
                kind: agent
                name: a
                observe:
                  traces: true
                  metrics: false
                  logs: true
                  otlp_endpoint: http://collector:4317
                  service_name: reviews
                  telemetry_buffer_size: 100
                agent: {prompt: x}
                """);
        assertThat(spec.observe())
                .isEqualTo(new Observe(
                        true, false, true, Optional.of("http://collector:4317"), Optional.of("reviews"), 100));
        assertThat(errors("""
                api_version: v1
                kind: agent
                name: a
                observe: {logs: false, otlp_endpoint: collector, telemetry_buffer_size: 0, sampling: 1}
                agent: {prompt: x}
                """))
                .extracting(SpecError::path, SpecError::message)
                .containsExactly(
                        tuple(
                                "observe.logs",
                                "not supported yet (turning box logs off: [vm:NAME] lines and log events are always"
                                        + " on)"),
                        tuple(
                                "observe.otlp_endpoint",
                                "must be an absolute http:// or https:// URL, e.g. http://localhost:4317"),
                        tuple("observe.telemetry_buffer_size", "must be between 1 and 1000000, got 0"),
                        tuple(
                                "observe.sampling",
                                "unknown field 'sampling' (allowed: traces, metrics, logs, otlp_endpoint,"
                                        + " service_name, telemetry_buffer_size)"));
    }

    @Test
    void outputsAndInputsHandNamedDirectoriesToLaterBoxes() throws Exception {
        PipelineSpec spec = spec("""
                api_version: v1
                kind: pipeline
                name: p
                pipeline:
                  boxes:
                    - name: a
                      prompt: x
                      output_file: result.json
                      outputs: [{name: facts}, {name: logs, guest: /workspace/logs}]
                    - name: b
                      prompt: y
                      inputs: [{from: facts}, {from: logs, guest: /workspace/in/logs}]
                """);
        assertThat(spec.box("a").orElseThrow().files())
                .isEqualTo(new BoxFiles(
                        Optional.of("result.json"),
                        List.of(
                                new BoxFiles.Output("facts", "/workspace/output"),
                                new BoxFiles.Output("logs", "/workspace/logs")),
                        List.of()));
        assertThat(spec.box("b").orElseThrow().files().inputs())
                .containsExactly(
                        new BoxFiles.Input("facts", "/workspace/input"),
                        new BoxFiles.Input("logs", "/workspace/in/logs"));
    }

    @Test
    void anInputMustNameAnOutputOfAnEarlierStage() {
        assertThat(errors("""
                api_version: v1
                kind: pipeline
                name: p
                pipeline:
                  boxes:
                    - {name: a, prompt: x, outputs: [{name: facts}], inputs: [{from: later}]}
                    - {name: b, prompt: y, outputs: [{name: later}, {name: facts, guest: /tmp/x}]}
                    - {name: c, prompt: z, inputs: [{from: nothing}]}
                    - {name: d, prompt: z, outputs: [{name: facts}]}
                  stages:
                    - {type: box, name: a}
                    - {type: fan_out, boxes: [b, c]}
                    - {type: box, name: d}
                """))
                .extracting(SpecError::path, SpecError::message)
                .containsExactly(
                        tuple(
                                "pipeline.boxes[0].inputs[0].from",
                                "output 'later' comes from box 'b', which does not run in an earlier stage"),
                        tuple(
                                "pipeline.boxes[1].outputs[1].guest",
                                "must be a directory below /workspace, got '/tmp/x'"),
                        tuple("pipeline.boxes[2].inputs[0].from", "unknown output 'nothing' (outputs: facts, later)"),
                        tuple(
                                "pipeline.boxes[3].outputs[0].name",
                                "duplicate output name 'facts' (also pipeline.boxes[0].outputs[0])"));
    }

    @Test
    void skillsAsVoidBoxWritesThemBecomeTypedSkillsTheRunnerAndMcpServers() throws Exception {
        Files.createDirectories(dir.resolve("skills"));
        Files.writeString(dir.resolve("skills/github-pr.md"), "# PR\n");
        Box box = spec("""
                api_version: v1
                kind: agent
                name: a
                agent:
                  prompt: x
                  skills:
                    - "agent:codex"
                    - "file:skills/github-pr.md"
                    - "file:examples/elsewhere/skill.md"
                    - "remote:obra/superpowers/systematic-debugging"
                    - "cli:jq"
                    - "mcp:market-data-mcp"
                    - {mcp: {name: notes, command: /opt/notes-mcp, args: [--stdio], env: {NOTES_DIR: /workspace}}}
                    - {command: /usr/bin/fs-mcp}
                    - {content: "# Inline\\n"}
                    - {name: style, content: "# Style\\n"}
                    - summarize
                """).boxes().getFirst();
        assertThat(box.agent().runner()).isEqualTo(Runner.CODEX);
        assertThat(box.skills())
                .containsExactly(
                        new Skill.Local(dir.toAbsolutePath().resolve("skills/github-pr.md")),
                        // not found now: the box fails with a clear error if it is still missing when it starts
                        new Skill.Local(Path.of("examples/elsewhere/skill.md")),
                        new Skill.Remote("obra", "superpowers", Optional.of("systematic-debugging")),
                        new Skill.Cli("jq"),
                        new Skill.Inline("inline-9", "# Inline\n"),
                        new Skill.Inline("style", "# Style\n"),
                        new Skill.Named("summarize"));
        assertThat(box.agent().mcpServers())
                .containsExactly(
                        new McpServer("market-data-mcp", "market-data-mcp", List.of(), Map.of()),
                        new McpServer("notes", "/opt/notes-mcp", List.of("--stdio"), Map.of("NOTES_DIR", "/workspace")),
                        new McpServer("fs-mcp", "/usr/bin/fs-mcp", List.of(), Map.of()));
    }

    @Test
    void providerCodexSelectsTheCodexAgentAndContradictionsAreErrors() throws Exception {
        assertThat(spec(agent("", "{provider: codex}", "{prompt: x}"))
                        .boxes()
                        .getFirst()
                        .agent()
                        .runner())
                .isEqualTo(Runner.CODEX);
        assertThat(spec(agent("", "", "{prompt: x, skills: [\"agent:claude-code\"]}"))
                        .boxes()
                        .getFirst()
                        .agent()
                        .runner())
                .isEqualTo(Runner.CLAUDE_CODE);
        assertThat(errors(agent("", "{provider: codex}", "{prompt: x, skills: [\"agent:claude-code\"]}")))
                .extracting(SpecError::message)
                .containsExactly("agent:claude-code contradicts llm.provider codex (the Codex agent's API)");
        assertThat(errors(
                        agent("", "", "{prompt: x, skills: [\"agent:claude-code\", \"agent:codex\", \"agent:gpt\"]}")))
                .extracting(SpecError::path, SpecError::message)
                .containsExactly(
                        tuple(
                                "agent.skills[1]",
                                "a box runs one agent: agent:codex contradicts agent:claude-code at agent.skills[0]"),
                        tuple("agent.skills[2]", "unknown agent 'gpt' (expected agent:claude-code or agent:codex)"));
    }

    @Test
    void badSkillsAreNamedAndOciSkillsAreNotSupportedYet() {
        List<SpecError> errors = errors("""
                api_version: v1
                kind: agent
                name: a
                sandbox: {network: "off"}
                agent:
                  prompt: x
                  skills:
                    - "remot:obra/x"
                    - "remote:justname"
                    - "remote:obra/superpowers"
                    - "mcp:has space"
                    - "cli:"
                    - {image: "golang:1.23-alpine", mount: /skills/go}
                    - {mcp: {command: x}}
                    - {mcp: {command: /bin/x}}
                    - {colour: blue}
                """);
        assertThat(errors)
                .extracting(SpecError::path, SpecError::message)
                .containsExactly(
                        tuple(
                                "agent.skills[0]",
                                "unknown skill type 'remot' (expected agent:, file:, remote:, cli:, mcp:, a path or a"
                                        + " skill name)"),
                        tuple("agent.skills[1]", "remote skill 'justname': expected owner/repo[/skill]"),
                        tuple(
                                "agent.skills[2]",
                                "a remote skill is fetched through the box's network, but sandbox.network is off"),
                        tuple(
                                "agent.skills[3]",
                                "mcp:NAME must match [A-Za-z0-9_-]+ (use {mcp: {name, command, args}} for other"
                                        + " commands)"),
                        tuple("agent.skills[4]", "missing the value after 'cli:'"),
                        tuple("agent.skills[5]", "not supported yet (OCI image skills)"),
                        tuple("agent.skills[7]", "duplicate MCP server name 'x' (also agent.skills[6])"),
                        tuple(
                                "agent.skills[8]",
                                "expected a skill mapping with 'content' (inline SKILL.md), 'mcp' or 'command' (an"
                                        + " MCP server) or 'image' (OCI)"));
    }
}
