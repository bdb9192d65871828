package io.voidbox.agent.claude;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.voidbox.AgentOptions;
import io.voidbox.Failure;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The runner with a stand-in for the CLI where the real one cannot be driven there: a real process
 * in the real local sandbox that prints what a broken CLI would.
 */
class ClaudeCodeRunnerTest {
    @TempDir
    Path dir;

    private Path cli(String script) throws Exception {
        Path file = dir.resolve("claude");
        Files.writeString(file, "#!/bin/sh\n" + script);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
        return file;
    }

    @Test
    void aCliThatExitsCleanlyWithoutAResultIsNoResultAndStillAccountsItsMessages() throws Exception {
        // The real CLI always ends with a result line or a non-zero exit; one that loses its last
        // line (a wrapper, a broken pipe) must still not pass for a success.
        Path fake = cli("""
                echo '{"type":"system","subtype":"init","session_id":"s1","model":"claude-sonnet-4-5","tools":[]}'
                echo '{"type":"assistant","message":{"id":"m1","model":"claude-sonnet-4-5","content":[{"type":"text","text":"Half way."}],"usage":{"input_tokens":2000,"output_tokens":10}},"parent_tool_use_id":null}'
                echo 'flushing' >&2
                exit 0
                """);
        AgentRun run =
                AgentRun.run(dir, "silent", new AgentRun.Spec("turns: [{text: unused}]", AgentOptions.DEFAULTS), fake);

        assertThat(run.stage().failure()).get().isInstanceOf(Failure.NoResult.class);
        JsonNode e = run.one("stage.failed");
        assertThat(e.path("error_type").asText()).isEqualTo("no_result");
        assertThat(e.path("exit_code").asInt()).isZero();
        assertThat(e.path("stderr_tail")).extracting(JsonNode::asText).containsExactly("flushing");
        assertThat(e.path("usage_estimated").asBoolean()).isTrue();
        assertThat(e.path("input_tokens").asLong()).isEqualTo(2000);
        assertThat(run.stage().resultText()).isEqualTo("Half way.");
        assertThat(AgentRun.errorType(run.span("claude.exec"))).isEqualTo("no_result");
    }

    @Test
    void theBoxsAgentOptionsBecomeTheClisOwnFlags() throws Exception {
        Path fake = cli("""
                printf '%s\\n' "$@" > "$(dirname "$0")/argv.txt"
                echo '{"type":"result","subtype":"success","is_error":false,"num_turns":1,"result":"ok","session_id":"s"}'
                """);
        AgentOptions options = new AgentOptions(
                AgentOptions.Runner.CLAUDE_CODE,
                Optional.empty(),
                new AgentOptions.Limits(OptionalInt.of(5), OptionalDouble.of(0.25)),
                new AgentOptions.Permissions(
                        List.of("Read", "Bash(git diff:*)"),
                        List.of("WebFetch"),
                        Optional.of(AgentOptions.PermissionMode.ACCEPT_EDITS),
                        false),
                Optional.of("Answer in French."),
                List.of());

        AgentRun run = AgentRun.run(dir, "flags", new AgentRun.Spec("turns: [{text: unused}]", options), fake);

        assertThat(run.stage().success()).as(run.toString()).isTrue();
        assertThat(Files.readAllLines(dir.resolve("argv.txt")))
                .containsSubsequence("--permission-mode", "acceptEdits")
                .containsSubsequence("--allowed-tools", "Read", "Bash(git diff:*)")
                .containsSubsequence("--disallowed-tools", "WebFetch")
                .containsSubsequence("--max-turns", "5")
                .containsSubsequence("--max-budget-usd", "0.25")
                .containsSubsequence("--append-system-prompt", "Answer in French.")
                .as("local: the agent's own permission checks stay on")
                .doesNotContain("--dangerously-skip-permissions")
                .endsWith("--model", "claude-sonnet-4-5");
    }
}
