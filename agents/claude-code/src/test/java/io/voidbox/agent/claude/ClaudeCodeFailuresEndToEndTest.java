package io.voidbox.agent.claude;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.voidbox.AgentOptions;
import io.voidbox.AgentOptions.Limits;
import io.voidbox.AgentOptions.Permissions;
import io.voidbox.Failure;
import io.voidbox.agent.claude.ClaudeCli.Version;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every failure kind the agent can produce, produced by the real Claude Code CLI (the pinned and
 * the newest on npm) against the scripted model, and checked where users see it: the
 * {@code stage.failed}/{@code run.failed}/{@code agent.result} events on the wire, the spans
 * ({@code error.type}, status), and {@code StageResult.failure()}. Runs on the local backend.
 */
class ClaudeCodeFailuresEndToEndTest {
    private static final String BASH_WRITE = """
            turns:
              - text: "I'll run a command."
                tool_use:
                  - name: Bash
                    input: {command: "echo hello > {{workspace}}/out.txt && cat {{workspace}}/out.txt", description: "write"}
                usage: {input_tokens: 1000, output_tokens: 100}
              - text: "Done."
                usage: {input_tokens: 100, output_tokens: 10}
            """;

    @TempDir
    Path dir;

    private static AgentOptions options(Version v, Limits limits, Permissions permissions) {
        return new AgentOptions(
                AgentOptions.Runner.CLAUDE_CODE, v.option(), limits, permissions, Optional.empty(), List.of());
    }

    private static AgentOptions options(Version v) {
        return options(v, Limits.NONE, Permissions.DEFAULTS);
    }

    private static Permissions allow(String... tools) {
        return new Permissions(List.of(tools), List.of(), Optional.empty(), false);
    }

    private static String errors(int status, int times, String message) {
        return """
                turns:
                  - error: {status: %d, message: "%s"}
                    repeat: %d
                  - text: "Recovered too late."
                """.formatted(status, message, times);
    }

    /** The failure on every surface: StageResult, stage.failed, run.failed, agent.result, stage and exec spans. */
    private static JsonNode assertFailedEverywhere(AgentRun run, Class<? extends Failure> kind, String type) {
        assertThat(run.stage().failure()).as(run.toString()).get().isInstanceOf(kind);
        assertThat(run.result().failure()).get().isInstanceOf(kind);
        JsonNode stageFailed = run.one("stage.failed");
        assertThat(stageFailed.path("error_type").asText()).isEqualTo(type);
        assertThat(stageFailed.path("error").asText())
                .isEqualTo(run.stage().failure().get().message());
        assertThat(run.one("run.failed").path("error_type").asText()).isEqualTo(type);
        SpanData stage = run.span("stage:" + run.stage().box());
        assertThat(stage.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        assertThat(AgentRun.errorType(stage)).isEqualTo(type);
        assertThat(AgentRun.errorType(run.span("pipeline:" + run.stage().box())))
                .isEqualTo(type);
        // output_missing is the stage's verdict: the agent itself reported success
        if (!run.wire("agent.result").isEmpty() && kind != Failure.OutputMissing.class) {
            JsonNode result = run.one("agent.result");
            assertThat(result.path("is_error").asBoolean()).isTrue();
            assertThat(result.path("error_type").asText()).isEqualTo(type);
            SpanData exec = run.span("claude.exec");
            assertThat(exec.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
            assertThat(AgentRun.errorType(exec)).isEqualTo(type);
        }
        return stageFailed;
    }

    @ParameterizedTest
    @EnumSource(Version.class)
    void clientErrorIsAnApiErrorThatIsNotRetryable(Version v) {
        // 2.1.332 quietly re-sends a request that got 400 up to five times (no api_retry line)
        AgentRun run = AgentRun.run(
                dir, "bad-request", new AgentRun.Spec(errors(400, 10, "scripted bad request"), options(v)));

        JsonNode e = assertFailedEverywhere(run, Failure.ApiError.class, "api_error");
        assertThat(e.path("http_status").asInt()).isEqualTo(400);
        assertThat(e.path("retryable").asBoolean()).isFalse();
        assertThat(e.path("error").asText()).contains("scripted bad request");
    }

    @ParameterizedTest
    @EnumSource(Version.class)
    void serverErrorsAreRetriedThenAnApiErrorThatIsRetryable(Version v) {
        AgentRun run = AgentRun.run(dir, "overloaded", new AgentRun.Spec(errors(500, 4, "overloaded"), options(v)));

        JsonNode e = assertFailedEverywhere(run, Failure.ApiError.class, "api_error");
        assertThat(e.path("http_status").asInt()).isEqualTo(500);
        assertThat(e.path("retryable").asBoolean()).isTrue();
        List<JsonNode> retries = run.wire("agent.retry");
        assertThat(retries).extracting(r -> r.path("attempt").asInt()).containsExactly(1, 2, 3);
        assertThat(retries).allSatisfy(r -> {
            assertThat(r.path("max_retries").asInt()).isEqualTo(3);
            assertThat(r.path("http_status").asInt()).isEqualTo(500);
            assertThat(r.path("delay_ms").asLong()).isPositive();
        });
        assertThat(run.span("claude.exec").getEvents())
                .extracting(EventData::getName)
                .containsExactly("agent.retry", "agent.retry", "agent.retry");
    }

    @ParameterizedTest
    @EnumSource(Version.class)
    void aRetryThatSucceedsLeavesRetryEventsOnACompletedStage(Version v) {
        AgentRun run = AgentRun.run(dir, "flaky", new AgentRun.Spec(errors(529, 1, "overloaded"), options(v)));

        assertThat(run.stage().success()).as(run.toString()).isTrue();
        assertThat(run.stage().resultText()).isEqualTo("Recovered too late.");
        assertThat(run.one("agent.retry").path("http_status").asInt()).isEqualTo(529);
        assertThat(run.span("claude.exec").getEvents())
                .extracting(EventData::getName)
                .containsExactly("agent.retry");
    }

    @ParameterizedTest
    @EnumSource(Version.class)
    void aStreamCutEveryTimeIsAnApiErrorWithoutStatus(Version v) {
        String scenario = """
                turns:
                  - text: "This answer never arrives whole: the connection drops in its middle."
                    cut: true
                    repeat: 20
                """;
        AgentRun run = AgentRun.run(dir, "cut", new AgentRun.Spec(scenario, options(v)));

        JsonNode e = assertFailedEverywhere(run, Failure.ApiError.class, "api_error");
        assertThat(e.has("http_status")).isFalse();
        assertThat(e.path("retryable").asBoolean()).isTrue();
    }

    @ParameterizedTest
    @EnumSource(Version.class)
    void tooManyRequestsIsRateLimited(Version v) {
        AgentRun run = AgentRun.run(dir, "throttled", new AgentRun.Spec(errors(429, 4, "slow down"), options(v)));

        JsonNode e = assertFailedEverywhere(run, Failure.RateLimited.class, "rate_limited");
        assertThat(e.path("http_status").asInt()).isEqualTo(429);
        assertThat(run.wire("agent.retry"))
                .isNotEmpty()
                .allSatisfy(r -> assertThat(r.path("http_status").asInt()).isEqualTo(429));
    }

    @ParameterizedTest
    @EnumSource(Version.class)
    void aRefusedKeyIsAnAuthError(Version v) {
        AgentRun run =
                AgentRun.run(dir, "unauthorized", new AgentRun.Spec(errors(401, 4, "invalid x-api-key"), options(v)));

        JsonNode e = assertFailedEverywhere(run, Failure.AuthError.class, "auth_error");
        assertThat(e.path("http_status").asInt()).isEqualTo(401);
    }

    @ParameterizedTest
    @EnumSource(Version.class)
    void aTurnLoopStopsAtMaxTurns(Version v) {
        String loop = """
                turns:
                  - text: "Step."
                    tool_use: [{name: Bash, input: {command: "echo step", description: "step"}}]
                    usage: {input_tokens: 100, output_tokens: 10}
                    repeat: 50
                """;
        AgentOptions o = options(v, new Limits(OptionalInt.of(2), OptionalDouble.empty()), allow("Bash"));
        AgentRun run = AgentRun.run(dir, "looping", new AgentRun.Spec(loop, o));

        JsonNode e = assertFailedEverywhere(run, Failure.MaxTurns.class, "max_turns");
        assertThat(e.path("max_turns").asInt()).isEqualTo(2);
        assertThat(e.path("error").asText()).contains("maximum number of turns (2)");
        assertThat(e.path("num_turns").asInt()).isEqualTo(3);
    }

    @ParameterizedTest
    @EnumSource(Version.class)
    void aCostlyTurnStopsAtTheBudgetAndTheAnnouncedToolIsNotRun(Version v) {
        String costly = """
                turns:
                  - text: "Thinking hard."
                    tool_use: [{name: Bash, input: {command: "echo costly > {{workspace}}/never.txt", description: "never"}}]
                    usage: {input_tokens: 100000, output_tokens: 20000}
                  - text: "Done."
                """;
        AgentOptions o = options(v, new Limits(OptionalInt.empty(), OptionalDouble.of(0.5)), allow("Bash"));
        AgentRun run = AgentRun.run(dir, "costly", new AgentRun.Spec(costly, o));

        JsonNode e = assertFailedEverywhere(run, Failure.BudgetExceeded.class, "budget_exceeded");
        assertThat(e.path("max_budget_usd").asDouble()).isEqualTo(0.5);
        assertThat(e.path("cost_usd").asDouble()).isCloseTo(0.6, within(1e-9));
        JsonNode notRun = run.one("agent.tool_not_run");
        assertThat(notRun.path("tool").asText()).isEqualTo("Bash");
        assertThat(notRun.path("reason").asText()).contains("error_max_budget_usd");
        SpanData bash = run.span("claude.tool.Bash");
        assertThat(bash.getStatus().getStatusCode())
                .as("not an error of the tool")
                .isEqualTo(StatusCode.UNSET);
        assertThat(bash.getAttributes().get(AttributeKey.stringKey("tool.status")))
                .isEqualTo("not_run");
    }

    @ParameterizedTest
    @EnumSource(Version.class)
    void aToolRefusedOnLocalWithoutAPolicyIsPermissionDenied(Version v) {
        AgentRun run = AgentRun.run(dir, "refused", new AgentRun.Spec(BASH_WRITE, options(v)));

        JsonNode e = assertFailedEverywhere(run, Failure.PermissionDenied.class, "permission_denied");
        assertThat(e.path("denied_tools")).extracting(JsonNode::asText).containsExactly("Bash");
        assertThat(e.path("permission_denials").asInt()).isEqualTo(1);
        JsonNode denied = run.one("agent.permission_denied");
        assertThat(denied.path("tool").asText()).isEqualTo("Bash");
        assertThat(run.one("agent.result").path("permission_denials").asInt()).isEqualTo(1);
        assertThat(run.span("claude.exec").getEvents())
                .extracting(EventData::getName)
                .contains("agent.permission_denied");
        assertThat(dir.resolve("out.txt")).doesNotExist();
    }

    @ParameterizedTest
    @EnumSource(Version.class)
    void aToolRefusedByTheBoxsOwnPolicyIsAWarningOnACompletedStage(Version v) {
        AgentRun run =
                AgentRun.run(dir, "policy", new AgentRun.Spec(BASH_WRITE, options(v, Limits.NONE, allow("Read"))));

        assertThat(run.stage().success()).as(run.toString()).isTrue();
        assertThat(run.stage().usage().permissionDenials()).isEqualTo(1);
        assertThat(run.one("stage.completed").path("permission_denials").asInt())
                .isEqualTo(1);
        assertThat(run.one("agent.permission_denied").path("tool").asText()).isEqualTo("Bash");
        assertThat(run.wire("log"))
                .anySatisfy(
                        l -> assertThat(l.path("line").asText()).startsWith("WARNING: permission denied: tool Bash"));
    }

    @ParameterizedTest
    @EnumSource(Version.class)
    void aTimeoutStillReportsEstimatedTokensAndCost(Version v) {
        String slow = """
                turns:
                  - text: "This will take a while."
                    tool_use: [{name: Bash, input: {command: "tail -f /dev/null", description: "wait"}}]
                    usage: {input_tokens: 3000, output_tokens: 200, cache_read_input_tokens: 1000}
                """;
        AgentRun run = AgentRun.run(
                dir,
                "slow",
                new AgentRun.Spec(slow, options(v, Limits.NONE, allow("Bash")), Duration.ofSeconds(30), null));

        JsonNode e = assertFailedEverywhere(run, Failure.Timeout.class, "timeout");
        assertThat(e.path("timeout_ms").asLong()).isEqualTo(30_000);
        assertThat(e.path("usage_estimated").asBoolean()).isTrue();
        assertThat(e.path("input_tokens").asLong()).isEqualTo(3000);
        assertThat(e.path("cache_read_tokens").asLong()).isEqualTo(1000);
        assertThat(e.path("output_tokens").asLong())
                .as("the streaming start value: a lower bound")
                .isPositive();
        assertThat(e.path("cost_usd").asDouble()).isGreaterThan(3000 * 3e-6);
        assertThat(run.stage().usage().estimated()).isTrue();
        assertThat(run.span("stage:slow").getAttributes().get(AttributeKey.booleanKey("voidbox.usage_estimated")))
                .isTrue();
    }

    @ParameterizedTest
    @EnumSource(Version.class)
    void aCrashIsAgentCrashedWithExitCodeSignalAndStderr(Version v) {
        String crash = """
                turns:
                  - text: "Crashing."
                    tool_use:
                      - name: Bash
                        input: {command: "echo 'Error: ECONNRESET' > /proc/$PPID/fd/2; kill -SEGV $PPID; sleep 5", description: "crash"}
                """;
        AgentRun run = AgentRun.run(dir, "crashing", new AgentRun.Spec(crash, options(v, Limits.NONE, allow("Bash"))));

        JsonNode e = assertFailedEverywhere(run, Failure.AgentCrashed.class, "agent_crashed");
        assertThat(e.path("exit_code").asInt()).isEqualTo(139);
        assertThat(e.path("signal").asText()).isEqualTo("SIGSEGV");
        assertThat(e.path("stderr_tail")).extracting(JsonNode::asText).contains("Error: ECONNRESET");
        assertThat(e.path("stderr_tail").size()).isBetween(1, 20);
    }

    @ParameterizedTest
    @EnumSource(Version.class)
    void aSigkilledAgentIsAResourceLimit(Version v) {
        // the kernel's OOM killer sends SIGKILL; here the agent's own Bash tool sends it to the CLI
        String killed = """
                turns:
                  - text: "Allocating."
                    tool_use: [{name: Bash, input: {command: "kill -KILL $PPID; sleep 5", description: "oom"}}]
                    usage: {input_tokens: 500, output_tokens: 50}
                """;
        AgentRun run = AgentRun.run(dir, "oom", new AgentRun.Spec(killed, options(v, Limits.NONE, allow("Bash"))));

        JsonNode e = assertFailedEverywhere(run, Failure.ResourceLimit.class, "resource_limit");
        assertThat(e.path("resource").asText()).isEqualTo("memory");
        assertThat(e.path("exit_code").asInt()).isEqualTo(137);
        assertThat(e.path("usage_estimated").asBoolean()).isTrue();
        assertThat(e.path("input_tokens").asLong()).isEqualTo(500);
    }

    @ParameterizedTest
    @EnumSource(Version.class)
    void aDeclaredOutputFileTheAgentNeverWroteIsOutputMissing(Version v) {
        String chatty = """
                turns:
                  - text: "Done, the report is written."
                """;
        AgentRun run = AgentRun.run(
                dir, "forgetful", new AgentRun.Spec(chatty, options(v), Duration.ofSeconds(120), "report.md"));

        JsonNode e = assertFailedEverywhere(run, Failure.OutputMissing.class, "output_missing");
        assertThat(e.path("output_file").asText()).isEqualTo("report.md");
        assertThat(run.one("agent.result").path("is_error").asBoolean())
                .as("the agent thought it succeeded")
                .isFalse();
    }

    @ParameterizedTest
    @EnumSource(Version.class)
    void aBackgroundSubagentGetsItsOwnSpanWithItsToolsAndEveryResultLineCounts(Version v) {
        String background = """
                turns:
                  - text: "Launching a helper in the background."
                    tool_use:
                      - name: Agent
                        input: {description: "Count files", prompt: "SUBTASK write and count", subagent_type: "general-purpose", run_in_background: true}
                    usage: {input_tokens: 1000, output_tokens: 100}
                  - text: "Main turn done; the helper is still working."
                    usage: {input_tokens: 1200, output_tokens: 50}
                  - text: "The helper reported back. Done."
                    usage: {input_tokens: 1500, output_tokens: 40}
                subagent_turns:
                  - text: "Writing."
                    tool_use:
                      - name: Bash
                        input: {command: "sleep 1; echo sub > {{workspace}}/sub.txt; ls {{workspace}}", description: "write and list"}
                    usage: {input_tokens: 300, output_tokens: 30}
                  - tool_use: [{name: Read, input: {file_path: "{{workspace}}/sub.txt"}}]
                    usage: {input_tokens: 400, output_tokens: 20}
                  - text: "SUB-REPORT: sub.txt written."
                    usage: {input_tokens: 500, output_tokens: 25}
                """;
        AgentOptions o = options(v, Limits.NONE, allow("Agent", "Bash", "Read", "Write"));
        AgentRun run = AgentRun.run(dir, "background", new AgentRun.Spec(background, o));

        assertThat(run.stage().success()).as(run.toString()).isTrue();
        assertThat(run.stage().resultText()).isEqualTo("The helper reported back. Done.");
        JsonNode result = run.one("agent.result");
        assertThat(result.path("num_turns").asInt())
                .as("2 turns, 1 more after the subagent")
                .isEqualTo(3);
        assertThat(result.path("input_tokens").asLong()).isEqualTo(1000 + 1200 + 1500 + 300 + 400 + 500);
        assertThat(result.path("output_tokens").asLong()).isEqualTo(100 + 50 + 40 + 30 + 20 + 25);
        assertThat(result.path("cost_usd").asDouble()).isCloseTo(0.018675, within(1e-9));
        assertThat(run.one("agent.subagent_started").path("subagent_type").asText())
                .isEqualTo("general-purpose");
        assertThat(run.one("agent.subagent_completed").path("status").asText()).isEqualTo("completed");

        SpanData exec = run.span("claude.exec");
        SpanData agent = run.span("claude.tool.Agent");
        SpanData subagent = run.span("claude.subagent");
        assertThat(subagent.getParentSpanId()).isEqualTo(exec.getSpanId());
        assertThat(subagent.getEndEpochNanos())
                .as("the subagent outlives its launch call")
                .isGreaterThan(agent.getEndEpochNanos() + 500_000_000L);
        for (String tool : List.of("claude.tool.Bash", "claude.tool.Read")) {
            SpanData s = run.span(tool);
            assertThat(s.getParentSpanId()).as(tool).isEqualTo(subagent.getSpanId());
            assertThat(s.getStartEpochNanos()).isGreaterThanOrEqualTo(subagent.getStartEpochNanos());
            assertThat(s.getEndEpochNanos()).isLessThanOrEqualTo(subagent.getEndEpochNanos());
        }
    }
}
