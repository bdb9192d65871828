package io.voidbox.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.voidbox.AgentOptions;
import io.voidbox.AgentOptions.PermissionMode;
import io.voidbox.Box;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The agent's own limits and policy in the spec: the agent block of kind agent, a box's agent mapping. */
class AgentSpecTest {
    @TempDir
    Path dir;

    private List<SpecError> errors(String yaml) {
        SpecException e = catchThrowableOfType(SpecException.class, () -> SpecLoader.parse(yaml, "spec.yaml", dir));
        assertThat(e).as("expected the spec to be rejected").isNotNull();
        return e.errors();
    }

    @Test
    void agentBlockCarriesLimitsPolicyModelPromptAndVersion() throws Exception {
        Box box = SpecLoader.parse("""
                        api_version: v1
                        kind: agent
                        name: limited
                        agent:
                          prompt: Work carefully
                          max_turns: 7
                          max_budget_usd: 0.25
                          allowed_tools: [Read, "Bash(git diff:*)"]
                          disallowed_tools: [WebFetch]
                          permission_mode: acceptEdits
                          model: claude-haiku-4-5
                          append_system_prompt: Answer in French.
                          version: 2.1.332
                        """, "agent.yaml", dir).boxes().getFirst();

        AgentOptions o = box.agent();
        assertThat(o.runner()).isEqualTo(AgentOptions.Runner.CLAUDE_CODE);
        assertThat(o.limits()).isEqualTo(new AgentOptions.Limits(OptionalInt.of(7), OptionalDouble.of(0.25)));
        assertThat(o.permissions())
                .isEqualTo(new AgentOptions.Permissions(
                        List.of("Read", "Bash(git diff:*)"),
                        List.of("WebFetch"),
                        Optional.of(PermissionMode.ACCEPT_EDITS),
                        false));
        assertThat(o.appendSystemPrompt()).contains("Answer in French.");
        assertThat(o.version()).contains("2.1.332");
        assertThat(box.llm().model()).as("agent.model sets the box's model").contains("claude-haiku-4-5");
        assertThat(box.prompt()).isEqualTo("Work carefully");
    }

    @Test
    void pipelineBoxesHaveTheirOwnAgentMappingAndTheOthersKeepTheDefaults() throws Exception {
        List<Box> boxes = SpecLoader.parse("""
                        api_version: v1
                        kind: pipeline
                        name: p
                        llm: {model: claude-sonnet-4-5}
                        pipeline:
                          boxes:
                            - name: bounded
                              prompt: a
                              agent: {max_turns: 3, version: latest, model: claude-opus-4-5}
                            - name: free
                              prompt: b
                        """, "p.yaml", dir).boxes();

        assertThat(boxes.get(0).agent().limits().maxTurns()).hasValue(3);
        assertThat(boxes.get(0).agent().version()).contains("latest");
        assertThat(boxes.get(0).llm().model())
                .as("over the top-level llm.model")
                .contains("claude-opus-4-5");
        assertThat(boxes.get(1).agent()).isEqualTo(AgentOptions.DEFAULTS);
        assertThat(boxes.get(1).llm().model()).contains("claude-sonnet-4-5");
    }

    @Test
    void badValuesAreReportedWithTheirPathAndPosition() {
        assertThat(errors("""
                        api_version: v1
                        kind: agent
                        name: a
                        agent:
                          prompt: p
                          max_turns: 0
                          max_budget_usd: -1
                          permission_mode: yolo
                          allowed_tools: Bash
                          version: "2.1"
                        """))
                .containsExactly(
                        new SpecError("agent.max_turns", "must be between 1 and 10000, got 0", 6, 14),
                        new SpecError("agent.max_budget_usd", "must be more than 0 and at most 10000, got -1", 7, 19),
                        new SpecError(
                                "agent.permission_mode",
                                "invalid value 'yolo' (expected one of: default, acceptEdits, plan, bypassPermissions)",
                                8,
                                20),
                        new SpecError("agent.allowed_tools", "expected a list, got a string", 9, 18),
                        new SpecError(
                                "agent.version",
                                "invalid version '2.1' (expected a Claude Code version such as 2.1.332, or latest)",
                                10,
                                12));
    }

    @Test
    void aBoxAgentMappingAcceptsOnlyAgentFieldsAndOneModel() {
        assertThat(errors("""
                        api_version: v1
                        kind: pipeline
                        name: p
                        pipeline:
                          boxes:
                            - name: b
                              prompt: p
                              llm: {model: m1}
                              agent: {model: m2, prompt: again}
                        """))
                .containsExactly(
                        new SpecError(
                                "pipeline.boxes[0].agent.model",
                                "the model is also set by llm.model: keep one of them",
                                9,
                                22),
                        new SpecError(
                                "pipeline.boxes[0].agent.prompt",
                                "unknown field 'prompt' (allowed: max_turns, max_budget_usd, allowed_tools,"
                                        + " disallowed_tools, permission_mode, model, append_system_prompt, version)",
                                9,
                                26));
    }
}
