package io.voidbox.agent.claude.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.voidbox.AgentOptions;
import io.voidbox.Failure;
import io.voidbox.Usage;
import io.voidbox.agent.claude.internal.ClaudeStreamEvent.ApiRetry;
import io.voidbox.agent.claude.internal.ClaudeStreamEvent.PermissionDenied;
import io.voidbox.agent.claude.internal.ClaudeStreamEvent.Result;
import io.voidbox.agent.claude.internal.ClaudeStreamEvent.TaskNotification;
import io.voidbox.agent.claude.internal.ClaudeStreamEvent.TaskStarted;
import io.voidbox.agent.claude.internal.ClaudeStreamEvent.ToolUnfinished;
import io.voidbox.agent.claude.internal.ClaudeStreamEvent.ToolUse;
import io.voidbox.spi.AgentInvocation;
import io.voidbox.spi.ExecResult;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/**
 * The parser, the run summary and the failure naming against real transcripts of Claude Code
 * 2.1.332 (and 2.1.197 where it differs), recorded against the scripted model.
 */
class StreamJsonParserNewerSamplesTest {

    private static AgentInvocation invocation(AgentOptions options) {
        return new AgentInvocation("b", "p", "scripted", "claude-sonnet-4-5", Map.of(), Duration.ofSeconds(5), options);
    }

    private static Failure failure(ClaudeRunSummary s, int exitCode, boolean timedOut, AgentOptions options) {
        return ClaudeFailures.of(new ExecResult(exitCode, timedOut), s, invocation(options), List.of())
                .orElse(null);
    }

    @Test
    void backgroundSubagentOf2_1_332SumsBothResultLinesAndNamesTheTaskAndItsTools() {
        Recorder r = Recorder.run(Samples.lines(Samples.BACKGROUND_332));

        List<Result> results = r.all(Result.class);
        assertThat(results).extracting(x -> x.increment().resultIndex()).containsExactly(0, 1);
        assertThat(results.get(1).increment().sinceLastResult()).isEmpty();
        TaskStarted started = r.first(TaskStarted.class);
        ToolUse agent = r.first(ToolUse.class);
        assertThat(agent.toolName()).isEqualTo("Agent");
        assertThat(started.toolUseId()).isEqualTo(agent.toolUseId());
        assertThat(started.background()).isTrue();
        assertThat(started.subagentType()).isEqualTo("general-purpose");
        assertThat(started.description()).isEqualTo("Count files");
        TaskNotification done = r.first(TaskNotification.class);
        assertThat(done.taskId()).isEqualTo(started.taskId());
        assertThat(done.status()).isEqualTo("completed");
        assertThat(done.usage().toolUses()).isEqualTo(2);
        assertThat(done.line()).isGreaterThan(started.line());
        assertThat(r.all(ToolUse.class))
                .filteredOn(u -> agent.toolUseId().equals(u.parentToolUseId()))
                .extracting(ToolUse::toolName)
                .containsExactly("Bash", "Read");

        ClaudeRunSummary s = r.summary();
        assertThat(s.usage().numTurns())
                .as("2 turns, then 1 after the subagent reported")
                .isEqualTo(2 + 1);
        assertThat(s.durationMs()).isEqualTo(1012 + 69);
        assertThat(s.durationApiMs()).isEqualTo(1152);
        assertThat(s.usage().tokens()).isEqualTo(new Usage.Tokens(4900, 265, 0, 0));
        assertThat(s.usage().costUsd()).isCloseTo(0.018675, within(1e-9));
        assertThat(s.resultText()).isEqualTo("The helper reported back. Done.");
        assertThat(s.usage().estimated()).isFalse();
        assertThat(failure(s, 0, false, AgentOptions.DEFAULTS)).isNull();
    }

    @Test
    void backgroundSubagentOf2_1_197HasTwoResultsWithoutIndexAndNoBackgroundFlag() {
        Recorder r = Recorder.run(Samples.lines(Samples.BACKGROUND_197));

        assertThat(r.all(Result.class))
                .extracting(x -> x.increment().resultIndex())
                .containsExactly(null, null);
        assertThat(r.first(TaskStarted.class).background())
                .as("2.1.197 does not say")
                .isNull();
        assertThat(r.first(ToolUse.class).inputJson()).contains("\"run_in_background\":true");

        ClaudeRunSummary s = r.summary();
        assertThat(s.usage().numTurns()).isEqualTo(2 + 1);
        assertThat(s.durationMs()).isEqualTo(853 + 118);
        assertThat(s.usage().tokens()).isEqualTo(new Usage.Tokens(4900, 265, 0, 0));
        assertThat(s.usage().costUsd())
                .as("the last, cumulative total_cost_usd")
                .isCloseTo(0.018675, within(1e-9));
    }

    @Test
    void permissionDenialIsReportedOnceLiveIn2_1_332AndFromTheResultIn2_1_197() {
        Recorder fresh = Recorder.run(Samples.lines(Samples.DENIED_332));
        Recorder pinned = Recorder.run(Samples.lines(Samples.DENIED_197));

        PermissionDenied live = fresh.first(PermissionDenied.class);
        assertThat(fresh.all(PermissionDenied.class)).hasSize(1);
        assertThat(live.line()).as("the system line, before the tool result").isEqualTo(4);
        assertThat(live.toolName()).isEqualTo("Bash");
        assertThat(live.message()).contains("needs approval");
        PermissionDenied late = pinned.first(PermissionDenied.class);
        assertThat(pinned.all(PermissionDenied.class)).hasSize(1);
        assertThat(late.line()).as("from the result line").isEqualTo(6);
        assertThat(late.toolUseId()).isEqualTo("toolu_954670d3e681349a02730e6d");

        for (Recorder r : List.of(fresh, pinned)) {
            ClaudeRunSummary s = r.summary();
            assertThat(s.isError()).as("the CLI calls it a success").isFalse();
            assertThat(s.usage().permissionDenials()).isEqualTo(1);
            assertThat(failure(s, 0, false, AgentOptions.DEFAULTS))
                    .isInstanceOfSatisfying(
                            Failure.PermissionDenied.class,
                            f -> assertThat(f.deniedTools()).containsExactly("Bash"));
            AgentOptions allowList = new AgentOptions(
                    AgentOptions.Runner.CLAUDE_CODE,
                    java.util.Optional.empty(),
                    AgentOptions.Limits.NONE,
                    new AgentOptions.Permissions(List.of("Read"), List.of(), java.util.Optional.empty(), false),
                    java.util.Optional.empty(),
                    List.of());
            assertThat(failure(s, 0, false, allowList))
                    .as("the box's own allow list explains the denial: a warning, not a failure")
                    .isNull();
        }
    }

    @Test
    void retriedServerErrorIsAnApiErrorWithItsStatusAndTheRetriesAreEvents() {
        Recorder r = Recorder.run(Samples.lines(Samples.API_500_RETRIED_332));

        assertThat(r.all(ApiRetry.class))
                .extracting(ApiRetry::attempt, ApiRetry::maxRetries, ApiRetry::errorStatus, ApiRetry::error)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(1, 2, 500, "server_error"),
                        org.assertj.core.groups.Tuple.tuple(2, 2, 500, "server_error"));
        assertThat(r.all(ApiRetry.class)).extracting(ApiRetry::delayMs).containsExactly(515L, 1133L);
        ClaudeRunSummary s = r.summary();
        assertThat(s.counts().retries()).isEqualTo(2);
        assertThat(failure(s, 1, false, AgentOptions.DEFAULTS))
                .isEqualTo(new Failure.ApiError("claude: " + s.errorMessage(), 500, true));
    }

    @Test
    void budgetStopLeavesTheAnnouncedToolUnrunAndIsBudgetExceeded() {
        Recorder r = Recorder.run(Samples.lines(Samples.MAX_BUDGET_332));

        ToolUnfinished pending = r.first(ToolUnfinished.class);
        assertThat(pending.toolName()).isEqualTo("Bash");
        assertThat(r.parser.sawResult())
                .as("so the runner reports it as not run")
                .isTrue();
        ClaudeRunSummary s = r.summary();
        assertThat(s.ending().subtype()).isEqualTo("error_max_budget_usd");
        assertThat(s.ending().terminalReason()).isEqualTo("budget_exhausted");
        assertThat(s.usage().costUsd()).isCloseTo(0.6, within(1e-9));
        AgentOptions limited = AgentOptions.DEFAULTS;
        limited = new AgentOptions(
                limited.runner(),
                limited.version(),
                new AgentOptions.Limits(OptionalInt.empty(), OptionalDouble.of(0.5)),
                limited.permissions(),
                limited.appendSystemPrompt(),
                limited.mcpServers());
        assertThat(failure(s, 1, false, limited))
                .isEqualTo(new Failure.BudgetExceeded("claude: Reached maximum budget ($0.5)", 0.5));
    }

    @Test
    void turnLimitIsMaxTurns() {
        ClaudeRunSummary s = Recorder.run(Samples.lines(Samples.MAX_TURNS_332)).summary();

        assertThat(s.ending().subtype()).isEqualTo("error_max_turns");
        assertThat(s.usage().numTurns()).isEqualTo(4);
        assertThat(failure(s, 1, false, AgentOptions.DEFAULTS))
                .isEqualTo(new Failure.MaxTurns("claude: Reached maximum number of turns (3)", null));
    }

    @Test
    void aKilledRunIsAccountedFromItsMessagesAndMarkedEstimated() {
        Recorder r = Recorder.run(Samples.lines(Samples.KILLED_332));

        ClaudeRunSummary s = r.summary();
        assertThat(s.hasResult()).isFalse();
        assertThat(s.usage().estimated()).isTrue();
        // two messages, each counted once although each spans two lines
        assertThat(s.usage().tokens()).isEqualTo(new Usage.Tokens(2000 + 2500, 1 + 1, 1000, 0));
        assertThat(s.usage().costUsd()).isCloseTo((4500 * 3 + 2 * 15 + 1000 * 0.3) / 1_000_000.0, within(1e-12));
        assertThat(s.usage().numTurns()).isEqualTo(2);
        assertThat(failure(s, 137, false, AgentOptions.DEFAULTS))
                .isInstanceOfSatisfying(
                        Failure.ResourceLimit.class,
                        f -> assertThat(f.resource()).isEqualTo("memory"));
        assertThat(failure(s, -1, true, AgentOptions.DEFAULTS)).isInstanceOf(Failure.Timeout.class);
        assertThat(failure(s, 139, false, AgentOptions.DEFAULTS))
                .isInstanceOfSatisfying(
                        Failure.AgentCrashed.class, f -> assertThat(f.signal()).isEqualTo("SIGSEGV"));
        assertThat(failure(s, 0, false, AgentOptions.DEFAULTS)).isInstanceOf(Failure.NoResult.class);
    }
}
