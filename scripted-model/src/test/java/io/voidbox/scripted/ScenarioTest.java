package io.voidbox.scripted;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScenarioTest {

    private static final String SPEC_EXAMPLE = """
            model: claude-sonnet-4-5
            turns:
              - text: "I'll look at the data."
                tool_use:
                  - name: Bash
                    input: {command: "uname -r > /workspace/kernel.txt && cat /workspace/kernel.txt"}
                  - name: Read
                    input: {file_path: /workspace/input.json}
                usage: {input_tokens: 1200, output_tokens: 80, cache_read_input_tokens: 0}
              - error: {status: 500, type: api_error, message: "overloaded"}
              - text: "Done. The kernel is in /workspace/kernel.txt."
                usage: {input_tokens: 1500, output_tokens: 40}
            """;

    @Test
    void parsesTheSpecExample() {
        Scenario s = Scenario.parse(SPEC_EXAMPLE, "scenario.yaml");

        assertThat(s.model()).isEqualTo("claude-sonnet-4-5");
        assertThat(s.turns()).hasSize(3);
        Reply first = (Reply) s.turns().get(0);
        assertThat(first.text()).isEqualTo("I'll look at the data.");
        assertThat(first.toolUses()).extracting(ToolUse::name).containsExactly("Bash", "Read");
        assertThat(first.toolUses().get(1).input()).containsEntry("file_path", "/workspace/input.json");
        assertThat(first.usage()).isEqualTo(new Usage(1200, 80, 0, 0));
        assertThat(first.stopReason()).isEqualTo("tool_use");
        assertThat(s.turns().get(1)).isEqualTo(new ErrorTurn(500, "api_error", "overloaded"));
        Reply last = (Reply) s.turns().get(2);
        assertThat(last.toolUses()).isEmpty();
        assertThat(last.stopReason()).isEqualTo("end_turn");
        assertThat(last.usage()).isEqualTo(new Usage(1500, 40, 0, 0));
    }

    @Test
    void parsesJsonByFileNameAndDefaultsUsageAndModel() {
        Scenario s = Scenario.parse("""
                {"turns": [{"tool_use": [{"name": "Write", "input": {"file_path": "/w/a", "content": "x"}}]},
                           {"error": {"status": 429}}]}
                """, "s.json");

        assertThat(s.model()).isNull();
        Reply reply = (Reply) s.turns().get(0);
        assertThat(reply.text()).isNull();
        assertThat(reply.usage()).isEqualTo(Usage.DEFAULT);
        assertThat(Usage.DEFAULT.inputTokens()).isPositive();
        assertThat(s.turns().get(1)).isEqualTo(new ErrorTurn(429, "rate_limit_error", "scripted error 429"));
    }

    @Test
    void loadsFromFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("scenario.yaml");
        Files.writeString(file, SPEC_EXAMPLE);

        assertThat(Scenario.load(file).turns()).hasSize(3);
    }

    @Test
    void rejectsToolUseWithoutNameNamingFileAndField() {
        String yaml = """
                turns:
                  - text: a
                  - text: b
                  - tool_use:
                      - input: {command: ls}
                """;
        assertThatThrownBy(() -> Scenario.parse(yaml, "scenario.yaml"))
                .isInstanceOf(ScenarioException.class)
                .hasMessage("scenario.yaml: turns[2].tool_use[0].name: missing");
    }

    @Test
    void repeatPlaysATurnSeveralTimesAndCutMarksAReply() {
        Scenario s = Scenario.parse("""
                turns:
                  - tool_use: [{name: Bash, input: {command: "echo step"}}]
                    repeat: 3
                  - text: "half"
                    cut: true
                  - error: {status: 529}
                    repeat: 2
                subagent_turns:
                  - text: "sub"
                """, "loop.yaml");

        assertThat(s.turns()).hasSize(6);
        assertThat(s.turns().subList(0, 3))
                .allSatisfy(t -> assertThat(t).isEqualTo(s.turns().getFirst()));
        assertThat(((Reply) s.turns().get(3)).cut()).isTrue();
        assertThat(((Reply) s.turns().getFirst()).cut()).isFalse();
        assertThat(s.turns().subList(4, 6)).containsOnly(new ErrorTurn(529, "overloaded_error", "scripted error 529"));
        assertThat(s.subagentTurns()).containsExactly(Reply.text("sub"));
    }

    @Test
    void rejectsBadRepeatAndCut() {
        assertThatThrownBy(() -> Scenario.parse("turns: [{text: a, repeat: 0}]", "r.yaml"))
                .hasMessage("r.yaml: turns[0].repeat: must be between 1 and 10000, got 0");
        assertThatThrownBy(() -> Scenario.parse("turns: [{text: a, cut: maybe}]", "c.yaml"))
                .hasMessage("c.yaml: turns[0].cut: must be true or false, got \"maybe\"");
        assertThatThrownBy(() -> Scenario.parse("turns: [{error: {status: 500}, cut: true}]", "e.yaml"))
                .hasMessage("e.yaml: turns[0].cut: an error turn sends no answer to cut");
        assertThatThrownBy(() -> Scenario.parse("turns: [{text: a}]\nsubagent_turns: {text: b}", "s.yaml"))
                .hasMessage("s.yaml: subagent_turns: must be a list");
    }

    @Test
    void rejectsMissingTurns() {
        assertThatThrownBy(() -> Scenario.parse("model: x\n", "a.yaml")).hasMessage("a.yaml: turns: missing");
        assertThatThrownBy(() -> Scenario.parse("", "a.yaml")).hasMessageStartingWith("a.yaml: empty scenario");
    }

    @Test
    void rejectsUnknownFieldsSoTyposAreCaught() {
        assertThatThrownBy(() -> Scenario.parse("turns:\n  - text: a\n    tool_uses: []\n", "a.yaml"))
                .hasMessageStartingWith("a.yaml: turns[0].tool_uses: unknown field");
    }

    @Test
    void rejectsTurnWithNothingToSay() {
        assertThatThrownBy(() -> Scenario.parse("turns:\n  - usage: {input_tokens: 3}\n", "a.yaml"))
                .hasMessage("a.yaml: turns[0]: needs 'text', 'tool_use' or 'error'");
    }

    @Test
    void rejectsErrorCombinedWithTextAndBadStatus() {
        assertThatThrownBy(() -> Scenario.parse("turns:\n  - text: a\n    error: {status: 500}\n", "a.yaml"))
                .hasMessage("a.yaml: turns[0]: 'error' cannot be combined with text, tool_use or usage");
        assertThatThrownBy(() -> Scenario.parse("turns:\n  - error: {status: 200}\n", "a.yaml"))
                .hasMessage("a.yaml: turns[0].error.status: must be an HTTP error status 400..599, got 200");
    }

    @Test
    void rejectsWrongTypesWithFieldPath() {
        assertThatThrownBy(() -> Scenario.parse("turns:\n  - text: a\n    usage: {output_tokens: many}\n", "a.yaml"))
                .hasMessage("a.yaml: turns[0].usage.output_tokens: must be a non-negative integer, got \"many\"");
        assertThatThrownBy(() -> Scenario.parse("turns:\n  - text: [a]\n", "a.yaml"))
                .hasMessage("a.yaml: turns[0].text: must be a string, got array");
        assertThatThrownBy(() -> Scenario.parse("turns:\n  - tool_use: [{name: Bash, input: ls}]\n", "a.yaml"))
                .hasMessage("a.yaml: turns[0].tool_use[0].input: must be a mapping, got string");
        assertThatThrownBy(() -> Scenario.parse("turns: {}\n", "a.yaml")).hasMessage("a.yaml: turns: must be a list");
    }

    @Test
    void reportsSyntaxErrorsWithLine() {
        assertThatThrownBy(() -> Scenario.parse("turns:\n  - text: \"unterminated\n", "bad.yaml"))
                .isInstanceOf(ScenarioException.class)
                .hasMessageStartingWith("bad.yaml: line ")
                .hasMessageContaining("not valid YAML");
        assertThatThrownBy(() -> Scenario.parse("{\"turns\": [", "bad.json"))
                .hasMessageStartingWith("bad.json: line 1")
                .hasMessageContaining("not valid JSON");
    }

    @Test
    void substitutesVarsRecursivelyAndEnvOnlyWhenGiven() {
        Scenario s = Scenario.parse("""
                turns:
                  - text: "in {{workspace}} as ${USER}"
                    tool_use:
                      - name: Bash
                        input: {command: "ls {{ workspace }} {{unknown}}", nested: {list: ["{{who}}", 3, true]}}
                """, "s.yaml");

        Scenario noEnv = new Substitutor(Map.of("workspace", "/w", "who", "me"), Map.of()).apply(s);
        Reply r = (Reply) noEnv.turns().get(0);
        assertThat(r.text()).isEqualTo("in /w as ${USER}");
        assertThat(r.toolUses().get(0).input())
                .containsEntry("command", "ls /w {{unknown}}")
                .containsEntry("nested", Map.of("list", List.of("me", 3, true)));

        Scenario withEnv = new Substitutor(Map.of("workspace", "/w"), Map.of("USER", "alice")).apply(s);
        assertThat(((Reply) withEnv.turns().get(0)).text()).isEqualTo("in /w as alice");
    }
}
