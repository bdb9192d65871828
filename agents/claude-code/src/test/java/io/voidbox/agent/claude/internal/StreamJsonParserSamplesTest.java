package io.voidbox.agent.claude.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.voidbox.Usage;
import io.voidbox.agent.claude.internal.ClaudeStreamEvent.AssistantText;
import io.voidbox.agent.claude.internal.ClaudeStreamEvent.Init;
import io.voidbox.agent.claude.internal.ClaudeStreamEvent.ParseWarning;
import io.voidbox.agent.claude.internal.ClaudeStreamEvent.Result;
import io.voidbox.agent.claude.internal.ClaudeStreamEvent.ToolResult;
import io.voidbox.agent.claude.internal.ClaudeStreamEvent.ToolUse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The parser against the real Claude Code 2.1.197 samples (the test resources beside this class). */
class StreamJsonParserSamplesTest {

    private static final String BASH_INPUT =
            "{\"command\":\"echo hi > /workspace/out.txt && cat /workspace/out.txt\",\"description\":\"Write hi to out.txt\"}";

    @Test
    void bashSampleYieldsInitToolCallMatchedResultAndResult() {
        Recorder r = Recorder.run(Samples.lines(Samples.BASH));

        assertThat(r.events)
                .extracting(e -> e.getClass().getSimpleName())
                .containsExactly(
                        "Init",
                        "MessageUsage",
                        "AssistantText",
                        "ToolUse",
                        "ToolResult",
                        "MessageUsage",
                        "AssistantText",
                        "Result");
        Init init = r.first(Init.class);
        assertThat(init.line()).isEqualTo(1);
        assertThat(init.model()).isEqualTo("claude-sonnet-4-5");
        assertThat(init.sessionId()).isEqualTo("c9e7945f-8139-4af1-9b3d-a5d1c88fe8b4");
        assertThat(init.cwd()).isEqualTo("/workspace");
        assertThat(init.claudeCodeVersion()).isEqualTo("2.1.197");
        assertThat(init.tools()).hasSize(24).startsWith("Task", "Bash").endsWith("Write");

        ToolUse use = r.first(ToolUse.class);
        assertThat(use.line()).isEqualTo(3);
        assertThat(use.toolUseId()).isEqualTo("toolu_2438b46f4f764b11a64fa432");
        assertThat(use.toolName()).isEqualTo("Bash");
        assertThat(use.inputJson()).isEqualTo(BASH_INPUT);
        assertThat(use.messageId()).isEqualTo("msg_a6152dbfa52d4410838e6c7f");
        assertThat(use.parentToolUseId()).isNull();

        ToolResult result = r.first(ToolResult.class);
        assertThat(result.line()).isEqualTo(4);
        assertThat(result.toolUseId()).isEqualTo(use.toolUseId());
        assertThat(result.toolName()).isEqualTo("Bash");
        assertThat(result.isError()).isFalse();
        assertThat(result.content()).isEqualTo("hi");
        assertThat(result.durationNanos()).isEqualTo(Recorder.TICK_NANOS); // one clock tick per line

        List<AssistantText> texts = r.all(AssistantText.class);
        assertThat(texts)
                .extracting(AssistantText::text)
                .containsExactly("I'll write the file.", "Done: wrote hi to /workspace/out.txt.");
        assertThat(texts.get(0).messageId()).isEqualTo(use.messageId());
        assertThat(texts).allSatisfy(t -> assertThat(t.error()).isNull());

        Result res = r.first(Result.class);
        assertThat(res.subtype()).isEqualTo("success");
        assertThat(res.isError()).isFalse();
        assertThat(res.errorMessage()).isNull();
        assertThat(res.apiErrorStatus()).isNull();
        assertThat(res.durationMs()).isEqualTo(204);
        assertThat(res.durationApiMs()).isEqualTo(51);
        assertThat(res.numTurns()).isEqualTo(2);
        assertThat(res.costUsd()).isCloseTo(0.0222, within(1e-12));
        assertThat(res.tokens()).isEqualTo(new Usage.Tokens(1100, 550, 8000, 2200));
        assertThat(res.usage()).isEqualTo(new Usage.Tokens(1100, 550, 8000, 2200));
        assertThat(res.modelUsage())
                .isEqualTo(Map.of("claude-sonnet-4-5", new ModelUsage(1100, 550, 8000, 2200, 0.0222)));

        assertThat(r.parser.warningCount()).isZero();
        assertThat(r.parser.skippedLines()).isZero();
        ClaudeRunSummary s = r.summary();
        assertThat(s)
                .isEqualTo(new ClaudeRunSummary(
                        new Usage(
                                new Usage.Tokens(1100, 550, 8000, 2200),
                                0.0222,
                                2,
                                1,
                                List.of("Bash"),
                                "claude-sonnet-4-5",
                                false,
                                0),
                        "c9e7945f-8139-4af1-9b3d-a5d1c88fe8b4",
                        204,
                        51,
                        "Done: wrote hi to /workspace/out.txt.",
                        new ClaudeRunSummary.Ending(true, "success", "completed", null, null, null),
                        new ClaudeRunSummary.Counts(0, 0, 0, List.of())));
    }

    @Test
    void partialMessagesSampleSkipsStreamEventsAndTakesContentFromCompleteMessages() {
        List<String> lines = Samples.lines(Samples.PARTIAL);
        Recorder r = Recorder.run(lines);

        assertThat(r.events)
                .extracting(e -> e.getClass().getSimpleName())
                .containsExactly(
                        "Init",
                        "MessageUsage",
                        "AssistantText",
                        "ToolUse",
                        "ToolResult",
                        "MessageUsage",
                        "AssistantText",
                        "Result");
        // 25 stream_event lines and 2 system/status lines carry nothing we use.
        long streamEvents = lines.stream()
                .filter(l -> l.startsWith("{\"type\":\"stream_event\""))
                .count();
        assertThat(streamEvents).isEqualTo(25);
        assertThat(r.parser.skippedLines()).isEqualTo(27);
        assertThat(r.parser.warningCount()).isZero();
        assertThat(r.parser.lineCount()).isEqualTo(33);

        ToolUse use = r.first(ToolUse.class);
        assertThat(use.line()).isEqualTo(17);
        assertThat(use.toolUseId()).isEqualTo("toolu_ee74c10594f049ffa90ad202");
        assertThat(use.inputJson()).isEqualTo(BASH_INPUT);
        ToolResult result = r.first(ToolResult.class);
        assertThat(result.line()).isEqualTo(21);
        assertThat(result.toolName()).isEqualTo("Bash");
        assertThat(result.content()).isEqualTo("hi");
        assertThat(result.isError()).isFalse();
        assertThat(result.durationNanos()).isEqualTo(4 * Recorder.TICK_NANOS);
        // The deltas of this sample spell a different path than the final message: the final one wins.
        assertThat(r.all(AssistantText.class))
                .extracting(AssistantText::text)
                .containsExactly("I'll write the file.", "Done: wrote hi to /workspace/out.txt.");

        ClaudeRunSummary s = r.summary();
        assertThat(s.isError()).isFalse();
        assertThat(s.usage().inputTokens()).isEqualTo(1100);
        assertThat(s.usage().outputTokens()).isEqualTo(550);
        assertThat(s.usage().tokens().cacheReadTokens()).isEqualTo(8000);
        assertThat(s.usage().tokens().cacheCreationTokens()).isEqualTo(2200);
        assertThat(s.usage().costUsd()).isCloseTo(0.0222, within(1e-12));
        assertThat(s.durationMs()).isEqualTo(225);
        assertThat(s.durationApiMs()).isEqualTo(74);
        assertThat(s.usage().numTurns()).isEqualTo(2);
        assertThat(s.usage().toolCalls()).isEqualTo(1);
        assertThat(s.usage().toolsUsed()).containsExactly("Bash");
        assertThat(s.sessionId()).isEqualTo("f8dff646-3856-4a9d-87e8-ffa9c81077ec");
    }

    @Test
    void apiError400SampleComesOutAsErrorWithMessage() {
        Recorder r = Recorder.run(Samples.lines(Samples.API_ERROR));

        assertThat(r.events)
                .extracting(e -> e.getClass().getSimpleName())
                .containsExactly("Init", "MessageUsage", "AssistantText", "Result");
        AssistantText text = r.first(AssistantText.class);
        assertThat(text.text()).isEqualTo("API Error: 400 scripted bad request");
        assertThat(text.error()).isEqualTo("unknown");
        assertThat(text.model()).isEqualTo("<synthetic>");

        Result res = r.first(Result.class);
        assertThat(res.isError()).isTrue();
        assertThat(res.apiErrorStatus()).isEqualTo(400);
        assertThat(res.errorMessage()).isEqualTo("API Error: 400 scripted bad request");
        assertThat(res.modelUsage()).isEmpty();
        assertThat(res.tokens()).isEqualTo(Usage.Tokens.NONE);
        assertThat(res.costUsd()).isZero();

        ClaudeRunSummary s = r.summary();
        assertThat(s.isError()).isTrue();
        assertThat(s.errorMessage()).isEqualTo("API Error: 400 scripted bad request");
        assertThat(s.hasResult()).isTrue();
        assertThat(s.usage().model()).isEqualTo("claude-sonnet-4-5");
        assertThat(s.usage().numTurns()).isEqualTo(1);
        assertThat(s.durationMs()).isEqualTo(145);
        assertThat(s.usage().toolCalls()).isZero();
        assertThat(s.usage().toolsUsed()).isEmpty();
        assertThat(s.warnings()).isZero();
        assertThat(r.all(ParseWarning.class)).isEmpty();
    }
}
